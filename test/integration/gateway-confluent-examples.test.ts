/**
 * The Confluent REST Proxy docs' own examples (quick start and API reference), run with the real curl against a
 * real krest, with Confluent's documented responses.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'
import { readPartition, endOffset, hasTopic } from '../helpers/backend-reads.js'

const run = promisify(execFile)
let h: Harness

beforeAll(async () => { h = await startHarness() })
afterAll(async () => { await h.close() })

/** Runs curl with the docs' arguments (the URL's host swapped for the test server); returns status and JSON body. */
async function curl (...args: string[]): Promise<{ status: number, body: unknown }> {
  const fixed = args.map(a => a.replace('http://localhost:8082', h.url))
  const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', ...fixed])
  const nl = stdout.lastIndexOf('\n')
  const text = stdout.slice(0, nl)
  return { status: Number(stdout.slice(nl + 1)), body: text === '' ? undefined : JSON.parse(text) as unknown }
}

describe('Confluent quick start (v2)', () => {
  it('produces JSON to jsontest', async () => {
    const res = await curl('-X', 'POST', '-H', 'Content-Type: application/vnd.kafka.json.v2+json', '-H', 'Accept: application/vnd.kafka.v2+json',
      '--data', '{"records":[{"value":{"foo":"bar"}}]}', 'http://localhost:8082/topics/jsontest')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: null, value_schema_id: null })
  })

  it('produces binary to binarytest', async () => {
    const res = await curl('-X', 'POST', '-H', 'Content-Type: application/vnd.kafka.binary.v2+json', '-H', 'Accept: application/vnd.kafka.v2+json',
      '--data', '{"records":[{"value":"S2Fma2E="}]}', 'http://localhost:8082/topics/binarytest')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ offsets: [{ partition: 0, offset: 0, error_code: null, error: null }], key_schema_id: null, value_schema_id: null })
    const stored = { records: await readPartition(h.gateway.backend, 'binarytest', 0) }
    expect(stored.records[0]?.value?.toString()).toBe('Kafka')
  })

  it('lists topics and gets topic metadata', async () => {
    const topics = await curl('http://localhost:8082/topics')
    expect(topics.status).toBe(200)
    expect(topics.body).toEqual(expect.arrayContaining(['binarytest', 'jsontest']))
    const meta = await curl('http://localhost:8082/topics/jsontest')
    expect(meta.body).toMatchObject({ name: 'jsontest', partitions: [{ partition: 0, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] }] })
  })
})

