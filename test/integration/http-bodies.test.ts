/**
 * Request bodies and media types over real HTTP (issues 13.15 and 16.5, 16.9, 16.10, 16.11): bodies are UTF-8 JSON
 * with no type coercion, keys are data, Accept lists are honoured, and a few values are validated rather than read
 * as "no limit" or "anything".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JSON_V2, V2, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

let h: Harness
let base: string
const JSON_CT = { 'content-type': 'application/json' }
beforeAll(async () => {
  h = await startHarness({ 'offsets.topic.num.partitions': 1 })
  base = `/v3/clusters/${h.gateway.backend.metadata.clusterId}`
  expect((await h.call('POST', `${base}/topics`, { body: { topic_name: 'bodies', partitions_count: 1 }, headers: JSON_CT })).status).toBe(201)
})
afterAll(async () => { await h.close() })

async function instance (group: string): Promise<string> {
  const r = await h.call('POST', `/consumers/${group}`, { body: { format: 'json' } })
  expect(r.status, r.text).toBe(200)
  return `/consumers/${group}/instances/${(r.body as { instance_id: string }).instance_id}`
}

describe('request bodies', () => {
  it('refuses a wrong type instead of coercing it: {"topics":"abc"} is 400 and subscribes to nothing', async () => {
    const p = await instance('coerce')
    const sub = await h.call('POST', `${p}/subscription`, { body: { topics: 'abc' } })
    expect(sub.status).toBe(400)
    expect((sub.body as { error_code: number }).error_code).toBe(400)
    expect((sub.body as { message: string }).message).toMatch(/topics.*array/)
    expect((await h.call('GET', `${p}/subscription`)).body).toEqual({ topics: [] })
    // a number sent as a string is not a number either
    const create = await h.call('POST', `${base}/topics`, { body: { topic_name: 'coerced', partitions_count: '3' }, headers: JSON_CT })
    expect(create.status).toBe(400)
    expect((await h.call('GET', `${base}/topics/coerced`)).status).toBe(404)
    // path and query parameters are text and still read as their declared types
    expect((await h.call('GET', '/topics/bodies/partitions/0')).status).toBe(200)
  })

  it('answers invalid UTF-8 with 400 on every JSON route, storing nothing', async () => {
    const bad = Buffer.concat([Buffer.from('{"records":[{"value":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')])
    const v2 = await h.call('POST', '/topics/bodies', { raw: bad, headers: { 'content-type': JSON_V2 } })
    expect(v2.status).toBe(400)
    expect((v2.body as { message: string }).message).toMatch(/UTF-8/)
    const v3bad = Buffer.concat([Buffer.from('{"value":{"type":"JSON","data":"a'), Buffer.from([0xff]), Buffer.from('"}}')])
    const v3 = await h.call('POST', `${base}/topics/bodies/records`, { raw: v3bad, headers: JSON_CT })
    expect(v3.status).toBe(400)
    const batch = await h.call('POST', `${base}/topics/bodies/records:batch`, { raw: Buffer.concat([Buffer.from('{"entries":[{"id":"a","value":{"type":"JSON","data":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}]}')]), headers: JSON_CT })
    expect(batch.status).toBe(400)
    const create = await h.call('POST', `${base}/topics`, { raw: Buffer.concat([Buffer.from('{"topic_name":"x'), Buffer.from([0xfe]), Buffer.from('"}')]), headers: JSON_CT })
    expect(create.status).toBe(400)
    const p = await instance('utf8')
    const sub = await h.call('POST', `${p}/subscription`, { raw: Buffer.concat([Buffer.from('{"topics":["b'), Buffer.from([0x80]), Buffer.from('"]}')]), headers: { 'content-type': V2 } })
    expect(sub.status).toBe(400)
    const offsets = await h.call('GET', '/topics/bodies/partitions/0/offsets')
    expect(offsets.body).toEqual({ beginning_offset: 0, end_offset: 0 })
  })

  it('names the Content-Type that was sent in a malformed-JSON message', async () => {
    const res = await h.call('POST', '/topics/bodies', { raw: '{"records":[', headers: { 'content-type': JSON_V2 } })
    expect(res.status).toBe(400)
    expect((res.body as { message: string }).message).toContain(`Content-Type is '${JSON_V2}'`)
    const plain = await h.call('POST', `${base}/topics`, { raw: '{nope', headers: JSON_CT })
    expect(plain.status).toBe(400)
    expect((plain.body as { message: string }).message).toContain('Content-Type is \'application/json\'')
  })

  it('takes a "__proto__" key in a v2 json value as data, and refuses a topic config named __proto__', async () => {
    const res = await h.call('POST', '/topics/bodies', { raw: '{"records":[{"value":{"__proto__":{"polluted":1},"a":2}}]}', headers: { 'content-type': JSON_V2 } })
    expect(res.status, res.text).toBe(200)
    const log = h.storage.partition('bodies', 0)
    const read = await log.read(0, 1 << 20)
    expect(JSON.parse(read.records.at(-1)?.value?.toString('utf8') ?? '')).toEqual(JSON.parse('{"__proto__":{"polluted":1},"a":2}'))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const create = await h.call('POST', `${base}/topics`, { body: { topic_name: 'proto', configs: [{ name: '__proto__', value: '1' }] }, headers: JSON_CT })
    expect(create.status).toBe(400)
    expect(create.body).toEqual({ error_code: 40002, message: 'Unknown topic config name: __proto__' })
    expect((await h.call('GET', `${base}/topics/proto`)).status).toBe(404)
  })
})

describe('consumer values that are not "no limit"', () => {
  it('refuses max_bytes 0 or -1 with 400', async () => {
    const p = await instance('maxbytes')
    expect((await h.call('POST', `${p}/subscription`, { body: { topics: ['bodies'] } })).status).toBe(204)
    for (const v of ['0', '-1']) {
      const res = await h.call('GET', `${p}/records?timeout=10&max_bytes=${v}`, { headers: { accept: JSON_V2 } })
      expect(res.status, v).toBe(400)
      expect((res.body as { message: string }).message).toMatch(/max_bytes/)
    }
    expect((await h.call('GET', `${p}/records?timeout=10&max_bytes=100`, { headers: { accept: JSON_V2 } })).status).toBe(200)
  })

  it('refuses commits to __consumer_offsets', async () => {
    const p = await instance('internal')
    const res = await h.call('POST', `${p}/offsets`, { body: { offsets: [{ topic: '__consumer_offsets', partition: 0, offset: 5 }] } })
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error_code: 40002, message: 'Offsets of internal topic __consumer_offsets cannot be committed.' })
  })
})

describe('Accept negotiation', () => {
  it('answers application/vnd.kafka+json and honours q-lists', async () => {
    const plain = await h.call('GET', '/topics', { headers: { accept: 'application/vnd.kafka+json' } })
    expect(plain.status).toBe(200)
    expect(plain.headers['content-type']).toMatch(/^application\/vnd\.kafka\+json/)
    const weighted = await h.call('GET', '/topics', { headers: { accept: 'application/vnd.kafka+json; q=0.9, application/json; q=0.5' } })
    expect(weighted.status).toBe(200)
    expect(weighted.headers['content-type']).toMatch(/^application\/vnd\.kafka\+json/)
    const prefersJson = await h.call('GET', '/topics', { headers: { accept: 'application/vnd.kafka.v2+json; q=0.1, application/json' } })
    expect(prefersJson.headers['content-type']).toMatch(/^application\/json/)
    const none = await h.call('GET', '/topics', { headers: { accept: 'text/html' } })
    expect(none.status).toBe(406)
  })
})
