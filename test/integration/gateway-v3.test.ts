import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'
import { hasTopic, topicConfig } from '../helpers/backend-reads.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

const JSON_CT = { 'content-type': 'application/json' }

async function setup (overrides: Parameters<typeof startHarness>[0] = {}): Promise<{ harness: Harness, cid: string, base: string }> {
  h = await startHarness(overrides)
  const cid = h.gateway.backend.metadata.clusterId
  return { harness: h, cid, base: `/v3/clusters/${cid}` }
}

describe('v3 clusters and brokers', () => {
  it('lists the one cluster with absolute links', async () => {
    const { harness, cid } = await setup()
    const res = await harness.call('GET', '/v3/clusters')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const url = harness.url
    expect(res.body).toEqual({
      kind: 'KafkaClusterList',
      metadata: { self: `${url}/v3/clusters`, next: null },
      data: [{
        kind: 'KafkaCluster',
        metadata: { self: `${url}/v3/clusters/${cid}`, resource_name: `crn:///kafka=${cid}` },
        cluster_id: cid,
        controller: { related: `${url}/v3/clusters/${cid}/brokers/0` },
        acls: { related: `${url}/v3/clusters/${cid}/acls` },
        brokers: { related: `${url}/v3/clusters/${cid}/brokers` },
        broker_configs: { related: `${url}/v3/clusters/${cid}/broker-configs` },
        consumer_groups: { related: `${url}/v3/clusters/${cid}/consumer-groups` },
        topics: { related: `${url}/v3/clusters/${cid}/topics` },
        partition_reassignments: { related: `${url}/v3/clusters/${cid}/topics/-/partitions/-/reassignment` },
      }],
    })
    const one = await harness.call('GET', `/v3/clusters/${cid}`)
    expect(one.status).toBe(200)
    expect((one.body as { cluster_id: string }).cluster_id).toBe(cid)
  })

  it('404 for another cluster id', async () => {
    const { harness } = await setup()
    for (const path of ['/v3/clusters/nope', '/v3/clusters/nope/topics', '/v3/clusters/nope/brokers']) {
      const res = await harness.call('GET', path)
      expect(res.status, path).toBe(404)
      expect(res.body, path).toEqual({ error_code: 404, message: 'Cluster nope cannot be found.' })
    }
  })

  it('keeps the cluster id across restarts', async () => {
    const { harness, cid } = await setup()
    await harness.restart()
    expect(harness.gateway.backend.metadata.clusterId).toBe(cid)
    expect((await harness.call('GET', `/v3/clusters/${cid}`)).status).toBe(200)
  })

  it('lists and gets broker 0, with its host and port', async () => {
    const { harness, cid, base } = await setup()
    const list = await harness.call('GET', `${base}/brokers`)
    expect(list.status).toBe(200)
    const data = (list.body as { kind: string, data: Record<string, unknown>[] })
    expect(data.kind).toBe('KafkaBrokerList')
    expect(data.data).toHaveLength(1)
    const broker = await harness.call('GET', `${base}/brokers/0`)
    expect(broker.body).toMatchObject({
      kind: 'KafkaBroker', cluster_id: cid, broker_id: 0, host: '127.0.0.1', port: harness.gateway.port, rack: null,
      metadata: { self: `${harness.url}${base}/brokers/0`, resource_name: `crn:///kafka=${cid}/broker=0` },
      configs: { related: `${harness.url}${base}/brokers/0/configs` },
      partition_replicas: { related: `${harness.url}${base}/brokers/0/partition-replicas` },
    })
    const missing = await harness.call('GET', `${base}/brokers/3`)
    expect(missing.status).toBe(404)
    expect((missing.body as { error_code: number }).error_code).toBe(404)
  })

  it('uses advertised.listeners for absolute URLs', async () => {
    const { harness, cid } = await setup({ 'advertised.listeners': 'https://krest.example.com:443' })
    const res = await harness.call('GET', `/v3/clusters/${cid}`)
    expect((res.body as { metadata: { self: string } }).metadata.self).toBe(`https://krest.example.com:443/v3/clusters/${cid}`)
  })
})

