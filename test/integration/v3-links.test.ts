/**
 * Every link krest's v3 resources emit resolves (issue 16.2): a crawl of a populated server follows each `self`,
 * `related` and non-null `next` from /v3/clusters and finds none that answers 404 (or 5xx). Also the resources
 * those links name: broker configs, cluster-wide broker configs, replicas per broker, reassignments, all topics'
 * configs and ACLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JSON_V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

let h: Harness
let base: string
const JSON_CT = { 'content-type': 'application/json' }
beforeAll(async () => {
  h = await startHarness({ 'offsets.topic.num.partitions': 2 })
  base = `/v3/clusters/${h.gateway.backend.metadata.clusterId}`
  expect((await h.call('POST', `${base}/topics`, { body: { topic_name: 'crawl.orders', partitions_count: 3, configs: [{ name: 'retention.ms', value: '60000' }] }, headers: JSON_CT })).status).toBe(201)
  expect((await h.call('POST', '/topics/crawl-events', { body: { records: [{ value: b64('a') }, { value: b64('b') }] }, headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' } })).status).toBe(200)
  // an active consumer group with a member, an assignment and committed offsets
  const created = await h.call('POST', '/consumers/crawlers', { body: { format: 'binary', 'auto.offset.reset': 'earliest' } })
  const path = `/consumers/crawlers/instances/${(created.body as { instance_id: string }).instance_id}`
  expect((await h.call('POST', `${path}/subscription`, { body: { topics: ['crawl-events'] } })).status).toBe(204)
  for (let i = 0; i < 20; i++) {
    const r = await h.call('GET', `${path}/records?timeout=300`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
    if ((r.body as unknown[]).length > 0) break
  }
  expect((await h.call('POST', `${path}/offsets`, { headers: { 'content-type': JSON_V2 } })).status).toBe(200)
})
afterAll(async () => { await h.close() })

function links (value: unknown, out: string[]): void {
  if (Array.isArray(value)) { for (const v of value) links(v, out); return }
  if (value === null || typeof value !== 'object') return
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'self' || k === 'related' || k === 'next') && typeof v === 'string') out.push(v)
    else links(v, out)
  }
}

describe('v3 links', () => {
  it('a crawl from /v3/clusters finds no link that 404s', async () => {
    const seen = new Set<string>()
    const queue = [`${h.url}/v3/clusters`]
    const dead: string[] = []
    while (queue.length > 0 && seen.size < 2000) {
      const url = queue.shift() as string
      if (seen.has(url)) continue
      seen.add(url)
      expect(url.startsWith(h.url), url).toBe(true)
      const res = await h.call('GET', url.slice(h.url.length))
      if (res.status === 404 || res.status >= 500) { dead.push(`${res.status} ${url} ${res.text}`); continue }
      expect(res.status, url).toBe(200)
      const found: string[] = []
      links(res.body, found)
      for (const l of found) if (!seen.has(l)) queue.push(l)
    }
    expect(dead).toEqual([])
    const paths = [...seen].map(u => u.slice(h.url.length + base.length))
    // the crawl reached the resources this issue is about
    for (const p of ['/acls', '/broker-configs', '/brokers/0/configs', '/brokers/0/partition-replicas', '/topics/-/partitions/-/reassignment', '/topics/crawl.orders/partitions/-/reassignment', '/topics/crawl.orders/partitions/2/reassignment', '/consumer-groups/crawlers']) {
      expect(paths, p).toContain(p)
    }
    expect(seen.size).toBeGreaterThan(40)
  })

  it('serves broker configs read-only, replicas per broker, empty reassignments and ACLs, and all topics\' configs', async () => {
    const configs = await h.call('GET', `${base}/brokers/0/configs`)
    expect(configs.body).toMatchObject({ kind: 'KafkaBrokerConfigList', data: expect.arrayContaining([expect.objectContaining({ kind: 'KafkaBrokerConfig', name: 'log.retention.ms', value: '604800000', is_read_only: true })]) })
    expect((await h.call('GET', `${base}/brokers/0/configs/num.partitions`)).body).toMatchObject({ name: 'num.partitions', broker_id: 0 })
    expect((await h.call('GET', `${base}/brokers/0/configs/no.such`)).status).toBe(404)
    expect((await h.call('GET', `${base}/brokers/7/configs`)).status).toBe(404)
    const put = await h.call('PUT', `${base}/brokers/0/configs/log.retention.ms`, { body: { value: '1' }, headers: JSON_CT })
    expect(put.status).toBe(400)
    expect((put.body as { error_code: number }).error_code).toBe(40002)
    expect((await h.call('GET', `${base}/broker-configs`)).body).toMatchObject({ kind: 'KafkaClusterConfigList', data: [] })
    const replicas = await h.call('GET', `${base}/brokers/0/partition-replicas`)
    const data = (replicas.body as { data: Array<{ topic_name: string, partition_id: number, broker_id: number }> }).data
    expect(data.filter(r => r.topic_name === 'crawl.orders').map(r => r.partition_id)).toEqual([0, 1, 2])
    expect(data.every(r => r.broker_id === 0)).toBe(true)
    expect((await h.call('GET', `${base}/topics/-/partitions/-/reassignment`)).body).toMatchObject({ kind: 'KafkaReassignmentList', data: [] })
    expect((await h.call('GET', `${base}/topics/nope/partitions/-/reassignment`)).status).toBe(404)
    expect((await h.call('GET', `${base}/topics/crawl.orders/partitions/9/reassignment`)).status).toBe(404)
    expect((await h.call('GET', `${base}/acls`)).body).toMatchObject({ kind: 'KafkaAclDataList', data: [] })
    const all = await h.call('GET', `${base}/topics/-/configs`)
    const entries = (all.body as { data: Array<{ topic_name: string, name: string, value: string }> }).data
    expect(entries.find(e => e.topic_name === 'crawl.orders' && e.name === 'retention.ms')?.value).toBe('60000')
    expect(new Set(entries.map(e => e.topic_name))).toContain('crawl-events')
  })
})
