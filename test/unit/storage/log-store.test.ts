import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore, Partitioner, validateTopicName } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

describe('LogStore', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTmpDir())
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
  })
  afterEach(async () => {
    await store.close()
    await cleanup()
  })

  it.each([
    ['', 'empty'], ['.', 'dot'], ['..', 'dot-dot'], ['../etc', 'traversal'], ['a/b', 'slash'], ['a\\b', 'backslash'],
    ['a\u0000b', 'NUL'], ['x'.repeat(250), 'too long'], ['spaces here', 'space'], ['ünïcode', 'non-ASCII'], ['%2e%2e', 'percent'],
  ])('rejects the topic name %j (%s) without touching the disk', async (name) => {
    await expect(store.createTopic(name, { partitions: 1 })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_TOPIC_NAME'))
    expect((await readdir(dir)).filter(f => !f.startsWith('.') && f !== 'meta.properties')).toEqual([])
    expect((await readdir(join(dir, '..'))).filter(f => f === 'etc-0')).toEqual([])
  })

  it('accepts Kafka-legal names, up to 249 characters', () => {
    for (const name of ['orders', 'a.b_c-D9', 'x'.repeat(249), '__consumer_offsets', '_schemas']) expect(() => validateTopicName(name)).not.toThrow()
  })

  it('creates, lists, describes and deletes topics, leaving no files behind', async () => {
    const created = await store.createTopic('orders', { partitions: 3, configs: { 'retention.ms': '1000' } })
    expect(created).toMatchObject({ name: 'orders', partitions: 3, internal: false, overrides: { 'retention.ms': '1000' } })
    expect(created.config['retention.ms']).toBe(1000)
    expect(created.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    await store.createTopic('_schemas', { partitions: 1, internal: true, configs: { 'cleanup.policy': 'compact' } })
    expect(store.listTopics().map(t => [t.name, t.internal])).toEqual([['_schemas', true], ['orders', false]])
    await expect(store.createTopic('orders', { partitions: 1 })).rejects.toSatisfy(e => isKrestError(e, 'TOPIC_ALREADY_EXISTS'))
    await store.partition('orders', 2).append([{ key: null, value: Buffer.from('x') }])
    await store.deleteTopic('orders')
    expect(store.hasTopic('orders')).toBe(false)
    expect(() => store.describeTopic('orders')).toThrow(expect.objectContaining({ code: 'TOPIC_NOT_FOUND' }))
    const left = await readdir(dir)
    expect(left.filter(f => f.startsWith('orders'))).toEqual([])
    expect(await readdir(join(dir, '.topics'))).toEqual(['_schemas.json'])
    await expect(store.deleteTopic('orders')).rejects.toSatisfy(e => isKrestError(e, 'TOPIC_NOT_FOUND'))
  })

  it('stores a 249-character topic (its metadata file name is 254 bytes) across restarts and config changes', async () => {
    const name = 'n'.repeat(249)
    await store.createTopic(name, { partitions: 2 })
    await store.alterTopicConfigs(name, { 'retention.ms': '1000' })
    await store.partition(name, 1).append([{ key: null, value: Buffer.from('x') }])
    await store.close()
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    expect(store.describeTopic(name)).toMatchObject({ partitions: 2, overrides: { 'retention.ms': '1000' } })
    expect(store.partition(name, 1).highWatermark).toBe(1)
    expect((await readdir(join(dir, '.topics'))).filter(f => f.endsWith('.tmp'))).toEqual([])
  })

  it('refuses topics that collide on . and _', async () => {
    await store.createTopic('a.b', { partitions: 1 })
    await expect(store.createTopic('a_b', { partitions: 1 })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_TOPIC_NAME'))
  })

  it('validates partition counts and configs', async () => {
    await expect(store.createTopic('t', { partitions: 0 })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_PARTITIONS'))
    await expect(store.createTopic('t', { partitions: 1.5 })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_PARTITIONS'))
    await expect(store.createTopic('t', { partitions: 1, configs: { 'no.such.config': '1' } })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_CONFIG'))
    await expect(store.createTopic('t', { partitions: 1, configs: { 'retention.ms': 'soon' } })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_CONFIG'))
    await expect(store.createTopic('t', { partitions: 1, configs: { 'cleanup.policy': 'shred' } })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_CONFIG'))
    await expect(store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '3000000000' } })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_CONFIG'))
    expect(store.hasTopic('t')).toBe(false)
  })

  it('adds partitions (never removes them) and keeps the count across restarts', async () => {
    await store.createTopic('t', { partitions: 2 })
    await expect(store.addPartitions('t', 2)).rejects.toSatisfy(e => isKrestError(e, 'INVALID_PARTITIONS'))
    expect((await store.addPartitions('t', 5)).partitions).toBe(5)
    await store.partition('t', 4).append([{ key: null, value: Buffer.from('p4') }])
    expect(() => store.partition('t', 5)).toThrow(expect.objectContaining({ code: 'PARTITION_NOT_FOUND' }))
    await store.close()
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    expect(store.describeTopic('t').partitions).toBe(5)
    expect(store.partition('t', 4).highWatermark).toBe(1)
  })

  it('alters configs atomically and reports their source', async () => {
    await store.close()
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, defaults: { 'retention.ms': 3_600_000 } })
    await store.createTopic('t', { partitions: 1 })
    await store.alterTopicConfigs('t', { 'cleanup.policy': 'compact,delete', 'max.message.bytes': '2000' })
    let entries = Object.fromEntries(store.topicConfigEntries('t').map(e => [e.name, e]))
    expect(entries['cleanup.policy']).toMatchObject({ value: 'compact,delete', isDefault: false, source: 'DYNAMIC_TOPIC_CONFIG' })
    expect(entries['retention.ms']).toMatchObject({ value: '3600000', isDefault: false, source: 'STATIC_BROKER_CONFIG' })
    expect(entries['segment.bytes']).toMatchObject({ value: '1073741824', isDefault: true, source: 'DEFAULT_CONFIG' })
    await store.alterTopicConfigs('t', {}, ['max.message.bytes'])
    await store.close()
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, defaults: { 'retention.ms': 3_600_000 } })
    entries = Object.fromEntries(store.topicConfigEntries('t').map(e => [e.name, e]))
    expect(entries['cleanup.policy']!.value).toBe('compact,delete')
    expect(entries['max.message.bytes']).toMatchObject({ value: '1048588', isDefault: true })
    const meta = JSON.parse(await readFile(join(dir, '.topics', 't.json'), 'utf8')) as { overrides: Record<string, string> }
    expect(meta.overrides).toEqual({ 'cleanup.policy': 'compact,delete' })
    await expect(store.alterTopicConfigs('t', { 'retention.ms': '-5' })).rejects.toSatisfy(e => isKrestError(e, 'INVALID_CONFIG'))
  })

  it('keeps one cluster id for the life of the data directory', async () => {
    const id = store.clusterId
    await store.close()
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    expect(store.clusterId).toBe(id)
    expect(await readFile(join(dir, 'meta.properties'), 'utf8')).toContain(`cluster.id=${id}`)
  })

  it('finishes a deletion a crash interrupted, and leaves directories it did not create alone', async () => {
    await store.createTopic('gone', { partitions: 2 })
    await store.partition('gone', 0).append([{ key: null, value: Buffer.from('v') }])
    await store.close()
    // The commit point of a deletion: the metadata marked deleting (a crash then stops it).
    const metaPath = join(dir, '.topics', 'gone.json')
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>
    await writeFile(metaPath, JSON.stringify({ ...meta, deleting: true }))
    await mkdir(join(dir, 'photos-2024'))
    await writeFile(join(dir, 'photos-2024', 'beach.jpg'), 'jpeg')
    await mkdir(join(dir, 'backup-1'))
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    expect(store.hasTopic('gone')).toBe(false)
    await expect(stat(join(dir, 'gone-0'))).rejects.toThrow()
    await expect(stat(metaPath)).rejects.toThrow()
    expect(await readFile(join(dir, 'photos-2024', 'beach.jpg'), 'utf8')).toBe('jpeg')
    expect((await stat(join(dir, 'backup-1'))).isDirectory()).toBe(true)
    expect(store.damage).toEqual([])
  })
})

describe('Partitioner', () => {
  it('places keys like the Java client (murmur2) and spreads null keys', () => {
    const p = new Partitioner()
    expect(p.partition('t', Buffer.from('foobar'), 6)).toBe(0)
    expect(p.partition('t', Buffer.from('foobar'), 10)).toBe(6)
    expect(p.partition('t', Buffer.from('abc'), 6)).toBe(3)
    const seen = new Set<number>()
    for (let i = 0; i < 12; i++) seen.add(p.partition('t', null, 4))
    expect([...seen].sort()).toEqual([0, 1, 2, 3])
    expect(p.partition('t', null, 1)).toBe(0)
  })
})
