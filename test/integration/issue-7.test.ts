/**
 * Regression tests for bugs the fuzz suite (test/fuzz) found, each named after what it broke (issue 7).
 */
import { connect } from 'node:net'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BINARY, V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

let h: Harness

beforeAll(async () => {
  h = await startHarness()
  const end = Date.now() + 20_000
  while ((await h.call('GET', '/v3/clusters')).status === 503) {
    if (Date.now() > end) throw new Error('gateway never became ready')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
})

afterAll(async () => {
  await h?.close()
})

/** Raw bytes to the REST port; resolves with everything received once the server closes. */
async function raw (bytes: string): Promise<string> {
  const { hostname, port } = new URL(h.url)
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let received = ''
    socket.on('data', d => { received += d.toString('latin1') })
    socket.on('error', err => { if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err) })
    socket.on('close', () => { resolve(received) })
    socket.on('connect', () => { socket.end(bytes) })
  })
}

function expectErrorBody (body: unknown, code: number): void {
  expect(body).toEqual({ error_code: code, message: expect.any(String) })
}

describe('issue 7 regressions', () => {
  it('a path with malformed percent-encoding answers 400 {error_code, message}, not fastify\'s {error, code, statusCode}', async () => {
    const r = await h.call('GET', '/subjects/%/versions')
    expect(r.status).toBe(400)
    expectErrorBody(r.body, 400)
    const t = await h.call('POST', '/topics/%zz', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(t.status).toBe(400)
    expectErrorBody(t.body, 400)
  })

  it('a path with malformed percent-encoding on the schema registry listener answers 400 {error_code, message}', async () => {
    const res = await request(`${h.gateway.registryUrl ?? ''}/subjects/%/versions`)
    expect(res.statusCode).toBe(400)
    expectErrorBody(await res.body.json(), 400)
  })

  it('an empty JSON body with a wrong method on the schema registry listener answers {error_code, message}, not fastify\'s own shape', async () => {
    const res = await request(`${h.gateway.registryUrl ?? ''}/contexts`, { method: 'OPTIONS', headers: { 'content-type': 'application/json' } })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    expect(res.statusCode).toBeLessThan(500)
    const body = await res.body.json() as { error_code: number }
    expectErrorBody(body, res.statusCode)
  })

  it('a request with broken chunked framing answers 400 {error_code, message}, not fastify\'s {error, message, statusCode}', async () => {
    const text = await raw('POST /topics/t HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n0\r\n\r\n')
    expect(text).toMatch(/^HTTP\/1\.1 400 /)
    expectErrorBody(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), 400)
  })

  it('headers over node\'s size limit answer 431 {error_code, message}', async () => {
    const text = await raw(`GET /v3/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`)
    expect(text).toMatch(/^HTTP\/1\.1 431 /)
    expectErrorBody(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), 431)
  })

  it('registering an Avro or JSON schema nested thousands of levels deep answers 422/42201, not 500 (stack overflow)', async () => {
    const sr = { 'content-type': 'application/vnd.schemaregistry.v1+json' }
    for (const depth of [2000, 20000]) {
      const avro = '{"type":"array","items":'.repeat(depth) + '"string"' + '}'.repeat(depth)
      const js = '{"type":"array","items":'.repeat(depth) + '{"type":"string"}' + '}'.repeat(depth)
      for (const [subject, body] of [['deep-avro', { schema: avro }], ['deep-json', { schema: js, schemaType: 'JSON' }]] as const) {
        const r = await h.call('POST', `/subjects/${subject}/versions`, { raw: JSON.stringify(body), headers: sr })
        expect(r.status).toBe(422)
        expectErrorBody(r.body, 42201)
        const compat = await h.call('POST', `/compatibility/subjects/${subject}/versions/latest`, { raw: JSON.stringify(body), headers: sr })
        expect(compat.status).toBeLessThan(500)
      }
      // the same schemas inline in a produce
      const p = await h.call('POST', '/topics/deep-schema', { raw: JSON.stringify({ value_schema: js, records: [{ value: 'x' }] }), headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' } })
      expect(p.status).toBe(422)
      expectErrorBody(p.body, 42205)
    }
  })

  it('producing a value nested 20000 levels deep against a recursive JSON schema answers 400, not 500 (stack overflow in validation)', async () => {
    const schema = JSON.stringify({ type: 'array', items: { $ref: '#' } })
    const value = '['.repeat(20000) + ']'.repeat(20000)
    const r = await h.call('POST', '/topics/deep-value', { raw: `{"value_schema":${JSON.stringify(schema)},"records":[{"value":${value}}]}`, headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' } })
    expect(r.status).toBe(400)
    expectErrorBody(r.body, 400)
    const shallow = await h.call('POST', '/topics/deep-value', { raw: `{"value_schema":${JSON.stringify(schema)},"records":[{"value":[[[]]]}]}`, headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' } })
    expect(shallow.status).toBe(200)
  })

  it('v3 produce of JSON data nested 100000 levels deep answers 400, not 500 (JSON.stringify overflowed the stack)', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    const cid = h.gateway.backend.metadata.clusterId
    const r = await h.call('POST', `/v3/clusters/${cid}/topics/deep-v3/records`, { raw: `{"value":{"type":"JSON","data":${deep}}}`, headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(400)
    expectErrorBody(r.body, 400)
  })

  it('consuming a jsonschema or avro record nested 100000 levels deep answers 408/40801, not 500 on every fetch', async () => {
    const sr = { 'content-type': 'application/vnd.schemaregistry.v1+json' }
    const depth = 100_000
    const js = await h.call('POST', '/subjects/deep-consume-js-value/versions', { body: { schema: JSON.stringify({ type: 'array', items: { $ref: '#' } }), schemaType: 'JSON' }, headers: sr })
    const av = await h.call('POST', '/subjects/deep-consume-avro-value/versions', { body: { schema: JSON.stringify({ type: 'record', name: 'N', fields: [{ name: 'next', type: ['null', 'N'] }] }) }, headers: sr })
    const wire = (id: number, payload: Buffer): string => {
      const header = Buffer.alloc(5) // Confluent wire format: magic 0, schema id (int32 big-endian)
      header.writeUInt32BE(id, 1)
      return Buffer.concat([header, payload]).toString('base64')
    }
    const cases = [
      { topic: 'deep-consume-js', format: 'jsonschema', value: wire((js.body as { id: number }).id, Buffer.from('['.repeat(depth) + ']'.repeat(depth))) },
      // Avro: union branch 1 (zigzag 2) nested `depth` times, then branch 0 (null)
      { topic: 'deep-consume-avro', format: 'avro', value: wire((av.body as { id: number }).id, Buffer.concat([Buffer.alloc(depth, 2), Buffer.from([0])])) },
    ]
    for (const c of cases) {
      expect((await h.call('POST', `/topics/${c.topic}`, { body: { records: [{ value: c.value }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
      expect((await h.call('POST', `/consumers/deep-${c.format}`, { body: { name: 'c', format: c.format, 'auto.offset.reset': 'earliest' }, headers: { 'content-type': V2 } })).status).toBe(200)
      expect((await h.call('POST', `/consumers/deep-${c.format}/instances/c/subscription`, { body: { topics: [c.topic] }, headers: { 'content-type': V2 } })).status).toBe(204)
      const r = await h.call('GET', `/consumers/deep-${c.format}/instances/c/records?timeout=2000`, { headers: { accept: `application/vnd.kafka.${c.format}.v2+json` } })
      expect(r.status).toBe(408)
      expectErrorBody(r.body, 40801)
    }
  })

  it('a topic_pattern that backtracks exponentially on V8 runs in linear time instead of freezing the server on a long topic name (ReDoS)', async () => {
    const v2 = { 'content-type': V2 }
    expect((await h.call('POST', '/consumers/redos', { body: { name: 'c', format: 'binary' }, headers: v2 })).status).toBe(200)
    // issue 13: user patterns run on a linear-time engine, so these are accepted; what it cannot run is refused
    for (const pattern of ['(a)\\1', '(?=a)a']) {
      const r = await h.call('POST', '/consumers/redos/instances/c/subscription', { body: { topic_pattern: pattern }, headers: v2 })
      expect(r.status).toBe(400)
      expectErrorBody(r.body, 400)
    }
    for (const pattern of ['(a+)+b', '(a|a)*b', '.*.*.*.*.*x']) {
      expect((await h.call('POST', '/consumers/redos/instances/c/subscription', { body: { topic_pattern: pattern }, headers: v2 })).status).toBe(204)
    }
    // before the fix this produce (it creates the topic, which is matched against the pattern) took 25 s of blocked event loop
    const t0 = Date.now()
    const p = await h.call('POST', `/topics/${'a'.repeat(40)}`, { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(p.status).toBe(200)
    expect(Date.now() - t0).toBeLessThan(3000)
    // ordinary patterns still subscribe
    for (const pattern of ['orders-.*', '(eu|us)-events', 'logs\\.[a-z]+']) {
      expect((await h.call('POST', '/consumers/redos/instances/c/subscription', { body: { topic_pattern: pattern }, headers: v2 })).status).toBe(204)
    }
  })

  it('a JSON schema whose pattern backtracks exponentially on V8 registers and validates in linear time (ReDoS)', async () => {
    const sr = { 'content-type': 'application/vnd.schemaregistry.v1+json' }
    for (const [i, schema] of [{ type: 'string', pattern: '^(a+)+$' }, { type: 'object', patternProperties: { '(x|x)*y': { type: 'string' } } }].entries()) {
      const t0 = Date.now()
      const p = await h.call('POST', `/topics/redos-${i}`, { raw: JSON.stringify({ value_schema: JSON.stringify(schema), records: [{ value: `${'a'.repeat(40)}!` }] }), headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' } })
      expect(Date.now() - t0).toBeLessThan(3000)
      expect(p.status).toBe(400) // the value conforms to neither: refused at once
    }
    const bad = await h.call('POST', '/subjects/redos-bad-value/versions', { body: { schema: JSON.stringify({ type: 'string', pattern: '(a)\\1' }), schemaType: 'JSON' }, headers: sr })
    expect(bad.status).toBe(422)
    expectErrorBody(bad.body, 42201)
    const ok = await h.call('POST', '/subjects/redos-ok-value/versions', { body: { schema: JSON.stringify({ type: 'string', pattern: '^[a-z]+$' }), schemaType: 'JSON' }, headers: sr })
    expect(ok.status).toBe(200)
  })

  it('creating a consumer with "fetch.min.bytes": [""] answers 400 (a wrong type, not coerced since issue 16.5), not 500 (value.trim is not a function)', async () => {
    const r = await h.call('POST', '/consumers/array-config', { raw: '{"name":"x","format":"binary","fetch.min.bytes":[""]}', headers: { 'content-type': V2 } })
    expect(r.status).toBe(400)
    expectErrorBody(r.body, 400)
  })

  it('a binary produce whose value is a deeply nested array answers 400, not 500 (the error message stringified the value)', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000)
    const r = await h.call('POST', '/topics/deep-binary/partitions/0', { raw: `{"records":[{"value":${deep}}]}`, headers: { 'content-type': BINARY } })
    expect(r.status).toBe(400)
    expectErrorBody(r.body, 400)
    expect((r.body as { message: string }).message.length).toBeLessThan(200)
    const cid = h.gateway.backend.metadata.clusterId
    const v3 = await h.call('POST', `/v3/clusters/${cid}/topics/deep-binary/records`, { raw: `{"value":{"type":"STRING","data":${deep}}}`, headers: { 'content-type': 'application/json' } })
    expect(v3.status).toBe(400)
  })

  it('jsonschema produce of values valid against a recursive schema but thousands of levels deep never answers 500', async () => {
    const schema = JSON.stringify({ type: 'array', items: { $ref: '#' } })
    for (const depth of [2000, 3000, 4000, 4113, 5000, 6000, 8000, 12000]) {
      const r = await h.call('POST', '/topics/deep-js-range', { raw: `{"value_schema":${JSON.stringify(schema)},"records":[{"value":${'['.repeat(depth)}${']'.repeat(depth)}}]}`, headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' } })
      expect(r.status, `depth ${depth}`).toBeLessThan(500)
      const j = await h.call('POST', '/topics/deep-json-range', { raw: `{"records":[{"value":${'['.repeat(depth)}${']'.repeat(depth)}}]}`, headers: { 'content-type': 'application/vnd.kafka.json.v2+json' } })
      expect(j.status, `json depth ${depth}`).toBeLessThan(500)
    }
  })

  it('a 200-character topic name in the path is served, not refused with 414 by fastify\'s 100-character parameter limit', async () => {
    const name = 't'.repeat(200)
    const p = await h.call('POST', `/topics/${name}`, { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(p.status).toBe(200)
    const g = await h.call('GET', `/topics/${name}`)
    expect(g.status).toBe(200)
    expect((g.body as { name: string }).name).toBe(name)
  })

  it('a path parameter longer than 2048 characters answers 414 {error_code, message}', async () => {
    const r = await h.call('GET', `/topics/${'x'.repeat(3000)}`)
    expect(r.status).toBe(414)
    expectErrorBody(r.body, 414)
  })

  it('producing to a 247..249-character topic name works (its metadata temp file name was too long for the file system: 500)', async () => {
    for (const length of [247, 248, 249]) {
      const r = await h.call('POST', `/topics/${'x'.repeat(length)}`, { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
      expect(r.status).toBe(200)
    }
    const cid = h.gateway.backend.metadata.clusterId
    const v3 = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'y'.repeat(249), partitions_count: 1 }, headers: { 'content-type': 'application/json' } })
    expect(v3.status).toBe(201)
    const v250 = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'y'.repeat(250), partitions_count: 1 }, headers: { 'content-type': 'application/json' } })
    expect(v250.status).toBeGreaterThanOrEqual(400)
    expect(v250.status).toBeLessThan(500)
  })

  it('creating a consumer whose name is a lone UTF-16 surrogate answers 422, not 500, and creates no instance', async () => {
    const r = await h.call('POST', '/consumers/surrogates', { raw: '{"name":"\\ud800","format":"binary"}', headers: { 'content-type': V2 } })
    expect(r.status).toBe(422)
    expectErrorBody(r.body, 42204)
    const cid = h.gateway.backend.metadata.clusterId
    const consumers = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/surrogates/consumers`)
    if (consumers.status === 200) expect((consumers.body as { data: unknown[] }).data).toEqual([])
    else expect(consumers.status).toBe(404)
  })
})