describe('v3 topics', () => {
  it('creates a topic (201 + Location), gets it, lists it with internal topics flagged', async () => {
    const { harness, cid, base } = await setup()
    const res = await harness.call('POST', `${base}/topics`, {
      body: { topic_name: 'orders', partitions_count: 3, replication_factor: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] },
      headers: JSON_CT,
    })
    expect(res.status).toBe(201)
    const self = `${harness.url}${base}/topics/orders`
    expect(res.headers.location).toBe(self)
    expect(res.body).toEqual({
      kind: 'KafkaTopic',
      metadata: { self, resource_name: `crn:///kafka=${cid}/topic=orders` },
      cluster_id: cid,
      topic_name: 'orders',
      is_internal: false,
      replication_factor: 1,
      partitions_count: 3,
      partitions: { related: `${self}/partitions` },
      configs: { related: `${self}/configs` },
      partition_reassignments: { related: `${self}/partitions/-/reassignment` },
      authorized_operations: [],
    })
    expect((await topicConfig(harness.gateway.backend, 'orders'))['cleanup.policy']).toBe('compact')
    const got = await harness.call('GET', `${base}/topics/orders`)
    expect(got.body).toEqual(res.body)

    await harness.storage.createTopic('krest-internal-test', { partitions: 1, internal: true })
    const list = await harness.call('GET', `${base}/topics`)
    expect(list.status).toBe(200)
    const body = list.body as { kind: string, metadata: { self: string, next: null }, data: { topic_name: string, is_internal: boolean }[] }
    expect(body.kind).toBe('KafkaTopicList')
    expect(body.metadata).toEqual({ self: `${harness.url}${base}/topics`, next: null })
    expect(body.data.find(t => t.topic_name === 'orders')?.is_internal).toBe(false)
    expect(body.data.find(t => t.topic_name === 'krest-internal-test')?.is_internal).toBe(true)
  })

  it('defaults partitions_count to num.partitions; validate_only creates nothing (200)', async () => {
    const { harness, base } = await setup({ 'num.partitions': 4 })
    const dry = await harness.call('POST', `${base}/topics`, { body: { topic_name: 'dry', validate_only: true }, headers: JSON_CT })
    expect(dry.status).toBe(200)
    expect((dry.body as { partitions_count: number }).partitions_count).toBe(4)
    expect((await hasTopic(harness.gateway.backend, 'dry'))).toBe(false)
    const real = await harness.call('POST', `${base}/topics`, { body: { topic_name: 'real' }, headers: JSON_CT })
    expect(real.status).toBe(201)
    expect((real.body as { partitions_count: number }).partitions_count).toBe(4)
  })

  it('rejects bad creates with Confluent codes', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'exists' }, headers: JSON_CT })
    const cases: [unknown, number, number][] = [
      [{ topic_name: 'exists' }, 400, 40002],
      [{ topic_name: 'rf', replication_factor: 3 }, 400, 40002],
      [{ topic_name: 'zero', partitions_count: 0 }, 400, 40002],
      [{ topic_name: 'bad name!' }, 422, 42206],
      [{ topic_name: 'cfg', configs: [{ name: 'no.such.config', value: '1' }] }, 400, 40002],
      [{ topic_name: 'cfgval', configs: [{ name: 'retention.ms', value: 'soon' }] }, 400, 40002],
      [{}, 422, 42206],
      [{ topic_name: 'x', unknown_field: 1 }, 400, 400],
      [{ topic_name: 'ra1', replicas_assignments: { 0: [1] } }, 400, 40002],
      [{ topic_name: 'ra2', replicas_assignments: { 0: [0, 0] } }, 400, 40002],
    ]
    for (const [body, status, code] of cases) {
      const res = await harness.call('POST', `${base}/topics`, { body, headers: JSON_CT })
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect((res.body as { error_code: number }).error_code, JSON.stringify(body)).toBe(code)
    }
    const empty = await harness.call('POST', `${base}/topics`, { raw: '', headers: JSON_CT })
    expect(empty.status).toBe(422)
    expect((empty.body as { error_code: number }).error_code).toBe(42206)
    const malformed = await harness.call('POST', `${base}/topics`, { raw: '{"topic_name":', headers: JSON_CT })
    expect(malformed.status).toBe(400)
    const wrongType = await harness.call('POST', `${base}/topics`, { raw: 'topic_name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(wrongType.status).toBe(415)
    const assigned = await harness.call('POST', `${base}/topics`, { body: { topic_name: 'ra', replicas_assignments: { 0: [0], 1: [0] } }, headers: JSON_CT })
    expect(assigned.status).toBe(201)
    expect((assigned.body as { partitions_count: number }).partitions_count).toBe(2)
    for (const name of ['rf', 'zero', 'cfg', 'cfgval', 'x', 'ra1', 'ra2']) expect((await hasTopic(harness.gateway.backend, name)), name).toBe(false)
  })

  it('increases partitions with PATCH; a decrease or same count is 400/40002', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'grow', partitions_count: 2 }, headers: JSON_CT })
    const up = await harness.call('PATCH', `${base}/topics/grow`, { body: { partitions_count: 5 }, headers: JSON_CT })
    expect(up.status).toBe(200)
    expect((up.body as { partitions_count: number }).partitions_count).toBe(5)
    const same = await harness.call('PATCH', `${base}/topics/grow`, { body: { partitions_count: 5 }, headers: JSON_CT })
    expect(same.status).toBe(400)
    expect(same.body).toEqual({ error_code: 40002, message: 'Topic already has 5 partitions.' })
    const down = await harness.call('PATCH', `${base}/topics/grow`, { body: { partitions_count: 1 }, headers: JSON_CT })
    expect(down.status).toBe(400)
    const missing = await harness.call('PATCH', `${base}/topics/none`, { body: { partitions_count: 3 }, headers: JSON_CT })
    expect(missing.status).toBe(404)
    // Confluent: Kafka's UnknownTopicOrPartitionException → 404/40403
    expect(missing.body).toEqual({ error_code: 40403, message: 'This server does not host this topic-partition.' })
  })

  it('deletes a topic (204), then it is gone (404/40403, as Confluent)', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'gone' }, headers: JSON_CT })
    const del = await harness.call('DELETE', `${base}/topics/gone`)
    expect(del.status).toBe(204)
    expect(del.text).toBe('')
    const get = await harness.call('GET', `${base}/topics/gone`)
    expect(get.status).toBe(404)
    expect(get.body).toEqual({ error_code: 40403, message: 'This server does not host this topic-partition.' })
    const again = await harness.call('DELETE', `${base}/topics/gone`)
    expect(again.status).toBe(404)
    expect((again.body as { error_code: number }).error_code).toBe(40403)
    await harness.storage.createTopic('krest-internal-test', { partitions: 1, internal: true })
    const internal = await harness.call('DELETE', `${base}/topics/krest-internal-test`)
    expect(internal.status).toBe(400)
    expect((await hasTopic(harness.gateway.backend, 'krest-internal-test'))).toBe(true)
  })

  it('406 for an Accept other than JSON', async () => {
    const { harness, base } = await setup()
    const res = await harness.call('GET', `${base}/topics`, { headers: { accept: 'application/xml' } })
    expect(res.status).toBe(406)
    expect(res.text).toBe('')
  })
})