describe('Confluent API reference (v2)', () => {
  it('POST /topics/test with binary records, one naming partition 1', async () => {
    await h.gateway.backend.admin.createTopic('test', { partitions: 2 })
    const res = await curl('-X', 'POST', '-H', 'Content-Type: application/vnd.kafka.binary.v2+json',
      '-H', 'Accept: application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json',
      '--data', JSON.stringify({ records: [{ key: 'a2V5', value: 'Y29uZmx1ZW50' }, { value: 'a2Fma2E=', partition: 1 }, { value: 'bG9ncw==' }] }),
      'http://localhost:8082/topics/test')
    expect(res.status).toBe(200)
    const body = res.body as { offsets: { partition: number, offset: number, error_code: null, error: null }[], key_schema_id: null, value_schema_id: null }
    expect(body.offsets).toHaveLength(3)
    expect(body.offsets[1]).toMatchObject({ partition: 1, error_code: null, error: null })
    expect(body.offsets.every(o => o.error_code === null && Number.isInteger(o.offset))).toBe(true)
    expect(body.key_schema_id).toBeNull()
  })

  it('POST /topics/test with json records', async () => {
    const res = await curl('-X', 'POST', '-H', 'Content-Type: application/vnd.kafka.json.v2+json', '-H', 'Accept: application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json',
      '--data', JSON.stringify({ records: [{ key: 'somekey', value: { foo: 'bar' } }, { value: ['foo', 'bar'], partition: 1 }, { value: 53.5 }] }),
      'http://localhost:8082/topics/test')
    expect(res.status).toBe(200)
    expect((res.body as { offsets: unknown[] }).offsets).toHaveLength(3)
  })

  it('POST /topics/test/partitions/1 with binary records', async () => {
    const res = await curl('-X', 'POST', '-H', 'Content-Type: application/vnd.kafka.binary.v2+json', '-H', 'Accept: application/vnd.kafka.v2+json',
      '--data', JSON.stringify({ records: [{ key: 'a2V5', value: 'Y29uZmx1ZW50' }, { value: 'a2Fma2E=' }] }),
      'http://localhost:8082/topics/test/partitions/1')
    expect(res.status).toBe(200)
    expect((res.body as { offsets: { partition: number }[] }).offsets.map(o => o.partition)).toEqual([1, 1])
  })

  it('GET /topics/test/partitions, /partitions/1, /partitions/1/offsets and /brokers', async () => {
    const parts = await curl('-H', 'Accept: application/vnd.kafka.v2+json', 'http://localhost:8082/topics/test/partitions')
    expect(parts.body).toEqual([
      { partition: 0, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] },
      { partition: 1, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] },
    ])
    const one = await curl('-H', 'Accept: application/vnd.kafka.v2+json', 'http://localhost:8082/topics/test/partitions/1')
    expect(one.body).toEqual({ partition: 1, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] })
    const offsets = await curl('-H', 'Accept: application/vnd.kafka.v2+json', 'http://localhost:8082/topics/test/partitions/1/offsets')
    const o = offsets.body as { beginning_offset: number, end_offset: number }
    expect(o.beginning_offset).toBe(0)
    expect(o.end_offset).toBe((await endOffset(h.gateway.backend, 'test', 1)))
    const brokers = await curl('-H', 'Accept: application/vnd.kafka.v2+json', 'http://localhost:8082/brokers')
    expect(brokers.body).toEqual({ brokers: [0] })
  })

  it('curl --data without a Content-Type (form-urlencoded) gets 415, as on Confluent', async () => {
    const res = await curl('-X', 'POST', '--data', '{"records":[{"value":"S2Fma2E="}]}', 'http://localhost:8082/topics/test')
    expect(res.status).toBe(415)
    expect(res.body).toEqual({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
  })
})

describe('Confluent API reference (v3 topics)', () => {
  it('gets clusters, creates, alters, patches and deletes a topic', async () => {
    const clusters = await curl('-X', 'GET', '-H', 'Content-Type: application/json', 'http://localhost:8082/v3/clusters')
    const cid = (clusters.body as { data: { cluster_id: string }[] }).data[0]?.cluster_id ?? ''
    expect(cid).toBe(h.gateway.backend.metadata.clusterId)
    const base = `http://localhost:8082/v3/clusters/${cid}`
    const created = await curl('-X', 'POST', '-H', 'Content-Type: application/json',
      '--data', '{"topic_name": "topic-1", "partitions_count": 6, "replication_factor": 1, "configs": [{"name": "cleanup.policy", "value": "compact"}]}',
      `${base}/topics`)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ kind: 'KafkaTopic', topic_name: 'topic-1', partitions_count: 6, replication_factor: 1, is_internal: false })
    const policy = await curl(`${base}/topics/topic-1/configs/cleanup.policy`)
    expect(policy.body).toMatchObject({ kind: 'KafkaTopicConfig', name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' })
    const alter = await curl('-X', 'POST', '-H', 'Content-Type: application/json',
      '--data', '{"data":[{"name": "cleanup.policy", "operation": "DELETE"}, {"name": "retention.ms", "value": "86400000"}]}',
      `${base}/topics/topic-1/configs:alter`)
    expect(alter.status).toBe(204)
    const put = await curl('-X', 'PUT', '-H', 'Content-Type: application/json', '--data', '{"value": "delete"}', `${base}/topics/topic-1/configs/cleanup.policy`)
    expect(put.status).toBe(204)
    const patch = await curl('-X', 'PATCH', '-H', 'Content-Type: application/json', '--data', '{"partitions_count": 10}', `${base}/topics/topic-1`)
    expect(patch.status).toBe(200)
    expect((patch.body as { partitions_count: number }).partitions_count).toBe(10)
    const del = await curl('-X', 'DELETE', `${base}/topics/topic-1`)
    expect(del.status).toBe(204)
    expect((await hasTopic(h.gateway.backend, 'topic-1'))).toBe(false)
  })
})
