/**
 * v2 consumer instances and consumer groups over real HTTP (undici against a gateway on 127.0.0.1:0).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { BINARY, JSON_V2, V2, b64, startHarness, type Harness } from './gateway-harness.js'

const harnesses: Harness[] = []
afterEach(async () => { for (const h of harnesses.splice(0)) await h.close() })

async function start (overrides: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startHarness({ 'offsets.topic.num.partitions': 3, ...overrides })
  harnesses.push(h)
  return h
}

interface ConsumedJson { topic: string, key: unknown, value: unknown, partition: number, offset: number, timestamp: number, headers: unknown[] }

async function createTopic (h: Harness, name: string, partitions: number): Promise<void> {
  const cid = h.gateway.backend.metadata.clusterId
  const r = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: name, partitions_count: partitions }, headers: { 'content-type': 'application/json' } })
  expect(r.status).toBe(201)
}

async function produce (h: Harness, topic: string, records: unknown[], partition?: number): Promise<void> {
  const path = partition === undefined ? `/topics/${topic}` : `/topics/${topic}/partitions/${partition}`
  const r = await h.call('POST', path, { body: { records }, headers: { 'content-type': JSON_V2 } })
  expect(r.status).toBe(200)
}

async function createInstance (h: Harness, group: string, body: Record<string, unknown>): Promise<string> {
  const r = await h.call('POST', `/consumers/${group}`, { body })
  expect(r.status, r.text).toBe(200)
  const { instance_id: id, base_uri: base } = r.body as { instance_id: string, base_uri: string }
  expect(base).toBe(`${h.url}/consumers/${group}/instances/${id}`)
  return `/consumers/${group}/instances/${id}`
}

async function records (h: Harness, path: string, accept = JSON_V2, query = 'timeout=200'): Promise<ConsumedJson[]> {
  const r = await h.call('GET', `${path}/records?${query}`, { headers: { accept } })
  expect(r.status, r.text).toBe(200)
  return r.body as ConsumedJson[]
}

/** Fetches until `want` records arrived (or a deadline), as a client would. */
async function drain (h: Harness, path: string, want: number, accept = JSON_V2): Promise<ConsumedJson[]> {
  const out: ConsumedJson[] = []
  const deadline = Date.now() + 10_000
  while (out.length < want && Date.now() < deadline) out.push(...await records(h, path, accept))
  return out
}

describe('v2 consumer instances', () => {
  it('Confluent quickstart: create, subscribe, consume, commit, delete', async () => {
    const h = await start()
    await produce(h, 'jsontest', [{ value: { foo: 'bar' } }, { key: 'k', value: [1, 2] }])
    const path = await createInstance(h, 'my_json_consumer', { name: 'my_consumer_instance', format: 'json', 'auto.offset.reset': 'earliest' })
    const sub = await h.call('POST', `${path}/subscription`, { body: { topics: ['jsontest'] } })
    expect(sub.status).toBe(204)
    expect((await h.call('GET', `${path}/subscription`, { headers: { accept: V2 } })).body).toEqual({ topics: ['jsontest'] })
    const got = await drain(h, path, 2)
    expect(got.map(r => [r.key, r.value, r.offset])).toEqual([[null, { foo: 'bar' }, 0], ['k', [1, 2], 1]])
    expect(got[0]).toMatchObject({ topic: 'jsontest', partition: 0, headers: [] })
    expect(typeof got[0]!.timestamp).toBe('number')
    const commit = await h.call('POST', `${path}/offsets`, { headers: { 'content-type': V2 } })
    expect(commit.status).toBe(200)
    expect(commit.body).toEqual([])
    const committed = await h.call('GET', `${path}/offsets`, { body: { partitions: [{ topic: 'jsontest', partition: 0 }] } })
    expect(committed.body).toEqual({ offsets: [{ topic: 'jsontest', partition: 0, offset: 2, metadata: '' }] })
    const byQuery = await h.call('GET', `${path}/offsets?topic=jsontest&partition=0`)
    expect(byQuery.body).toEqual(committed.body)
    expect((await h.call('DELETE', path, { headers: { 'content-type': V2 } })).status).toBe(204)
    const gone = await h.call('GET', `${path}/records`, { headers: { accept: JSON_V2 } })
    expect(gone.status).toBe(404)
    expect(gone.body).toEqual({ error_code: 40403, message: 'Consumer instance not found.' })
  })
})