describe('v3 topic configs', () => {
  it('lists, gets, sets, resets and batch-alters topic configs', async () => {
    const { harness, cid, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'cfg' }, headers: JSON_CT })
    const list = await harness.call('GET', `${base}/topics/cfg/configs`)
    expect(list.status).toBe(200)
    const entries = (list.body as { kind: string, data: { name: string, is_default: boolean, source: string }[] })
    expect(entries.kind).toBe('KafkaTopicConfigList')
    expect(entries.data.map(e => e.name)).toContain('retention.ms')
    expect(entries.data.find(e => e.name === 'retention.ms')?.is_default).toBe(true)

    const put = await harness.call('PUT', `${base}/topics/cfg/configs/retention.ms`, { body: { value: '12345' }, headers: JSON_CT })
    expect(put.status).toBe(204)
    const one = await harness.call('GET', `${base}/topics/cfg/configs/retention.ms`)
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({
      kind: 'KafkaTopicConfig',
      metadata: { self: `${harness.url}${base}/topics/cfg/configs/retention.ms`, resource_name: `crn:///kafka=${cid}/topic=cfg/config=retention.ms` },
      cluster_id: cid, topic_name: 'cfg', name: 'retention.ms', value: '12345', is_default: false, is_read_only: false, is_sensitive: false,
      source: 'DYNAMIC_TOPIC_CONFIG',
    })
    expect((one.body as { synonyms: { name: string }[] }).synonyms.length).toBeGreaterThan(0)

    const del = await harness.call('DELETE', `${base}/topics/cfg/configs/retention.ms`)
    expect(del.status).toBe(204)
    const after = await harness.call('GET', `${base}/topics/cfg/configs/retention.ms`)
    expect(after.body).toMatchObject({ value: '604800000', is_default: true })

    const batch = await harness.call('POST', `${base}/topics/cfg/configs:alter`, {
      body: { data: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.bytes', value: '1000000', operation: 'SET' }] },
      headers: JSON_CT,
    })
    expect(batch.status).toBe(204)
    const cfg = (await topicConfig(harness.gateway.backend, 'cfg'))
    expect(cfg['cleanup.policy']).toBe('compact')
    expect(cfg['retention.bytes']).toBe('1000000')
    const dry = await harness.call('POST', `${base}/topics/cfg/configs:alter`, { body: { data: [{ name: 'cleanup.policy', operation: 'DELETE' }], validate_only: true }, headers: JSON_CT })
    expect(dry.status).toBe(204)
    expect((await topicConfig(harness.gateway.backend, 'cfg'))['cleanup.policy']).toBe('compact')
    const reset = await harness.call('POST', `${base}/topics/cfg/configs:alter`, { body: { data: [{ name: 'cleanup.policy', operation: 'DELETE' }] }, headers: JSON_CT })
    expect(reset.status).toBe(204)
    expect((await topicConfig(harness.gateway.backend, 'cfg'))['cleanup.policy']).toBe('delete')
  })

  it('rejects unknown configs and bad values; 404 for unknown config names and topics', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'cfg' }, headers: JSON_CT })
    const unknown = await harness.call('PUT', `${base}/topics/cfg/configs/no.such`, { body: { value: '1' }, headers: JSON_CT })
    expect(unknown.status).toBe(400)
    expect((unknown.body as { error_code: number }).error_code).toBe(40002)
    const bad = await harness.call('PUT', `${base}/topics/cfg/configs/retention.ms`, { body: { value: 'forever' }, headers: JSON_CT })
    expect(bad.status).toBe(400)
    const badBatch = await harness.call('POST', `${base}/topics/cfg/configs:alter`, { body: { data: [{ name: 'retention.ms', value: '5' }, { name: 'segment.bytes', value: 'big' }] }, headers: JSON_CT })
    expect(badBatch.status).toBe(400)
    expect((await topicConfig(harness.gateway.backend, 'cfg'))['retention.ms']).toBe('604800000')
    const getUnknown = await harness.call('GET', `${base}/topics/cfg/configs/no.such`)
    expect(getUnknown.status).toBe(404)
    expect((getUnknown.body as { error_code: number }).error_code).toBe(404)
    const noTopic = await harness.call('GET', `${base}/topics/none/configs`)
    expect(noTopic.status).toBe(404)
    expect((noTopic.body as { error_code: number }).error_code).toBe(40403)
  })
})

