import { afterEach, describe, expect, it } from 'vitest'
import { partitionForKey } from '../../src/codec/murmur2.js'
import { KrestError } from '../../src/util/errors.js'
import { BINARY, JSON_V2, V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'
import { endOffset, hasTopic, readPartition } from '../helpers/backend-reads.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

async function read (harness: Harness, topic: string, partition: number): Promise<{ key: string | null, value: string | null, headers: { key: string, value: string | null }[], timestamp: number, offset: number }[]> {
  const records = await readPartition(harness.gateway.backend, topic, partition)
  return records.map(r => ({
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((x: { key: string, value: Buffer | null }) => ({ key: x.key, value: x.value === null ? null : x.value.toString('utf8') })),
    timestamp: r.timestamp,
    offset: r.offset,
  }))
}

describe('v2 metadata', () => {
  it('answers the root resource with {} as vnd.kafka.v2+json', async () => {
    h = await startHarness()
    const get = await h.call('GET', '/')
    expect(get.status).toBe(200)
    expect(get.body).toEqual({})
    expect(get.headers['content-type']).toMatch(/^application\/vnd\.kafka\.v2\+json/)
    const post = await h.call('POST', '/', { body: { anything: 'goes' } })
    expect(post.status).toBe(200)
    expect(post.body).toEqual({})
  })

  it('lists topics, hiding internal ones', async () => {
    h = await startHarness()
    expect((await h.call('GET', '/topics')).body).toEqual([])
    await h.gateway.backend.admin.createTopic('orders', { partitions: 2 })
    await h.storage.createTopic('krest-internal-test', { partitions: 1, internal: true })
    await h.gateway.backend.admin.createTopic('audit', { partitions: 1 })
    const res = await h.call('GET', '/topics')
    expect(res.status).toBe(200)
    expect(res.body).toEqual(['audit', 'orders'])
  })

  it('describes a topic with all effective configs and its partitions', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('orders', { partitions: 2, configs: { 'retention.ms': '1000' } })
    const res = await h.call('GET', '/topics/orders')
    expect(res.status).toBe(200)
    const body = res.body as { name: string, configs: Record<string, string>, partitions: unknown[] }
    expect(body.name).toBe('orders')
    expect(body.configs['retention.ms']).toBe('1000')
    expect(body.configs['cleanup.policy']).toBe('delete')
    expect(body.partitions).toEqual([
      { partition: 0, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] },
      { partition: 1, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] },
    ])
  })

  it('answers 404/40403 for a missing topic (Kafka UnknownTopicOrPartition, as Confluent) and 404/40402 for a missing partition', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('orders', { partitions: 2 })
    for (const path of ['/topics/nope', '/topics/nope/partitions', '/topics/nope/partitions/0', '/topics/nope/partitions/0/offsets']) {
      const res = await h.call('GET', path)
      expect(res.status, path).toBe(404)
      expect(res.body, path).toEqual({ error_code: 40403, message: 'This server does not host this topic-partition.' })
    }
    for (const path of ['/topics/orders/partitions/2', '/topics/orders/partitions/2/offsets']) {
      const res = await h.call('GET', path)
      expect(res.status, path).toBe(404)
      expect(res.body, path).toEqual({ error_code: 40402, message: 'Partition not found.' })
    }
    const notNumeric = await h.call('GET', '/topics/orders/partitions/abc')
    expect(notNumeric.status).toBe(404)
    expect(notNumeric.body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' })
  })

  it('lists partitions, one partition, offsets and brokers', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('orders', { partitions: 3 })
    const parts = await h.call('GET', '/topics/orders/partitions')
    expect(parts.status).toBe(200)
    expect((parts.body as unknown[]).length).toBe(3)
    const one = await h.call('GET', '/topics/orders/partitions/1')
    expect(one.body).toEqual({ partition: 1, leader: 0, replicas: [{ broker: 0, leader: true, in_sync: true }] })
    expect((await h.call('GET', '/topics/orders/partitions/1/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 0 })
    await h.call('POST', '/topics/orders/partitions/1', { body: { records: [{ value: b64('a') }, { value: b64('b') }] }, headers: { 'content-type': BINARY } })
    expect((await h.call('GET', '/topics/orders/partitions/1/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 2 })
    const brokers = await h.call('GET', '/brokers')
    expect(brokers.status).toBe(200)
    expect(brokers.body).toEqual({ brokers: [0] })
  })

  it('negotiates Accept: JSON is fine, text/plain gets 406 with no body', async () => {
    h = await startHarness()
    const json = await h.call('GET', '/topics', { headers: { accept: 'application/json' } })
    expect(json.status).toBe(200)
    expect(json.headers['content-type']).toMatch(/^application\/json/)
    const v2 = await h.call('GET', '/topics', { headers: { accept: 'text/html;q=0.5, application/vnd.kafka.v2+json' } })
    expect(v2.headers['content-type']).toMatch(/^application\/vnd\.kafka\.v2\+json/)
    const no = await h.call('GET', '/topics', { headers: { accept: 'text/plain' } })
    expect(no.status).toBe(406)
    expect(no.text).toBe('')
  })

  it('answers unknown paths with 404 and known paths with another method with 405, in Confluent shape', async () => {
    h = await startHarness()
    const res = await h.call('GET', '/nothing/here')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' })
    for (const [method, path] of [['DELETE', '/topics/orders'], ['PUT', '/brokers'], ['DELETE', '/topics/orders/partitions/0/offsets'], ['GET', `/v3/clusters/x/topics/t/configs:alter`]]) {
      const wrong = await h.call(method as string, path as string)
      expect(wrong.status, `${method} ${path}`).toBe(405)
      expect(wrong.body).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' })
    }
    expect((await h.call('DELETE', '/topics/orders')).headers.allow).toMatch(/GET.*POST/)
  })
})

describe('v2 produce', () => {
  it('produces binary records, partitioning keys with Kafka murmur2', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('orders', { partitions: 4 })
    const keys = ['alice', 'bob', 'carol', 'dave', 'erin']
    const res = await h.call('POST', '/topics/orders', {
      body: { records: keys.map(k => ({ key: b64(k), value: b64(`v-${k}`) })) },
      headers: { 'content-type': BINARY },
    })
    expect(res.status).toBe(200)
    const body = res.body as { offsets: { partition: number, offset: number, error_code: null, error: null }[], key_schema_id: null, value_schema_id: null }
    expect(body.key_schema_id).toBeNull()
    expect(body.value_schema_id).toBeNull()
    expect(body.offsets).toHaveLength(5)
    keys.forEach((k, i) => {
      const expected = partitionForKey(Buffer.from(k), 4)
      expect(body.offsets[i]?.partition).toBe(expected)
      expect(body.offsets[i]?.error_code).toBeNull()
    })
    for (let p = 0; p < 4; p++) {
      const stored = await read(h, 'orders', p)
      const sent = keys.filter(k => partitionForKey(Buffer.from(k), 4) === p)
      expect(stored.map(r => r.key)).toEqual(sent)
      expect(stored.map(r => r.value)).toEqual(sent.map(k => `v-${k}`))
    }
  })

  it('produces json records (vnd.kafka.json and plain application/json), hashing the key\'s JSON text', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('events', { partitions: 3 })
    const res = await h.call('POST', '/topics/events', {
      body: { records: [{ key: { id: 7 }, value: { foo: 'bar', n: [1, 2] } }, { value: null }, { value: 'text' }] },
      headers: { 'content-type': JSON_V2 },
    })
    expect(res.status).toBe(200)
    const offsets = (res.body as { offsets: { partition: number }[] }).offsets
    expect(offsets[0]?.partition).toBe(partitionForKey(Buffer.from('{"id":7}'), 3))
    const stored = (await Promise.all([0, 1, 2].map(p => read(h!, 'events', p)))).flat()
    expect(stored.map(r => r.value).sort()).toEqual(['"text"', '{"foo":"bar","n":[1,2]}', null].sort())
    const plain = await h.call('POST', '/topics/events/partitions/0', { body: { records: [{ value: { plain: true } }] }, headers: { 'content-type': 'application/json' } })
    expect(plain.status).toBe(200)
    expect((plain.body as { offsets: { partition: number }[] }).offsets[0]?.partition).toBe(0)
    const p0 = await read(h, 'events', 0)
    expect(p0[p0.length - 1]?.value).toBe('{"plain":true}')
  })

  it('json format stores each value\'s bytes as sent; keys are hashed on their compact JSON text', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('raw', { partitions: 3 })
    const raw = '{ "records": [ { "key": { "id" : 7 }, "value": { "a" : [1, 2.50, "\\u00e9"] } }, { "key": "k", "value": null }, { "key": "k" } ] }'
    const res = await h.call('POST', '/topics/raw', { raw, headers: { 'content-type': JSON_V2 } })
    expect(res.status).toBe(200)
    const offsets = (res.body as { offsets: { partition: number }[] }).offsets
    expect(offsets[0]?.partition).toBe(partitionForKey(Buffer.from('{"id":7}'), 3))
    const all = (await Promise.all([0, 1, 2].map(p => read(h!, 'raw', p)))).flat()
    expect(all.map(r => r.value).sort()).toEqual(['{ "a" : [1, 2.50, "\\u00e9"] }', null, null].sort())
  })

  it('stores per-record headers and timestamps (ms or ISO-8601)', async () => {
    h = await startHarness()
    const res = await h.call('POST', '/topics/hdr', {
      body: {
        records: [
          { value: b64('one'), headers: [{ name: 'trace', value: b64('abc') }, { name: 'empty', value: null }], timestamp: 1700000000123 },
          { value: b64('two'), timestamp: '2024-01-02T03:04:05.678Z' },
        ],
      },
      headers: { 'content-type': BINARY },
    })
    expect(res.status).toBe(200)
    const stored = await read(h, 'hdr', 0)
    expect(stored[0]?.headers).toEqual([{ key: 'trace', value: 'abc' }, { key: 'empty', value: null }])
    expect(stored[0]?.timestamp).toBe(1700000000123)
    expect(stored[1]?.timestamp).toBe(Date.parse('2024-01-02T03:04:05.678Z'))
  })

  it('produces to a partition; a record\'s own partition overrides the path (Confluent quirk)', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('p', { partitions: 3 })
    const res = await h.call('POST', '/topics/p/partitions/1', { body: { records: [{ value: b64('x') }, { value: b64('y'), partition: 2 }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(200)
    expect((res.body as { offsets: unknown[] }).offsets).toEqual([
      { partition: 1, offset: 0, error_code: null, error: null },
      { partition: 2, offset: 0, error_code: null, error: null },
    ])
  })

  it('a storage failure on one partition fails only that partition\'s records, each with its error', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('half', { partitions: 2 })
    const broken = h.storage.partition('half', 1)
    broken.append = async () => { throw new KrestError('STORAGE_ERROR', 'write to half-1 failed: EIO') }
    const res = await h.call('POST', '/topics/half', {
      body: { records: [{ value: b64('a'), partition: 0 }, { value: b64('b'), partition: 1 }, { value: b64('c'), partition: 0 }] },
      headers: { 'content-type': BINARY },
    })
    expect(res.status).toBe(200)
    expect((res.body as { offsets: unknown[] }).offsets).toEqual([
      { partition: 0, offset: 0, error_code: null, error: null },
      { partition: null, offset: null, error_code: 50002, error: 'write to half-1 failed: EIO' },
      { partition: 0, offset: 1, error_code: null, error: null },
    ])
  })

  it('auto-creates a missing topic with num.partitions', async () => {
    h = await startHarness({ 'num.partitions': 3 })
    const res = await h.call('POST', '/topics/fresh', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(200)
    const meta = await h.call('GET', '/topics/fresh')
    expect((meta.body as { partitions: unknown[] }).partitions).toHaveLength(3)
  })

  it('fails at once with 404/40401 when auto-create is off, creating nothing', async () => {
    h = await startHarness({ 'auto.create.topics.enable': false })
    const res = await h.call('POST', '/topics/missing', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error_code: 40401, message: 'Topic not found.' })
    expect((await hasTopic(h.gateway.backend, 'missing'))).toBe(false)
  })

  it('refuses producing to internal topics', async () => {
    h = await startHarness()
    if (!(await hasTopic(h.gateway.backend, '__consumer_offsets'))) await h.storage.createTopic('__consumer_offsets', { partitions: 1, internal: true })
    const before = (await endOffset(h.gateway.backend, '__consumer_offsets', 0))
    const res = await h.call('POST', '/topics/__consumer_offsets', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(400)
    expect((res.body as { error_code: number }).error_code).toBe(40002)
    expect((await endOffset(h.gateway.backend, '__consumer_offsets', 0))).toBe(before)
  })
})

describe('v2 produce errors: 4xx in Confluent shape, nothing written', () => {
  async function setup (overrides: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
    h = await startHarness(overrides)
    await h.gateway.backend.admin.createTopic('t', { partitions: 2 })
    return h
  }
  async function endOffsets (harness: Harness): Promise<number[]> {
    return await Promise.all([0, 1].map(p => endOffset(harness.gateway.backend, 't', p)))
  }

  it('415 for a missing, foreign or non-embedded Content-Type', async () => {
    const harness = await setup()
    const body = JSON.stringify({ records: [{ value: b64('x') }] })
    for (const type of [undefined, 'text/plain', V2, 'application/x-www-form-urlencoded', 'application/vnd.kafka.binary.v1+json']) {
      const res = await harness.call('POST', '/topics/t', { raw: body, headers: type === undefined ? {} : { 'content-type': type } })
      expect(res.status, String(type)).toBe(415)
      expect(res.body, String(type)).toEqual({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
    }
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('400 for malformed JSON and for unknown fields', async () => {
    const harness = await setup()
    const bad = await harness.call('POST', '/topics/t', { raw: '{"records": [', headers: { 'content-type': BINARY } })
    expect(bad.status).toBe(400)
    expect((bad.body as { error_code: number }).error_code).toBe(400)
    const unknown = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('x'), surprise: 1 }] }, headers: { 'content-type': BINARY } })
    expect(unknown.status).toBe(400)
    expect((unknown.body as { error_code: number }).error_code).toBe(400)
    const wrongType = await harness.call('POST', '/topics/t', { body: { records: 'nope' }, headers: { 'content-type': BINARY } })
    expect(wrongType.status).toBe(400)
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('422 for empty records, missing records and an empty body', async () => {
    const harness = await setup()
    for (const raw of ['{"records":[]}', '{}', '', 'null']) {
      const res = await harness.call('POST', '/topics/t', { raw, headers: { 'content-type': BINARY } })
      expect(res.status, raw).toBe(422)
      expect((res.body as { error_code: number }).error_code, raw).toBe(422)
    }
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('400 for a bad base64 value, with nothing of the request written', async () => {
    const harness = await setup()
    const res = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('fine') }, { value: 'not base64!' }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error_code: 400 })
    expect((res.body as { message: string }).message).toMatch(/records\[1\].*base64/)
    const notString = await harness.call('POST', '/topics/t', { body: { records: [{ key: 42, value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(notString.status).toBe(400)
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('400 for a bad timestamp and bad header values', async () => {
    const harness = await setup()
    const ts = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('x'), timestamp: 'yesterday' }] }, headers: { 'content-type': BINARY } })
    expect(ts.status).toBe(400)
    const hdr = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('x'), headers: [{ name: 'h', value: '%%%' }] }] }, headers: { 'content-type': BINARY } })
    expect(hdr.status).toBe(400)
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('413 for a record over max.message.bytes, with nothing written', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('t', { partitions: 2, configs: { 'max.message.bytes': '1000' } })
    const big = Buffer.alloc(2000, 7).toString('base64')
    const res = await h.call('POST', '/topics/t', { body: { records: [{ value: b64('small') }, { value: big }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(413)
    expect(res.body).toMatchObject({ error_code: 413 })
    expect(await endOffsets(h)).toEqual([0, 0])
    // Many small records whose sum exceeds the limit are fine: they are split into batches that fit.
    const many = await h.call('POST', '/topics/t/partitions/0', { body: { records: Array.from({ length: 50 }, (_, i) => ({ value: b64(`record-${i}-${'x'.repeat(50)}`) })) }, headers: { 'content-type': BINARY } })
    expect(many.status).toBe(200)
    expect((many.body as { offsets: { offset: number }[] }).offsets.map(o => o.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('400/40002 for a record without a key on a compacted topic, with nothing written', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('t', { partitions: 2, configs: { 'cleanup.policy': 'compact' } })
    const res = await h.call('POST', '/topics/t', { body: { records: [{ key: b64('k'), value: b64('x') }, { value: b64('no key') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error_code: 40002 })
    expect((res.body as { message: string }).message).toMatch(/Record 1 has no key.*compacted/)
    expect(await endOffsets(h)).toEqual([0, 0])
  })

  it('422/42206 for an invalid topic name, creating nothing', async () => {
    const harness = await setup()
    const res = await harness.call('POST', '/topics/bad%20name!', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(422)
    expect((res.body as { error_code: number }).error_code).toBe(42206)
    expect((await hasTopic(harness.gateway.backend, 'bad name!'))).toBe(false)
  })

  it('413 for a body over request.body.max.bytes', async () => {
    const harness = await setup({ 'request.body.max.bytes': 2048 })
    const res = await harness.call('POST', '/topics/t', { body: { records: [{ value: Buffer.alloc(4000).toString('base64') }] }, headers: { 'content-type': BINARY } })
    expect(res.status).toBe(413)
    expect(res.body).toMatchObject({ error_code: 413 })
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('404/40402 for a partition the topic does not have, with nothing written', async () => {
    const harness = await setup()
    const path = await harness.call('POST', '/topics/t/partitions/5', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(path.status).toBe(404)
    expect(path.body).toEqual({ error_code: 40402, message: 'Partition not found.' })
    const inRecord = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('x'), partition: 0 }, { value: b64('y'), partition: 9 }] }, headers: { 'content-type': BINARY } })
    expect(inRecord.status).toBe(404)
    expect((inRecord.body as { error_code: number }).error_code).toBe(40402)
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('an embedded format krest does not offer (protobuf) gets a clear 422/42206, not a crash', async () => {
    const harness = await setup()
    for (const type of ['application/vnd.kafka.protobuf.v2+json']) {
      const res = await harness.call('POST', '/topics/t', { body: { value_schema: '{"type":"string"}', records: [{ value: 'x' }] }, headers: { 'content-type': type } })
      expect(res.status, type).toBe(422)
      expect((res.body as { error_code: number }).error_code, type).toBe(42206)
    }
    expect(await endOffsets(harness)).toEqual([0, 0])
  })

  it('406 with no body for an Accept it cannot satisfy, before producing', async () => {
    const harness = await setup()
    const res = await harness.call('POST', '/topics/t', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY, accept: 'text/plain' } })
    expect(res.status).toBe(406)
    expect(res.text).toBe('')
    expect(await endOffsets(harness)).toEqual([0, 0])
  })
})
