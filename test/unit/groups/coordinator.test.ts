import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedGroups } from '../../../src/groups/embedded-groups.js'
import type { EmbeddedConsumer } from '../../../src/groups/embedded-consumer.js'
import type { ConsumerOptions, TopicPartition } from '../../../src/groups/types.js'
import type { LogStore } from '../../../src/storage/index.js'
import { engineParts, openTempStore, type TempStore } from './real-store.js'

let now = 1_700_000_000_000
const clock = { now: () => now }

let temp: TempStore | undefined
afterEach(async () => { await temp?.cleanup(); temp = undefined })

async function setup (topics: Record<string, number> = {}): Promise<{ store: LogStore, groups: EmbeddedGroups }> {
  temp = await openTempStore()
  const store = temp.store
  for (const [name, partitions] of Object.entries(topics)) await store.createTopic(name, { partitions })
  const groups = await EmbeddedGroups.open({ ...engineParts(store), clock, offsetsTopicPartitions: 3 })
  return { store, groups }
}

function consumer (groups: EmbeddedGroups, overrides: Partial<ConsumerOptions> = {}): EmbeddedConsumer {
  return groups.createConsumer({ groupId: 'g', clientId: 'c', autoOffsetReset: 'earliest', autoCommit: true, ...overrides })
}

function keys (tps: TopicPartition[]): string[] {
  return tps.map(tp => `${tp.topic}-${tp.partition}`).sort()
}

async function produce (store: LogStore, topic: string, partition: number, n: number, size = 3): Promise<void> {
  await store.partition(topic, partition).append(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.alloc(size, i) })))
}

