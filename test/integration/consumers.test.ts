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

function partitionsOf (body: unknown): string[] {
  return (body as { partitions: { topic: string, partition: number }[] }).partitions.map(p => `${p.topic}-${p.partition}`).sort()
}

describe('consumer groups over HTTP', () => {
  it('3 instances on 6 partitions get 2 each, disjoint; after one leaves the other two get 3 each', async () => {
    const h = await start()
    await createTopic(h, 'six', 6)
    const paths: string[] = []
    for (let i = 0; i < 3; i++) {
      const p = await createInstance(h, 'g3', { name: `c${i}` })
      expect((await h.call('POST', `${p}/subscription`, { body: { topics: ['six'] } })).status).toBe(204)
      paths.push(p)
    }
    const owned = await Promise.all(paths.map(async p => partitionsOf((await h.call('GET', `${p}/assignments`)).body)))
    expect(owned.map(o => o.length)).toEqual([2, 2, 2])
    expect(new Set(owned.flat()).size).toBe(6)
    expect((await h.call('DELETE', paths[1]!)).status).toBe(204)
    const after = await Promise.all([paths[0]!, paths[2]!].map(async p => partitionsOf((await h.call('GET', `${p}/assignments`)).body)))
    expect(after.map(o => o.length)).toEqual([3, 3])
    expect(new Set(after.flat()).size).toBe(6)

    // every record reaches exactly one member of the group
    for (let p = 0; p < 6; p++) await produce(h, 'six', [{ value: p }], p)
    const seen = [...await drain(h, paths[0]!, 3, BINARY), ...await drain(h, paths[2]!, 3, BINARY)]
    expect(seen.map(r => r.partition).sort()).toEqual([0, 1, 2, 3, 4, 5])

    // v3 views of the same group
    const cid = h.gateway.backend.metadata.clusterId
    const group = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/g3`)
    expect(group.status).toBe(200)
    expect(group.body).toMatchObject({ kind: 'KafkaConsumerGroup', consumer_group_id: 'g3', is_simple: false, partition_assignor: 'range', state: 'STABLE', type: 'CLASSIC' })
    const list = await h.call('GET', `/v3/clusters/${cid}/consumer-groups`)
    expect((list.body as { data: { consumer_group_id: string }[] }).data.map(g => g.consumer_group_id)).toEqual(['g3'])
    const consumers = (await h.call('GET', `/v3/clusters/${cid}/consumer-groups/g3/consumers`)).body as { data: { consumer_id: string, client_id: string }[] }
    expect(consumers.data.map(c => c.client_id).sort()).toEqual(['c0', 'c2'])
    const memberId = consumers.data[0]!.consumer_id
    const one = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/g3/consumers/${memberId}`)
    expect(one.body).toMatchObject({ kind: 'KafkaConsumer', consumer_id: memberId, instance_id: null })
    const assignments = (await h.call('GET', `/v3/clusters/${cid}/consumer-groups/g3/consumers/${memberId}/assignments`)).body as { data: { topic_name: string, partition_id: number }[] }
    expect(assignments.data.length).toBe(3)
    const a0 = assignments.data[0]!
    const single = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/g3/consumers/${memberId}/assignments/six/partitions/${a0.partition_id}`)
    expect(single.body).toMatchObject({ kind: 'KafkaConsumerAssignment', topic_name: 'six', partition_id: a0.partition_id })
    expect((await h.call('GET', `/v3/clusters/${cid}/consumer-groups/nope`)).status).toBe(404)
    expect((await h.call('GET', `/v3/clusters/other/consumer-groups`)).status).toBe(404)
  })

  it('two groups each receive every record', async () => {
    const h = await start()
    await createTopic(h, 'shared', 3)
    const a = await createInstance(h, 'ga', { 'auto.offset.reset': 'earliest' })
    const b = await createInstance(h, 'gb', { 'auto.offset.reset': 'earliest' })
    for (const p of [a, b]) await h.call('POST', `${p}/subscription`, { body: { topics: ['shared'] } })
    await produce(h, 'shared', Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: i })))
    const ra = await drain(h, a, 30, BINARY)
    const rb = await drain(h, b, 30, BINARY)
    const ids = (rs: ConsumedJson[]): string[] => rs.map(r => `${r.partition}:${r.offset}`).sort()
    expect(ra.length).toBe(30)
    expect(ids(ra)).toEqual(ids(rb))
  })

  it('a topic_pattern subscription picks up topics created later', async () => {
    const h = await start()
    await createTopic(h, 'logs-a', 1)
    const p = await createInstance(h, 'gp', { 'auto.offset.reset': 'earliest', format: 'json' })
    expect((await h.call('POST', `${p}/subscription`, { body: { topic_pattern: 'logs-.*' } })).status).toBe(204)
    expect((await h.call('GET', `${p}/subscription`)).body).toEqual({ topics: ['logs-a'] })
    await createTopic(h, 'logs-b', 2)
    expect(partitionsOf((await h.call('GET', `${p}/assignments`)).body)).toEqual(['logs-a-0', 'logs-b-0', 'logs-b-1'])
    await produce(h, 'logs-b', [{ value: 'late' }], 1)
    expect((await drain(h, p, 1)).map(r => [r.topic, r.value])).toEqual([['logs-b', 'late']])
    // partition growth (v3 PATCH) rebalances at once too
    const cid = h.gateway.backend.metadata.clusterId
    const grown = await h.call('PATCH', `/v3/clusters/${cid}/topics/logs-a`, { body: { partitions_count: 2 }, headers: { 'content-type': 'application/json' } })
    expect(grown.status).toBe(200)
    expect(partitionsOf((await h.call('GET', `${p}/assignments`)).body)).toEqual(['logs-a-0', 'logs-a-1', 'logs-b-0', 'logs-b-1'])
    // committed offsets of the current assignment when neither a body nor a query names partitions
    await h.call('POST', `${p}/offsets`)
    expect((await h.call('GET', `${p}/offsets`)).body).toEqual({ offsets: [{ topic: 'logs-a', partition: 0, offset: 0, metadata: '' }, { topic: 'logs-a', partition: 1, offset: 0, metadata: '' }, { topic: 'logs-b', partition: 0, offset: 0, metadata: '' }, { topic: 'logs-b', partition: 1, offset: 1, metadata: '' }] })
  })

  it('manual assignment with seeks by offset, timestamp, beginning and end', async () => {
    const h = await start()
    await createTopic(h, 'm', 2)
    await produce(h, 'm', [
      { value: 'a', timestamp: '2024-01-01T00:00:00Z' }, { value: 'b', timestamp: '2024-01-02T00:00:00Z' }, { value: 'c', timestamp: '2024-01-03T00:00:00Z' },
    ], 0)
    const p = await createInstance(h, 'gm', { format: 'json', 'auto.offset.reset': 'latest' })
    const tp = { topic: 'm', partition: 0 }
    expect((await h.call('POST', `${p}/assignments`, { body: { partitions: [tp] } })).status).toBe(204)
    expect(partitionsOf((await h.call('GET', `${p}/assignments`)).body)).toEqual(['m-0'])
    expect(await records(h, p, JSON_V2, 'timeout=50')).toEqual([])
    const values = async (): Promise<unknown[]> => (await records(h, p)).map(r => r.value)
    expect((await h.call('POST', `${p}/positions`, { body: { offsets: [{ ...tp, offset: 1 }] } })).status).toBe(204)
    expect(await values()).toEqual(['b', 'c'])
    expect((await h.call('POST', `${p}/positions/beginning`, { body: { partitions: [tp] } })).status).toBe(204)
    expect(await values()).toEqual(['a', 'b', 'c'])
    expect((await h.call('POST', `${p}/positions`, { body: { timestamps: [{ ...tp, timestamp: '2024-01-01T12:00:00Z' }] } })).status).toBe(204)
    expect(await values()).toEqual(['b', 'c'])
    expect((await h.call('POST', `${p}/positions/end`, { body: { partitions: [tp] } })).status).toBe(204)
    expect(await records(h, p, JSON_V2, 'timeout=50')).toEqual([])
    await produce(h, 'm', [{ value: 'd' }], 0)
    expect(await values()).toEqual(['d'])
    // seeking a partition that is not assigned, and mixing subscribe with assign: 409 / 40903
    const bad = await h.call('POST', `${p}/positions`, { body: { offsets: [{ topic: 'm', partition: 1, offset: 0 }] } })
    expect(bad.status).toBe(409)
    expect((bad.body as { error_code: number }).error_code).toBe(40903)
    const mixed = await h.call('POST', `${p}/subscription`, { body: { topics: ['m'] } })
    expect(mixed.status).toBe(409)
    expect((mixed.body as { error_code: number }).error_code).toBe(40903)
    const badTs = await h.call('POST', `${p}/positions`, { body: { timestamps: [{ ...tp, timestamp: 'yesterday' }] } })
    expect(badTs.status).toBe(400)
  })

  it('resumes from committed offsets after a server restart', async () => {
    const h = await start()
    await createTopic(h, 'r', 2)
    await produce(h, 'r', [{ value: 1 }, { value: 2 }], 0)
    await produce(h, 'r', [{ value: 3 }], 1)
    const p = await createInstance(h, 'gr', { format: 'json', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' })
    await h.call('POST', `${p}/subscription`, { body: { topics: ['r'] } })
    expect((await drain(h, p, 3)).length).toBe(3)
    // commit the first record of partition 0 only (offset 0 → committed 1), and partition 1 fully
    const c = await h.call('POST', `${p}/offsets`, { body: { offsets: [{ topic: 'r', partition: 0, offset: 0 }, { topic: 'r', partition: 1, offset: 0 }] } })
    expect(c.status).toBe(200)
    await h.restart()
    const q = await createInstance(h, 'gr', { format: 'json', 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${q}/subscription`, { body: { topics: ['r'] } })
    expect((await drain(h, q, 1)).map(r => [r.partition, r.offset, r.value])).toEqual([[0, 1, 2]])
    const committed = await h.call('GET', `${q}/offsets`, { body: { partitions: [{ topic: 'r', partition: 0 }, { topic: 'r', partition: 1 }] } })
    expect(committed.body).toEqual({ offsets: [{ topic: 'r', partition: 0, offset: 1, metadata: '' }, { topic: 'r', partition: 1, offset: 1, metadata: '' }] })
    const cid = h.gateway.backend.metadata.clusterId
    const lags = (await h.call('GET', `/v3/clusters/${cid}/consumer-groups/gr/lags`)).body as { data: { partition_id: number, current_offset: number, log_end_offset: number, lag: number, client_id: string }[] }
    expect(lags.data.map(l => [l.partition_id, l.current_offset, l.log_end_offset, l.lag])).toEqual([[0, 1, 2, 1], [1, 1, 1, 0]])
    const lag0 = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/gr/lags/r/partitions/0`)
    expect(lag0.body).toMatchObject({ kind: 'KafkaConsumerLag', topic_name: 'r', partition_id: 0, lag: 1 })
    const summary = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/gr/lag-summary`)
    expect(summary.body).toMatchObject({ kind: 'KafkaConsumerGroupLagSummary', max_lag: 1, total_lag: 1, max_lag_topic_name: 'r', max_lag_partition_id: 0 })
  })

  it('auto-commit (default on) commits what was delivered when the instance is deleted; a new member resumes after it', async () => {
    const h = await start()
    await createTopic(h, 'ac', 1)
    await produce(h, 'ac', [{ value: 1 }, { value: 2 }])
    const p = await createInstance(h, 'gac', { format: 'json', 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${p}/subscription`, { body: { topics: ['ac'] } })
    expect((await drain(h, p, 2)).map(r => r.value)).toEqual([1, 2])
    expect((await h.call('DELETE', p)).status).toBe(204)
    await produce(h, 'ac', [{ value: 3 }])
    const q = await createInstance(h, 'gac', { format: 'json', 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${q}/subscription`, { body: { topics: ['ac'] } })
    expect((await drain(h, q, 1)).map(r => r.value)).toEqual([3])
  })

  it('an idle instance expires: 404 / 40403, and its group rebalances', async () => {
    const h = await start({ 'consumer.instance.timeout.ms': 300 })
    await createTopic(h, 'e', 2)
    const idle = await createInstance(h, 'ge', {})
    const busy = await createInstance(h, 'ge', {})
    for (const p of [idle, busy]) await h.call('POST', `${p}/subscription`, { body: { topics: ['e'] } })
    expect(partitionsOf((await h.call('GET', `${busy}/assignments`)).body).length).toBe(1)
    // keep `busy` alive while `idle` stays silent, until `idle` is gone
    const deadline = Date.now() + 10_000
    let status = 200
    let polls = 0
    while (Date.now() < deadline) {
      await records(h, busy, BINARY, 'timeout=100')
      if (++polls % 5 === 0) {
        status = (await h.call('GET', `${idle}/assignments`)).status
        if (status === 404) break
      }
    }
    expect(status).toBe(404)
    const r = await h.call('GET', `${idle}/subscription`)
    expect(r.body).toEqual({ error_code: 40403, message: 'Consumer instance not found.' })
    expect(partitionsOf((await h.call('GET', `${busy}/assignments`)).body)).toEqual(['e-0', 'e-1'])
  })

  it('406/40601 on a format mismatch, 406 on an unusable Accept, 409/40902 on a duplicate, 422 on bad configs', async () => {
    const h = await start()
    await createTopic(h, 'f', 1)
    const p = await createInstance(h, 'gf', { name: 'json1', format: 'json' })
    await h.call('POST', `${p}/subscription`, { body: { topics: ['f'] } })
    const noAccept = await h.call('GET', `${p}/records?timeout=10`)
    expect(noAccept.status).toBe(406)
    expect(noAccept.body).toEqual({ error_code: 40601, message: 'The requested embedded data format does not match the deserializer for this consumer instance' })
    expect((await h.call('GET', `${p}/records?timeout=10`, { headers: { accept: BINARY } })).status).toBe(406)
    const text = await h.call('GET', `${p}/records?timeout=10`, { headers: { accept: 'text/plain' } })
    expect(text.status).toBe(406)
    expect(text.text).toBe('')
    const dup = await h.call('POST', '/consumers/gf', { body: { name: 'json1' } })
    expect(dup.status).toBe(409)
    expect((dup.body as { error_code: number }).error_code).toBe(40902)
    const fmt = await h.call('POST', '/consumers/gf', { body: { format: 'xml' } })
    expect([fmt.status, (fmt.body as { error_code: number }).error_code]).toEqual([422, 422])
    const reset = await h.call('POST', '/consumers/gf', { body: { 'auto.offset.reset': 'sometimes' } })
    expect([reset.status, (reset.body as { error_code: number }).error_code]).toEqual([422, 42204])
    const minBytes = await h.call('POST', '/consumers/gf', { body: { 'fetch.min.bytes': 20_000_000 } })
    expect([minBytes.status, (minBytes.body as { error_code: number }).error_code]).toEqual([422, 40001])
    const unknown = await h.call('POST', '/consumers/gf', { body: { bogus: 1 } })
    expect(unknown.status).toBe(400)
    const empty = await h.call('POST', '/consumers/gf', { raw: '', headers: { 'content-type': V2 } })
    expect(empty.status).toBe(200)
    const noBody = await h.call('POST', '/consumers/gf')
    expect(noBody.status).toBe(200)
    for (const [method, suffix] of [['GET', '/assignments'], ['POST', '/offsets'], ['DELETE', ''], ['GET', '/records']] as const) {
      const r = await h.call(method, `/consumers/gf/instances/nobody${suffix}`, { headers: { accept: BINARY } })
      expect([r.status, (r.body as { error_code: number }).error_code]).toEqual([404, 40403])
    }
    const notJson = await h.call('GET', `${p}/offsets`, { raw: 'x', headers: { 'content-type': 'text/plain' } })
    expect(notJson.status).toBe(415)
  })

  it('a waiting fetch returns as soon as a record is produced; max_bytes still lets one large record through', async () => {
    const h = await start({ 'consumer.request.timeout.ms': 60_000 })
    await createTopic(h, 'w', 1)
    const p = await createInstance(h, 'gw', {})
    await h.call('POST', `${p}/subscription`, { body: { topics: ['w'] } })
    expect(await records(h, p, BINARY, 'timeout=10')).toEqual([])
    const waiting = request(`${h.url}${p}/records?timeout=60000`, { headers: { accept: BINARY } })
    await new Promise(resolve => setTimeout(resolve, 50))
    await h.call('POST', '/topics/w', { body: { records: [{ value: b64('x'.repeat(2000)) }, { value: b64('small') }] }, headers: { 'content-type': BINARY } })
    const res = await waiting
    const got = await res.body.json() as ConsumedJson[]
    expect(res.statusCode).toBe(200)
    expect(got.length).toBeGreaterThan(0)
    expect(got[0]!.value).toBe(b64('x'.repeat(2000)))
    // the next record arrives on its own when max_bytes is below the first one's size
    const p2 = await createInstance(h, 'gw2', { 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${p2}/subscription`, { body: { topics: ['w'] } })
    const big = await records(h, p2, BINARY, 'timeout=1000&max_bytes=100')
    expect(big.map(r => r.offset)).toEqual([0])
    const small = await records(h, p2, BINARY, 'timeout=1000&max_bytes=100')
    expect(small.map(r => r.offset)).toEqual([1])
  })
})

describe('instance URLs and unsubscribe', () => {
  it('base_uri follows advertised.listeners; DELETE subscription leaves the group', async () => {
    const h = await start({ 'advertised.listeners': 'https://krest.example.com:9443' })
    await createTopic(h, 'u', 2)
    const r = await h.call('POST', '/consumers/gu', { body: { name: 'a b' } })
    expect(r.body).toEqual({ instance_id: 'a b', base_uri: 'https://krest.example.com:9443/consumers/gu/instances/a%20b' })
    const p = '/consumers/gu/instances/a%20b'
    await h.call('POST', `${p}/subscription`, { body: { topics: ['u'] } })
    expect(partitionsOf((await h.call('GET', `${p}/assignments`)).body)).toEqual(['u-0', 'u-1'])
    expect((await h.call('DELETE', `${p}/subscription`)).status).toBe(204)
    expect((await h.call('GET', `${p}/subscription`)).body).toEqual({ topics: [] })
    expect((await h.call('GET', `${p}/assignments`)).body).toEqual({ partitions: [] })
    const cid = h.gateway.backend.metadata.clusterId
    expect((await h.call('GET', `/v3/clusters/${cid}/consumer-groups/gu`)).body).toMatchObject({ state: 'EMPTY' })
    const early = await h.call('GET', `${p}/records?timeout=10`, { headers: { accept: BINARY } })
    expect([early.status, (early.body as { error_code: number }).error_code]).toEqual([409, 40903])
  })
})

describe('schema formats through the serde registry', () => {
  it('an avro instance reads Avro records in Avro JSON; a binary instance sees the wire-format bytes', async () => {
    const h = await start()
    const AVRO = 'application/vnd.kafka.avro.v2+json'
    const schema = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: ['null', 'int'], default: null }] })
    const produced = await h.call('POST', '/topics/users', { headers: { 'content-type': AVRO }, body: { value_schema: schema, records: [{ value: { name: 'ann', age: { int: 31 } } }] } })
    expect(produced.status, produced.text).toBe(200)
    const p = await createInstance(h, 'gavro', { format: 'avro', 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${p}/subscription`, { body: { topics: ['users'] } })
    expect((await h.call('GET', `${p}/records?timeout=10`, { headers: { accept: JSON_V2 } })).status).toBe(406)
    const got = await drain(h, p, 1, AVRO)
    expect(got.map(r => [r.key, r.value])).toEqual([[null, { name: 'ann', age: { int: 31 } }]])
    const b = await createInstance(h, 'gbin', { 'auto.offset.reset': 'earliest' })
    await h.call('POST', `${b}/subscription`, { body: { topics: ['users'] } })
    const raw = Buffer.from((await drain(h, b, 1, BINARY))[0]!.value as string, 'base64')
    expect(raw[0]).toBe(0) // Confluent wire format: magic byte, then the schema id
  })
})
