import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedGroups } from '../../../src/groups/embedded-groups.js'
import type { ConsumerOptions } from '../../../src/groups/types.js'
import { engineParts, openTempStore, type TempStore } from './real-store.js'

let temp: TempStore | undefined
afterEach(async () => { await temp?.cleanup(); temp = undefined })

async function setup (topics: Record<string, number>, overrides: Partial<ConsumerOptions> = {}) {
  temp = await openTempStore()
  const store = temp.store
  for (const [name, partitions] of Object.entries(topics)) await store.createTopic(name, { partitions })
  let now = 1_000_000
  const clock = { now: () => now }
  const groups = await EmbeddedGroups.open({ ...engineParts(store), clock, offsetsTopicPartitions: 1 })
  const c = groups.createConsumer({ groupId: 'g', clientId: 'c', autoOffsetReset: 'earliest', autoCommit: false, ...overrides })
  return { store, groups, c, advance: (ms: number) => { now += ms } }
}

const value = (s: string): { key: null, value: Buffer } => ({ key: null, value: Buffer.from(s) })

describe('embedded consumer', () => {
  it('a waiting poll returns when a record is appended, before its timeout', async () => {
    const { store, c } = await setup({ t: 2 })
    await c.subscribe({ topics: ['t'] })
    // a broken wake-up would only return [] after the 30 s timeout
    const pending = c.poll({ timeoutMs: 30_000, maxBytes: 1 << 20, minBytes: 1 })
    setTimeout(() => { void store.partition('t', 1).append([value('hello')]) }, 20)
    const got = await pending
    expect(got.map(r => r.value?.toString())).toEqual(['hello'])
  })

  it('returns [] after the timeout when nothing arrives, and an aborted poll returns at once', async () => {
    const { c } = await setup({ t: 1 })
    await c.assign([{ topic: 't', partition: 0 }])
    expect(await c.poll({ timeoutMs: 30, maxBytes: 100, minBytes: 1 })).toEqual([])
    const ac = new AbortController()
    const p = c.poll({ timeoutMs: 60_000, maxBytes: 100, minBytes: 1, signal: ac.signal })
    ac.abort()
    expect(await p).toEqual([])
  })

  it('caps responses at maxBytes but still delivers a single larger record alone', async () => {
    const { store, c } = await setup({ t: 1 })
    await store.partition('t', 0).append([value('x'.repeat(100)), value('aaaa'), value('bbbb'), value('cccc')])
    await c.assign([{ topic: 't', partition: 0 }])
    const a = await c.poll({ timeoutMs: 0, maxBytes: 10, minBytes: 1 })
    expect(a.map(r => r.offset)).toEqual([0])
    const b = await c.poll({ timeoutMs: 0, maxBytes: 10, minBytes: 1 })
    expect(b.map(r => r.offset)).toEqual([1, 2])
    const d = await c.poll({ timeoutMs: 0, maxBytes: 10, minBytes: 1 })
    expect(d.map(r => r.offset)).toEqual([3])
  })

  it('with minBytes waits until enough bytes are gathered', async () => {
    const { store, c } = await setup({ t: 1 })
    await c.assign([{ topic: 't', partition: 0 }])
    await store.partition('t', 0).append([value('12345')])
    const pending = c.poll({ timeoutMs: 30_000, maxBytes: 1000, minBytes: 8 })
    setTimeout(() => { void store.partition('t', 0).append([value('67890')]) }, 20)
    expect((await pending).map(r => r.offset)).toEqual([0, 1])
  })

  it('seeks by offset, beginning, end and timestamp; refuses unowned partitions', async () => {
    const { store, c } = await setup({ t: 1, u: 1 })
    const log = store.partition('t', 0)
    await log.append([{ key: null, value: Buffer.from('a'), timestamp: 100 }, { key: null, value: Buffer.from('b'), timestamp: 200 }, { key: null, value: Buffer.from('c'), timestamp: 300 }])
    const tp = { topic: 't', partition: 0 }
    await c.assign([tp])
    c.seek(tp, 2)
    expect((await c.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).map(r => r.offset)).toEqual([2])
    c.seekToBeginning([tp])
    expect((await c.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).map(r => r.offset)).toEqual([0, 1, 2])
    await c.seekToTimestamps([{ ...tp, timestamp: 150 }])
    expect(c.position(tp)).toBe(1)
    await c.seekToTimestamps([{ ...tp, timestamp: 1000 }])
    expect(c.position(tp)).toBe(3)
    c.seekToBeginning([tp])
    c.seekToEnd([tp])
    expect(c.position(tp)).toBe(3)
    expect(() => c.seek({ topic: 'u', partition: 0 }, 0)).toThrow(expect.objectContaining({ code: 'ILLEGAL_CONSUMER_STATE' }))
    await expect(c.assign([{ topic: 'nope', partition: 0 }])).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' })
  })

  it('subscribe and assign are mutually exclusive', async () => {
    const { c } = await setup({ t: 1 })
    await c.assign([{ topic: 't', partition: 0 }])
    await expect(c.subscribe({ topics: ['t'] })).rejects.toMatchObject({ code: 'ILLEGAL_CONSUMER_STATE' })
    await c.unsubscribe()
    await c.subscribe({ topics: ['t'] })
    await expect(c.assign([{ topic: 't', partition: 0 }])).rejects.toMatchObject({ code: 'ILLEGAL_CONSUMER_STATE' })
    await expect(c.poll({ timeoutMs: 0, maxBytes: 1, minBytes: 1 })).resolves.toEqual([])
  })

  it('auto.offset.reset latest and none', async () => {
    const { store, groups } = await setup({ t: 1 })
    await store.partition('t', 0).append([value('old')])
    const latest = groups.createConsumer({ groupId: 'x', clientId: 'c', autoOffsetReset: 'latest', autoCommit: false })
    await latest.assign([{ topic: 't', partition: 0 }])
    expect(await latest.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).toEqual([])
    await store.partition('t', 0).append([value('new')])
    expect((await latest.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).map(r => r.value?.toString())).toEqual(['new'])
    const none = groups.createConsumer({ groupId: 'y', clientId: 'c', autoOffsetReset: 'none', autoCommit: false })
    await none.assign([{ topic: 't', partition: 0 }])
    await expect(none.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).rejects.toMatchObject({ code: 'NO_OFFSET_FOR_PARTITION' })
  })

  it('auto-commits delivered positions at the interval and on close', async () => {
    const { store, groups, c, advance } = await setup({ t: 1 }, { autoCommit: true, autoCommitIntervalMs: 5000 })
    await store.partition('t', 0).append([value('a'), value('b')])
    await c.subscribe({ topics: ['t'] })
    expect((await c.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })).length).toBe(2)
    expect(groups.coordinator.offsets.committed('g', 't', 0)).toBeUndefined()
    advance(5000)
    await c.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })
    expect(groups.coordinator.offsets.committed('g', 't', 0)?.offset).toBe(2)
    await store.partition('t', 0).append([value('c')])
    await c.poll({ timeoutMs: 0, maxBytes: 100, minBytes: 1 })
    await c.close()
    expect(groups.coordinator.offsets.committed('g', 't', 0)?.offset).toBe(3)
    expect(groups.describeGroup('g')?.members).toEqual([])
  })

  it('drops records of a partition revoked while the poll was waiting', async () => {
    const { store, groups } = await setup({ t: 2 })
    const a = groups.createConsumer({ groupId: 'g', clientId: 'a', autoOffsetReset: 'earliest', autoCommit: true })
    await a.subscribe({ topics: ['t'] })
    // minBytes -1: the poll keeps gathering until its timeout
    const pending = a.poll({ timeoutMs: 200, maxBytes: 1 << 20, minBytes: -1 })
    await store.partition('t', 1).append([value('one')])
    await new Promise(resolve => setTimeout(resolve, 20))
    const b = groups.createConsumer({ groupId: 'g', clientId: 'b', autoOffsetReset: 'earliest', autoCommit: true })
    await b.subscribe({ topics: ['t'] })
    const got = await pending
    const ownedByA = a.assignment().map(tp => tp.partition)
    expect(got.every(r => ownedByA.includes(r.partition))).toBe(true)
    const bGot = await b.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })
    expect([...got, ...bGot].filter(r => r.partition === 1).map(r => r.offset)).toEqual([0])
  })
})
