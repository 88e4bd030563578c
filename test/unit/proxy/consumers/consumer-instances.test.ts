import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedGroups } from '../../../../src/groups/embedded-groups.js'
import { ConsumerInstances, type ConsumerInstancesOptions } from '../../../../src/proxy/consumers/consumer-instances.js'
import { FormatRegistry } from '../../../../src/serde/registry.js'
import { LogStore } from '../../../../src/storage/index.js'
import { engineParts } from '../../groups/real-store.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

async function setup (overrides: Partial<ConsumerInstancesOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'krest-proxy-'))
  const store = await LogStore.open({ dataDir: dir })
  let now = 1_000_000
  const clock = { now: () => now }
  const groups = await EmbeddedGroups.open({ ...engineParts(store), clock, offsetsTopicPartitions: 1 })
  const instances = new ConsumerInstances({
    groups, formats: FormatRegistry.withBuiltins(), clock, instanceTimeoutMs: 10_000, requestTimeoutMs: 1000,
    requestMaxBytes: 64 << 20, fetchMinBytes: 1, ...overrides,
  })
  cleanups.push(async () => { await instances.close(); await groups.close(); await store.close(); await rm(dir, { recursive: true, force: true }) })
  return { store, groups, instances, advance: (ms: number) => { now += ms } }
}