describe('group coordinator', () => {
  it('creates the compacted internal offsets topic', async () => {
    const { store } = await setup()
    const t = store.listTopics().find(x => x.name === '__consumer_offsets')
    expect(t?.internal).toBe(true)
    expect(t?.config['cleanup.policy']).toBe('compact')
    expect(t?.partitions).toBe(3)
  })

  it('spreads 6 partitions over 3 members, disjoint, then 3 each after one leaves', async () => {
    const { groups } = await setup({ t: 6 })
    const cs = [consumer(groups), consumer(groups), consumer(groups)]
    for (const c of cs) await c.subscribe({ topics: ['t'] })
    const all = cs.flatMap(c => keys(c.assignment()))
    expect(cs.map(c => c.assignment().length)).toEqual([2, 2, 2])
    expect(new Set(all).size).toBe(6)
    const before = groups.describeGroup('g')
    expect(before?.state).toBe('STABLE')
    expect(before?.protocol).toBe('range')
    await cs[1]!.close()
    expect(cs[0]!.assignment().length + cs[2]!.assignment().length).toBe(6)
    expect(cs[0]!.assignment().length).toBe(3)
    expect(new Set([...keys(cs[0]!.assignment()), ...keys(cs[2]!.assignment())]).size).toBe(6)
    expect(groups.describeGroup('g')!.generation).toBeGreaterThan(before!.generation)
  })

  it('uses round robin when every member asks for it, and refuses members without a common assignor', async () => {
    const { groups } = await setup({ a: 2, b: 1 })
    const c1 = consumer(groups, { assignors: ['roundrobin'] })
    const c2 = consumer(groups, { assignors: ['roundrobin', 'range'] })
    await c1.subscribe({ topics: ['a', 'b'] })
    await c2.subscribe({ topics: ['a', 'b'] })
    expect(groups.describeGroup('g')?.protocol).toBe('roundrobin')
    expect(c1.assignment().length + c2.assignment().length).toBe(3)
    const c3 = consumer(groups, { assignors: ['range'] })
    await expect(c3.subscribe({ topics: ['a'] })).rejects.toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL' })
  })

  it('pattern subscriptions pick up topics created later and partition growth', async () => {
    const { store, groups } = await setup({ 'orders-eu': 1, other: 1 })
    const c = consumer(groups)
    await c.subscribe({ pattern: 'orders-.*' })
    expect(keys(c.assignment())).toEqual(['orders-eu-0'])
    await store.createTopic('orders-us', { partitions: 2 })
    await groups.topicsChanged()
    expect(keys(c.assignment())).toEqual(['orders-eu-0', 'orders-us-0', 'orders-us-1'])
    await store.addPartitions('orders-eu', 2)
    await produce(store, 'orders-eu', 1, 1)
    // a poll refreshes metadata by itself too, once what it knows is older than a second
    now += 1000
    const recs = await c.poll({ timeoutMs: 0, maxBytes: 1000, minBytes: 1 })
    expect(keys(c.assignment())).toContain('orders-eu-1')
    expect(recs.map(r => `${r.topic}-${r.partition}`)).toEqual(['orders-eu-1'])
    await expect(consumer(groups).subscribe({ pattern: '(' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
  })

  it('hands a moving partition over at the committed offset (auto-commit on revoke), no record lost or repeated', async () => {
    const { store, groups } = await setup({ t: 2 })
    await produce(store, 't', 0, 5)
    await produce(store, 't', 1, 5)
    const a = consumer(groups)
    await a.subscribe({ topics: ['t'] })
    const first = await a.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })
    expect(first.length).toBe(10)
    const b = consumer(groups)
    await b.subscribe({ topics: ['t'] })
    expect(a.assignment().length).toBe(1)
    const moved = b.assignment()[0]!.partition
    expect(a.assignment()[0]!.partition).toBe(1 - moved)
    expect(groups.groupOffsets('g')).toContainEqual({ topic: 't', partition: moved, currentOffset: 5, logEndOffset: 5, lag: 0 })
    await produce(store, 't', moved, 2)
    const got = await b.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })
    expect(got.map(r => r.offset)).toEqual([5, 6])
  })

  it('without auto-commit a new owner re-reads from the last commit (at least once)', async () => {
    const { store, groups } = await setup({ t: 1 })
    await produce(store, 't', 0, 4)
    const a = consumer(groups, { autoCommit: false })
    await a.subscribe({ topics: ['t'] })
    expect((await a.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })).length).toBe(4)
    await a.commit([{ topic: 't', partition: 0, offset: 2 }])
    await a.close()
    const b = consumer(groups, { autoCommit: false })
    await b.subscribe({ topics: ['t'] })
    expect((await b.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })).map(r => r.offset)).toEqual([2, 3])
  })

  it('replays committed offsets from the offsets topic on open', async () => {
    const { store, groups } = await setup({ t: 1 })
    const c = consumer(groups)
    await c.assign([{ topic: 't', partition: 0 }])
    await c.commit([{ topic: 't', partition: 0, offset: 42, metadata: 'm' }])
    await c.commit([{ topic: 't', partition: 0, offset: 43 }])
    await groups.close()
    const again = await EmbeddedGroups.open({ ...engineParts(await temp!.reopen()), clock })
    expect(again.coordinator.offsets.committed('g', 't', 0)).toMatchObject({ offset: 43, metadata: '' })
    const d = again.describeGroup('g')
    expect(d?.state).toBe('EMPTY')
    expect(again.listGroups().map(g => g.groupId)).toEqual(['g'])
  })

  it('deleting a topic drops its committed offsets (durably) and its partitions from assignments', async () => {
    const { store, groups } = await setup({ gone: 2, kept: 1 })
    const c = consumer(groups)
    await c.subscribe({ topics: ['gone', 'kept'] })
    await c.commit([{ topic: 'gone', partition: 0, offset: 3 }, { topic: 'kept', partition: 0, offset: 1 }])
    await store.deleteTopic('gone')
    await groups.topicsChanged()
    expect(keys(c.assignment())).toEqual(['kept-0'])
    expect(groups.groupOffsets('g').map(o => o.topic)).toEqual(['kept'])
    await groups.close()
    const again = await EmbeddedGroups.open({ ...engineParts(await temp!.reopen()), clock })
    expect(again.coordinator.offsets.groupOffsets('g').map(o => `${o.topic}:${o.offset}`)).toEqual(['kept:1'])
  })

  it('a group that had members comes back after a restart as an empty consumer group with its assignor', async () => {
    const { groups } = await setup({ t: 1 })
    const c = consumer(groups, { groupId: 'rr', assignors: ['roundrobin'] })
    await c.subscribe({ topics: ['t'] })
    await c.close()
    await groups.close()
    const again = await EmbeddedGroups.open({ ...engineParts(await temp!.reopen()), clock })
    expect(again.describeGroup('rr')).toMatchObject({ groupId: 'rr', state: 'EMPTY', protocolType: 'consumer', protocol: 'roundrobin', members: [] })
    expect(again.listGroups().map(g => g.groupId)).toEqual(['rr'])
    // and it works as before
    const d = again.createConsumer({ groupId: 'rr', clientId: 'd', autoOffsetReset: 'earliest', autoCommit: true, assignors: ['roundrobin'] })
    await d.subscribe({ topics: ['t'] })
    expect(again.describeGroup('rr')?.state).toBe('STABLE')
  })

  it('a group never hands one partition to two members and every group sees every record', async () => {
    const { store, groups } = await setup({ t: 4 })
    for (let p = 0; p < 4; p++) await produce(store, 't', p, 3)
    const g1 = [consumer(groups, { groupId: 'g1' }), consumer(groups, { groupId: 'g1' })]
    const g2 = [consumer(groups, { groupId: 'g2' })]
    for (const c of [...g1, ...g2]) await c.subscribe({ topics: ['t'] })
    const seen1: string[] = []
    for (const c of g1) seen1.push(...(await c.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })).map(r => `${r.partition}:${r.offset}`))
    const seen2 = (await g2[0]!.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })).map(r => `${r.partition}:${r.offset}`)
    expect(seen1.sort()).toEqual(seen2.sort())
    expect(new Set(seen1).size).toBe(12)
  })
})
