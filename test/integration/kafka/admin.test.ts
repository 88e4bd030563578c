/** Admin APIs over the Kafka protocol: kafkajs admin (create/delete topics, partitions, configs, cluster) and raw frames. */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs'
import type { Admin } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'

let h: Harness
let port: number
let admin: Admin

beforeAll(async () => {
  h = await startHarness({ 'num.partitions': 2 })
  port = h.gateway.kafkaPort as number
  admin = new Kafka({ clientId: 'krest-admin-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  await admin.connect()
})

afterAll(async () => {
  await admin.disconnect()
  await h.close()
})

describe('kafkajs admin', () => {
  it('creates topics (with configs and broker defaults), visible over REST; refuses duplicates and replication > 1', async () => {
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }, { topic: 'adm-b' }] })).toBe(true)
    const rest = await h.call('GET', '/topics/adm-a')
    expect(rest.status).toBe(200)
    expect((rest.body as { partitions: unknown[], configs: Record<string, string> }).partitions).toHaveLength(3)
    expect((rest.body as { configs: Record<string, string> }).configs['retention.ms']).toBe('60000')
    const meta = await admin.fetchTopicMetadata({ topics: ['adm-b'] })
    expect(meta.topics[0]!.partitions).toHaveLength(2) // num.partitions
    await expect(admin.createTopics({ topics: [{ topic: 'adm-a' }] })).resolves.toBe(false) // kafkajs: false when it already exists
    const creationError = async (topic: string, replicationFactor?: number): Promise<unknown> =>
      await admin.createTopics({ topics: [{ topic, ...(replicationFactor === undefined ? {} : { replicationFactor }) }] }).then(() => undefined, (err: { errors?: Array<{ type: string }> }) => err.errors?.map(e => e.type))
    expect(await creationError('adm-c', 3)).toEqual(['INVALID_REPLICATION_FACTOR'])
    expect(await creationError('bad name!')).toEqual(['INVALID_TOPIC_EXCEPTION'])
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['adm-a', 'adm-b']))
  })

  it('describes topic configs with sources, and the broker settings', async () => {
    await admin.createTopics({ topics: [{ topic: 'adm-cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] })
    const described = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'adm-cfg' }] })
    const entries = described.resources[0]!.configEntries
    expect(entries.find(e => e.configName === 'cleanup.policy')).toMatchObject({ configValue: 'compact', isDefault: false, configSource: 1 })
    expect(entries.find(e => e.configName === 'segment.bytes')).toMatchObject({ configValue: String(1024 * 1024 * 1024), isDefault: true })
    const broker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }] })
    expect(broker.resources[0]!.configEntries.find(e => e.configName === 'num.partitions')).toMatchObject({ configValue: '2', readOnly: true })
    const missing = admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'adm-none' }] })
    await expect(missing).rejects.toThrow(/does not host this topic-partition|unknown topic/i)
  })

  it('alters topic configs (legacy AlterConfigs replaces the overrides)', async () => {
    await admin.createTopics({ topics: [{ topic: 'adm-alter', configEntries: [{ name: 'retention.ms', value: '1000' }] }] })
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'adm-alter', configEntries: [{ name: 'segment.ms', value: '5000' }] }] })
    const configs = (await h.call('GET', '/topics/adm-alter')).body as { configs: Record<string, string> }
    expect(configs.configs['segment.ms']).toBe('5000')
    expect(configs.configs['retention.ms']).toBe(String(7 * 24 * 3600 * 1000)) // back to the default
    await expect(admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'adm-alter', configEntries: [{ name: 'segment.ms', value: 'soon' }] }] })).rejects.toThrow()
  })

  it('adds partitions and deletes topics', async () => {
    await admin.createTopics({ topics: [{ topic: 'adm-grow', numPartitions: 1 }, { topic: 'adm-del' }] })
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm-grow', count: 4 }] })
    expect((await admin.fetchTopicMetadata({ topics: ['adm-grow'] })).topics[0]!.partitions).toHaveLength(4)
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'adm-grow', count: 2 }] })).rejects.toThrow()
    await admin.deleteTopics({ topics: ['adm-del'] })
    expect((await h.call('GET', '/topics/adm-del')).status).toBe(404)
    await expect(admin.deleteTopics({ topics: ['adm-del'] })).rejects.toThrow()
  })

  it('describes the cluster', async () => {
    const cluster = await admin.describeCluster()
    expect(cluster).toEqual({ brokers: [{ nodeId: 0, host: '127.0.0.1', port }], controller: 0, clusterId: h.gateway.backend.metadata.clusterId })
  })
})

describe('admin APIs at the protocol level', () => {
  it('IncrementalAlterConfigs sets, deletes and appends; broker settings cannot be altered', async () => {
    await admin.createTopics({ topics: [{ topic: 'adm-inc' }] })
    const c = await KafkaWireClient.connect(port)
    try {
      const res = await c.request(44, 1, { resources: [{ resourceType: 2, resourceName: 'adm-inc', configs: [{ name: 'retention.ms', configOperation: 0, value: '12345' }, { name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }], validateOnly: false })
      expect(res.responses).toEqual([{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'adm-inc' }])
      let configs = ((await h.call('GET', '/topics/adm-inc')).body as { configs: Record<string, string> }).configs
      expect([configs['retention.ms'], configs['cleanup.policy']]).toEqual(['12345', 'compact,delete'])
      await c.request(44, 0, { resources: [{ resourceType: 2, resourceName: 'adm-inc', configs: [{ name: 'retention.ms', configOperation: 1, value: null }] }], validateOnly: false })
      configs = ((await h.call('GET', '/topics/adm-inc')).body as { configs: Record<string, string> }).configs
      expect(configs['retention.ms']).toBe(String(7 * 24 * 3600 * 1000))
      const broker = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '0', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] }], validateOnly: false })
      expect(broker.responses[0].errorCode).toBe(42)
    } finally {
      c.close()
    }
  })

  it('CreateTopics v7 (flexible) returns topic ids and configs; OffsetForLeaderEpoch answers the one epoch', async () => {
    const c = await KafkaWireClient.connect(port)
    try {
      const res = await c.request(19, 7, { topics: [{ name: 'adm-v7', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false })
      const t = res.topics[0]
      expect(t).toMatchObject({ name: 'adm-v7', errorCode: 0, numPartitions: 2, replicationFactor: 1 })
      expect(t.topicId).not.toBe('00000000-0000-0000-0000-000000000000')
      expect(t.configs.find((x: { name: string }) => x.name === 'cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5 })
      const epochs = await c.request(23, 4, { replicaId: -1, topics: [{ topic: 'adm-v7', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }, { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] })
      expect(epochs.topics[0].partitions).toEqual([
        { errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 0 },
        { errorCode: 3, partition: 9, leaderEpoch: -1, endOffset: -1 },
      ])
    } finally {
      c.close()
    }
  })
})