describe('v3 partitions', () => {
  it('lists and gets partitions, replicas and offsets', async () => {
    const { harness, cid, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'parts', partitions_count: 2 }, headers: JSON_CT })
    const list = await harness.call('GET', `${base}/topics/parts/partitions`)
    expect(list.status).toBe(200)
    const self0 = `${harness.url}${base}/topics/parts/partitions/0`
    expect(list.body).toMatchObject({
      kind: 'KafkaPartitionList',
      data: [
        { kind: 'KafkaPartition', metadata: { self: self0, resource_name: `crn:///kafka=${cid}/topic=parts/partition=0` }, cluster_id: cid, topic_name: 'parts', partition_id: 0, leader: { related: `${self0}/replicas/0` }, replicas: { related: `${self0}/replicas` }, reassignment: { related: `${self0}/reassignment` } },
        { partition_id: 1 },
      ],
    })
    const one = await harness.call('GET', `${base}/topics/parts/partitions/1`)
    expect((one.body as { partition_id: number }).partition_id).toBe(1)
    const missing = await harness.call('GET', `${base}/topics/parts/partitions/2`)
    expect(missing.status).toBe(404)
    // Confluent's v3 resources: an empty Optional → JAX-RS NotFoundException → 404/404
    expect(missing.body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' })
    for (const path of ['/partitions/2/replicas', '/partitions/2/replicas/0', '/partitions/2/offset']) {
      const res = await harness.call('GET', `${base}/topics/parts${path}`)
      expect(res.status, path).toBe(404)
      expect(res.body, path).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' })
    }
    for (const path of ['', '/partitions', '/partitions/0', '/partitions/0/replicas', '/configs']) {
      const res = await harness.call('GET', `${base}/topics/nope${path}`)
      expect(res.status, path).toBe(404)
      expect(res.body, path).toEqual({ error_code: 40403, message: 'This server does not host this topic-partition.' })
    }
    const replicas = await harness.call('GET', `${base}/topics/parts/partitions/0/replicas`)
    expect(replicas.body).toMatchObject({ kind: 'KafkaReplicaList', data: [{ kind: 'KafkaReplica', broker_id: 0, is_leader: true, is_in_sync: true }] })
    const replica = await harness.call('GET', `${base}/topics/parts/partitions/0/replicas/0`)
    expect(replica.status).toBe(200)
    await harness.call('POST', '/topics/parts/partitions/0', { body: { records: [{ value: 'eA==' }] }, headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' } })
    const offsets = await harness.call('GET', `${base}/topics/parts/partitions/0/offset`)
    expect(offsets.body).toMatchObject({ kind: 'KafkaPartitionWithOffsets', earliest_offset: 0, latest_offset: 1 })
    const badType = await harness.call('GET', `${base}/topics/parts/partitions/0/offset?offset_type=latest`)
    expect(badType.status).toBe(400)
  })
})