describe('consumer instances', () => {
  it('validates create requests like Confluent', async () => {
    const { instances } = await setup()
    expect(() => instances.create('g', { format: 'xml' })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMER_FORMAT' }))
    expect(() => instances.create('g', { autoOffsetReset: 'smallest' })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMER_CONFIG' }))
    expect(() => instances.create('g', { fetchMinBytes: 10_000_001 })).toThrow(expect.objectContaining({ code: 'CONSUMER_CONFIG_OUT_OF_RANGE' }))
    expect(() => instances.create('g', { autoCommitEnable: 'maybe' })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMER_CONFIG' }))
    expect(() => instances.create('g', { assignmentStrategy: 'sticky' })).toThrow(expect.objectContaining({ code: 'INVALID_CONSUMER_CONFIG' }))
    const a = instances.create('g', { format: 'JSON', name: 'a' })
    expect(a).toEqual({ group: 'g', instanceId: 'a', format: 'json' })
    expect(() => instances.create('g', { name: 'a' })).toThrow(expect.objectContaining({ code: 'CONSUMER_INSTANCE_EXISTS' }))
    expect(instances.create('other', { name: 'a' }).instanceId).toBe('a')
    expect(instances.create('g', {}).instanceId).toMatch(/^rest-consumer-[0-9a-f-]{36}$/)
    // schema formats are accepted at creation; they decode through the format registry once it offers them
    instances.create('g', { name: 's', format: 'avro' })
  })

  it('decodes binary and json, with timestamp and headers; a format mismatch is refused', async () => {
    const { store, instances } = await setup()
    await store.createTopic('t', { partitions: 1 })
    await store.partition('t', 0).append([{ key: Buffer.from('"k"'), value: Buffer.from('{"a":1}'), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: 123 }])
    instances.create('g', { name: 'b', autoOffsetReset: 'earliest' })
    instances.create('g2', { name: 'j', format: 'json', autoOffsetReset: 'earliest' })
    await instances.subscribe('g', 'b', { topics: ['t'] })
    await instances.subscribe('g2', 'j', { topics: ['t'] })
    await expect(instances.fetch('g', 'b', { format: 'json' })).rejects.toMatchObject({ code: 'CONSUMER_FORMAT_MISMATCH' })
    expect(await instances.fetch('g', 'b', { format: 'binary' })).toEqual([
      { topic: 't', key: Buffer.from('"k"').toString('base64'), value: Buffer.from('{"a":1}').toString('base64'), partition: 0, offset: 0, timestamp: 123, headers: [{ name: 'h', value: 'dg==' }] },
    ])
    expect(await instances.fetch('g2', 'j', { format: 'json' })).toEqual([
      { topic: 't', key: 'k', value: { a: 1 }, partition: 0, offset: 0, timestamp: 123, headers: [{ name: 'h', value: 'dg==' }] },
    ])
  })

  it('the serialized fetch answers exactly what the object fetch does, for binary and json', async () => {
    const { store, instances } = await setup()
    await store.createTopic('t.x', { partitions: 2 })
    await store.partition('t.x', 0).append([
      { key: Buffer.from('"k\\u00e9"'), value: Buffer.from(' {"a":[1,2,{"b":null}]} '), headers: [{ key: 'h"1', value: null }, { key: 'h2', value: Buffer.from([0, 255]) }] },
      { key: null, value: null },
      { key: Buffer.from('1'), value: Buffer.from('"\u2028"') },
    ])
    for (const format of ['binary', 'json'] as const) {
      for (const name of ['objects', 'text']) {
        instances.create(format, { name, format, autoOffsetReset: 'earliest' })
        await instances.assign(format, name, [{ topic: 't.x', partition: 0 }, { topic: 't.x', partition: 1 }])
      }
      const objects = await instances.fetch(format, 'objects', { format })
      const text = await instances.fetchSerialized(format, 'text', { format })
      expect(text.count).toBe(3)
      expect(JSON.parse(text.json)).toEqual(objects)
    }
  })

  it('a json consumer on non-JSON data gets DESERIALIZATION_FAILED and does not lose the record', async () => {
    const { store, instances } = await setup()
    await store.createTopic('t', { partitions: 1 })
    await store.partition('t', 0).append([{ key: null, value: Buffer.from('not json') }])
    instances.create('g', { name: 'j', format: 'json', autoOffsetReset: 'earliest' })
    await instances.assign('g', 'j', [{ topic: 't', partition: 0 }])
    await expect(instances.fetch('g', 'j', { format: 'json' })).rejects.toMatchObject({ code: 'DESERIALIZATION_FAILED' })
    await expect(instances.fetchSerialized('g', 'j', { format: 'json' })).rejects.toMatchObject({ code: 'DESERIALIZATION_FAILED' })
    await expect(instances.fetchSerialized('g', 'j', { format: 'json' })).rejects.toMatchObject({ code: 'DESERIALIZATION_FAILED' })
  })

  it('commits offset + 1 for an explicit body and the delivered positions without one', async () => {
    const { store, instances } = await setup()
    await store.createTopic('t', { partitions: 1 })
    await store.partition('t', 0).append([{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b') }])
    instances.create('g', { name: 'c', autoOffsetReset: 'earliest', autoCommitEnable: false })
    await instances.subscribe('g', 'c', { topics: ['t'] })
    const tp = [{ topic: 't', partition: 0 }]
    expect(await instances.committed('g', 'c', tp)).toEqual([])
    await instances.commit('g', 'c', [{ topic: 't', partition: 0, offset: 0, metadata: 'x' }])
    expect(await instances.committed('g', 'c', tp)).toEqual([{ topic: 't', partition: 0, offset: 1, metadata: 'x' }])
    // committing does not move the position (fixed at assignment: earliest), as in Kafka
    expect((await instances.fetch('g', 'c', { format: 'binary' })).map(r => r.offset)).toEqual([0, 1])
    await instances.commit('g', 'c')
    expect((await instances.committed('g', 'c', tp))[0]?.offset).toBe(2)
  })

  it('expires idle instances by the injected clock; the group rebalances; busy instances are kept', async () => {
    const { store, groups, instances, advance } = await setup()
    await store.createTopic('t', { partitions: 2 })
    instances.create('g', { name: 'a' })
    instances.create('g', { name: 'b' })
    await instances.subscribe('g', 'a', { topics: ['t'] })
    await instances.subscribe('g', 'b', { topics: ['t'] })
    expect((await instances.assignment('g', 'a')).length).toBe(1)
    advance(6000)
    await instances.assignment('g', 'a') // touch a only
    advance(6000)
    expect(await instances.expireIdle()).toBe(1)
    await expect(instances.assignment('g', 'b')).rejects.toMatchObject({ code: 'CONSUMER_INSTANCE_NOT_FOUND' })
    expect((await instances.assignment('g', 'a')).length).toBe(2)
    expect(groups.describeGroup('g')?.members.length).toBe(1)
    // an instance past its deadline answers 404 even before a sweep
    advance(20_000)
    await expect(instances.assignment('g', 'a')).rejects.toMatchObject({ code: 'CONSUMER_INSTANCE_NOT_FOUND' })
  })

  it('caps the wait by consumer.request.timeout.ms and deleting ends a waiting fetch', async () => {
    const { store, instances } = await setup({ requestTimeoutMs: 50 })
    await store.createTopic('t', { partitions: 1 })
    instances.create('g', { name: 'a' })
    await instances.subscribe('g', 'a', { topics: ['t'] })
    expect(await instances.fetch('g', 'a', { format: 'binary', timeoutMs: 600_000 })).toEqual([])
    instances.create('g', { name: 'b', requestTimeoutMs: 600_000 })
    await instances.assign('g', 'b', [{ topic: 't', partition: 0 }])
    const pending = instances.fetch('g', 'b', { format: 'binary' })
    await new Promise(resolve => setImmediate(resolve)) // let the fetch park on waitFor
    await instances.delete('g', 'b')
    expect(await pending).toEqual([])
    await expect(instances.fetch('g', 'b', { format: 'binary' })).rejects.toMatchObject({ code: 'CONSUMER_INSTANCE_NOT_FOUND' })
  })

  it('seeking an unassigned partition is an illegal state and nothing moves', async () => {
    const { store, instances } = await setup()
    await store.createTopic('t', { partitions: 2 })
    instances.create('g', { name: 'a', autoOffsetReset: 'earliest' })
    await instances.assign('g', 'a', [{ topic: 't', partition: 0 }])
    await expect(instances.seek('g', 'a', [{ topic: 't', partition: 0, offset: 5 }], [{ topic: 't', partition: 1, timestamp: 0 }]))
      .rejects.toMatchObject({ code: 'ILLEGAL_CONSUMER_STATE' })
    await expect(instances.subscribe('g', 'a', { topics: ['t'] })).rejects.toMatchObject({ code: 'ILLEGAL_CONSUMER_STATE' })
  })
})
