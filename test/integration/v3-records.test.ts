/**
 * v3 produce over real HTTP (undici): single records of every type, streaming (100,000 records over one
 * connection, full duplex, reports checked in order), malformed records mid-stream, batch produce, and
 * schema-typed data objects against the schema registry. Stored records are read back from the storage engine.
 */
import { request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { Client, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'
import { endOffset, hasTopic, readPartition } from '../helpers/backend-reads.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

const JSON_CT = { 'content-type': 'application/json' }
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

interface Report {
  error_code: number
  message?: string
  cluster_id?: string
  topic_name?: string
  partition_id?: number
  offset?: number
  timestamp?: string
  key?: Record<string, unknown>
  value?: Record<string, unknown>
}

async function setup (overrides: Parameters<typeof startHarness>[0] = {}): Promise<{ harness: Harness, cid: string, base: string }> {
  h = await startHarness(overrides)
  const cid = h.gateway.backend.metadata.clusterId
  return { harness: h, cid, base: `/v3/clusters/${cid}` }
}

async function stored (harness: Harness, topic: string, partition = 0): Promise<Array<{ offset: number, timestamp: number, key: Buffer | null, value: Buffer | null, headers: Array<{ key: string, value: Buffer | null }> }>> {
  return await readPartition(harness.gateway.backend, topic, partition)
}

async function storedValues (harness: Harness, topic: string): Promise<string[]> {
  return (await stored(harness, topic)).map(r => r.value?.toString('utf8') ?? '')
}

/** Splits a streaming response body into reports (each followed by \r\n). */
function reportsOf (text: string): Report[] {
  expect(text.endsWith('\r\n') || text === '').toBe(true)
  return text.split('\r\n').filter(l => l !== '').map(l => JSON.parse(l) as Report)
}

async function produceStream (harness: Harness, path: string, chunks: string[]): Promise<{ status: number, reports: Report[] }> {
  const res = await request(harness.url + path, { method: 'POST', headers: JSON_CT, body: Readable.from(chunks.map(c => Buffer.from(c))) })
  const text = await res.body.text()
  return { status: res.statusCode, reports: reportsOf(text) }
}

describe('v3 produce: single records', () => {
  it('produces BINARY, JSON and STRING records with headers and timestamps, stored in the record batch', async () => {
    const { harness, cid, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'single', partitions_count: 1 }, headers: JSON_CT })
    const path = `${base}/topics/single/records`
    const ts = '2024-02-03T04:05:06.789Z'

    const binary = await harness.call('POST', path, {
      headers: JSON_CT,
      body: { headers: [{ name: 'h1', value: b64('v1') }, { name: 'h1', value: b64('v2') }, { name: 'nul', value: null }], key: { type: 'BINARY', data: b64('k0') }, value: { type: 'BINARY', data: b64('hello') }, timestamp: ts },
    })
    expect(binary.status).toBe(200)
    expect(binary.headers['content-type']).toMatch(/^application\/json/)
    expect(binary.body).toEqual({
      error_code: 200, cluster_id: cid, topic_name: 'single', partition_id: 0, offset: 0, timestamp: ts,
      key: { type: 'BINARY', size: 2 }, value: { type: 'BINARY', size: 5 },
    })

    const json = await harness.call('POST', path, { headers: JSON_CT, body: { value: { type: 'JSON', data: { a: [1, 'two', null] } } } })
    expect(json.status).toBe(200)
    expect(json.body).toMatchObject({ error_code: 200, offset: 1, value: { type: 'JSON', size: 20 } })
    expect(json.body).not.toHaveProperty('key')

    const str = await harness.call('POST', path, { headers: { 'content-type': 'application/json; charset=UTF-8' }, body: { key: { type: 'STRING', data: 'clé' }, value: { type: 'string', data: 'valeur' }, partition_id: 0 } })
    expect(str.status).toBe(200)
    expect(str.body).toMatchObject({ error_code: 200, offset: 2, key: { type: 'STRING', size: 4 }, value: { type: 'STRING', size: 6 } })
    const before = Date.now()
    expect(Date.parse((str.body as Report).timestamp ?? '')).toBeLessThanOrEqual(before)

    const nulls = await harness.call('POST', path, { headers: JSON_CT, body: { key: null, value: { type: 'JSON', data: null } } })
    expect(nulls.body).toMatchObject({ error_code: 200, offset: 3, value: { type: 'JSON', size: 0 } })

    const records = await stored(harness, 'single')
    expect(records).toHaveLength(4)
    const [r0, r1, r2, r3] = records
    expect(r0?.timestamp).toBe(Date.parse(ts))
    expect(r0?.key?.toString()).toBe('k0')
    expect(r0?.value?.toString()).toBe('hello')
    expect(r0?.headers.map(x => [x.key, x.value?.toString() ?? null])).toEqual([['h1', 'v1'], ['h1', 'v2'], ['nul', null]])
    expect(JSON.parse(r1?.value?.toString() ?? '')).toEqual({ a: [1, 'two', null] })
    expect(r1?.key).toBeNull()
    expect(r2?.key?.toString()).toBe('clé')
    expect(r2?.value?.toString()).toBe('valeur')
    expect(r3?.value).toBeNull()

    // and consumers get them back with timestamp and headers (v2 consumer instance)
    const V2 = 'application/vnd.kafka.v2+json'
    const created = await harness.call('POST', '/consumers/g1', { headers: { 'content-type': V2 }, body: { name: 'c1', format: 'binary', 'auto.offset.reset': 'earliest' } })
    expect(created.status).toBe(200)
    await harness.call('POST', '/consumers/g1/instances/c1/assignments', { headers: { 'content-type': V2 }, body: { partitions: [{ topic: 'single', partition: 0 }] } })
    await harness.call('POST', '/consumers/g1/instances/c1/positions/beginning', { headers: { 'content-type': V2 }, body: { partitions: [{ topic: 'single', partition: 0 }] } })
    const fetched = await harness.call('GET', '/consumers/g1/instances/c1/records?timeout=2000', { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
    expect(fetched.status).toBe(200)
    const first = (fetched.body as Array<Record<string, unknown>>)[0]
    expect(first).toMatchObject({ offset: 0, key: b64('k0'), value: b64('hello'), timestamp: Date.parse(ts) })
    expect(first?.headers).toEqual([{ name: 'h1', value: b64('v1') }, { name: 'h1', value: b64('v2') }, { name: 'nul', value: null }])
  })

  it('answers a failed single record with its own status and Confluent error body, writing nothing', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 't', partitions_count: 2 }, headers: JSON_CT })
    const path = `${base}/topics/t/records`
    const cases: Array<{ body: unknown, raw?: string, status: number, code: number, message?: RegExp, headers?: Record<string, string> }> = [
      { body: { value: { type: 'BINARY', data: 'not base64!' } }, status: 400, code: 400, message: /is not a base64 string/ },
      { body: { value: { type: 'STRING', data: 12 } }, status: 400, code: 400, message: /is not a string/ },
      { body: { records: [{ value: 'x' }] }, status: 400, code: 400, message: /Unrecognized field "records"/ },
      { body: { value: { type: 'JSON', data: 1, extra: true } }, status: 400, code: 400, message: /Unrecognized field "extra"/ },
      { body: { value: { type: 'NOPE', data: 1 } }, status: 400, code: 400 },
      { body: { value: { type: 'AVRO', schema_id: 1, data: 1 } }, status: 400, code: 400, message: /type cannot be set together with schema_id/ },
      { body: { value: { subject: 's', subject_name_strategy: 'TOPIC_NAME', data: 1 } }, status: 400, code: 400 },
      { body: { value: { schema_id: 1, schema_version: 1, data: 1 } }, status: 400, code: 400 },
      { body: { partition_id: -1, value: { type: 'JSON', data: 1 } }, status: 404, code: 40402 },
      { body: { partition_id: 7, value: { type: 'JSON', data: 1 } }, status: 404, code: 40402 },
      { body: { timestamp: 'yesterday', value: { type: 'JSON', data: 1 } }, status: 400, code: 400 },
      { body: { value: { type: 'PROTOBUF', data: {} } }, status: 422, code: 42206 },
      { body: { value: { data: 'x' } }, status: 422, code: 42207, message: /t-value/ },
      { body: [], status: 400, code: 400 },
      { body: undefined, raw: '{"value": {"type": "JSON", "data": }}', status: 400, code: 400, message: /Error processing JSON/ },
      { body: undefined, raw: '   ', status: 422, code: 42206 },
      { body: { value: { type: 'JSON', data: 1 } }, status: 415, code: 415, headers: { 'content-type': 'text/plain' } },
      { body: { value: { type: 'JSON', data: 1 } }, status: 400, code: 400, headers: { 'content-type': 'application/json; charset=UTF-16' } },
    ]
    for (const c of cases) {
      const res = await harness.call('POST', path, { headers: c.headers ?? JSON_CT, ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }) })
      const label = c.raw ?? JSON.stringify(c.body)
      expect(res.status, label).toBe(c.status)
      expect((res.body as Report).error_code, label).toBe(c.code)
      expect(typeof (res.body as Report).message, label).toBe('string')
      if (c.message !== undefined) expect((res.body as Report).message, label).toMatch(c.message)
    }
    const empty = await harness.call('POST', path, { headers: JSON_CT })
    expect(empty.status).toBe(422)
    expect((empty.body as Report).error_code).toBe(42206)
    const otherCluster = await harness.call('POST', '/v3/clusters/nope/topics/t/records', { headers: JSON_CT, body: { value: { type: 'JSON', data: 1 } } })
    expect(otherCluster.status).toBe(404)
    expect(otherCluster.body).toEqual({ error_code: 404, message: 'Cluster nope cannot be found.' })
    expect(await stored(harness, 't', 0)).toHaveLength(0)
    expect(await stored(harness, 't', 1)).toHaveLength(0)
  })

  it('auto-creates a missing topic, or 404/40401 when auto-creation is off', async () => {
    const { harness, base } = await setup({ 'auto.create.topics.enable': false })
    const res = await harness.call('POST', `${base}/topics/missing/records`, { headers: JSON_CT, body: { value: { type: 'JSON', data: 1 } } })
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error_code: 40401, message: 'Topic not found.' })
  })
})

describe('v3 produce: streaming', () => {
  it('streams 100,000 records over one connection, full duplex, with one report per record in order', async () => {
    const { harness, cid, base } = await setup({ 'log.flush.interval.ms': 1000 })
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'stream', partitions_count: 1 }, headers: JSON_CT })
    const total = 100_000
    const client = new Client(harness.url, { pipelining: 0 })
    try {
      // Full duplex: the first records are sent one at a time, each only after the previous one's report came back.
      let received = 0
      let gotReport: (() => void) | undefined
      async function * body (): AsyncGenerator<Buffer> {
        for (let i = 0; i < 5; i++) {
          const seen = new Promise<void>(resolve => { gotReport = resolve })
          yield Buffer.from(JSON.stringify({ key: { type: 'STRING', data: `k${i}` }, value: { type: 'JSON', data: { i } } }))
          await seen
        }
        let batch = ''
        for (let i = 5; i < total; i++) {
          batch += JSON.stringify({ headers: [{ name: 'n', value: b64(String(i)) }], value: { type: 'JSON', data: { i } } })
          if (i % 2 === 0) batch += '\n' // any whitespace, or none, between records
          if (batch.length > 16_000) { yield Buffer.from(batch); batch = '' }
        }
        if (batch !== '') yield Buffer.from(batch)
      }
      const res = await client.request({ method: 'POST', path: `${base}/topics/stream/records`, headers: JSON_CT, body: Readable.from(body()) })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      let rest = ''
      let expected = 0
      for await (const chunk of res.body) {
        rest += (chunk as Buffer).toString('utf8')
        let nl: number
        while ((nl = rest.indexOf('\r\n')) !== -1) {
          const report = JSON.parse(rest.slice(0, nl)) as Report
          rest = rest.slice(nl + 2)
          if (report.error_code !== 200 || report.offset !== expected || report.partition_id !== 0 || report.topic_name !== 'stream' || report.cluster_id !== cid) {
            expect(report, `report ${expected}`).toMatchObject({ error_code: 200, offset: expected, partition_id: 0, topic_name: 'stream', cluster_id: cid })
          }
          expected++
          received++
          gotReport?.()
        }
      }
      expect(rest).toBe('')
      expect(received).toBe(total)
    } finally {
      await client.close()
    }
    const records = await stored(harness, 'stream')
    expect(records).toHaveLength(total)
    expect(records[3]?.key?.toString()).toBe('k3')
    expect(JSON.parse(records[99_999]?.value?.toString() ?? '')).toEqual({ i: 99_999 })
    expect(records[777]?.headers[0]?.value?.toString()).toBe('777')
  }, 120_000)

  it('reports a bad record in the stream and goes on; malformed JSON gets one 400 report and ends the stream', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 's2', partitions_count: 1 }, headers: JSON_CT })
    const path = `${base}/topics/s2/records`
    const ok = (i: number): string => JSON.stringify({ value: { type: 'JSON', data: i } })
    const { status, reports } = await produceStream(harness, path, [
      ok(0), ok(1),
      '{"value": {"type": "BINARY", "data": "***"}}', // bad data: its own report
      '{"unknown": 1}', // unknown field: its own report
      '{"value": {"type": "AVRO", "schema": "{\\"type\\": \\"string\\"}", "data": "x", "subject": "s2-value"}}{"value": {"type": "JSONSCHEMA", "schema_id": 1, "data": 1}}',
      '{"partition_id": 5, "value": {"type": "JSON", "data": 1}}',
      ok(2).slice(0, 10), ok(2).slice(10), // a record split across chunks
      '{"value": {"type": "JSON", "data": }}', // malformed JSON: ends the stream
      ok(3), ok(4),
    ])
    expect(status).toBe(200)
    expect(reports.map(r => r.error_code)).toEqual([200, 200, 400, 400, 200, 400, 40402, 200, 400])
    expect(reports[0]?.offset).toBe(0)
    expect(reports[1]?.offset).toBe(1)
    expect(reports[2]?.message).toMatch(/base64/)
    expect(reports[3]?.message).toMatch(/Unrecognized field "unknown"/)
    expect(reports[4]).toMatchObject({ offset: 2, value: { type: 'AVRO', subject: 's2-value', schema_version: 1 } })
    expect(reports[6]?.message).toBe('Partition not found.')
    expect(reports[7]?.offset).toBe(3)
    expect(reports[8]?.message).toMatch(/Error processing JSON/)
    expect(await stored(harness, 's2')).toHaveLength(4)
  })

  it('answers records that share a chunk with a malformed or non-ASCII one exactly as if each came alone', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 's3', partitions_count: 1 }, headers: JSON_CT })
    const path = `${base}/topics/s3/records`
    const rec = (data: unknown): string => JSON.stringify({ value: { type: 'JSON', data } })
    // one chunk: good records, a non-ASCII one, a bad field, then malformed JSON and records after it (never answered)
    const chunk = rec(0) + '\n' + rec('héllo €') + rec({ a: [1, 2] }) + ' {"nope": 1}' + rec(1) + '{"value": {"type": "JSON", "data": tru}}' + rec(2) + rec(3)
    const { status, reports } = await produceStream(harness, path, [chunk])
    expect(status).toBe(200)
    expect(reports.map(r => r.error_code)).toEqual([200, 200, 200, 400, 200, 400])
    expect(reports[4]?.offset).toBe(3)
    expect(reports[5]?.message).toMatch(/Error processing JSON/)
    const values = (await stored(harness, 's3')).map(r => JSON.parse(r.value?.toString('utf8') ?? 'null') as unknown)
    expect(values).toEqual([0, 'héllo €', { a: [1, 2] }, 1])
    expect(reports[1]?.value).toEqual({ type: 'JSON', size: Buffer.byteLength(JSON.stringify('héllo €')) })
  })

  it('ends the stream after malformed JSON in a chunk of more records than one produce step takes', async () => {
    const { harness, base } = await setup()
    const rec = (i: number): string => JSON.stringify({ value: { type: 'JSON', data: i } })
    // one chunk of 3000 records (steps take at most 1024), the 11th one malformed
    const records = Array.from({ length: 3000 }, (_, i) => i === 10 ? '{"value": {"type": "JSON", "data": }}' : rec(i))
    const { status, reports } = await produceStream(harness, `${base}/topics/big/records`, [records.join('')])
    expect(status).toBe(200)
    expect(reports).toHaveLength(11)
    expect(reports.slice(0, 10).map(r => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(reports[10]?.error_code).toBe(400)
    expect(await stored(harness, 'big')).toHaveLength(10)
  }, 20_000)

  it('answers any mix of records, however chunked, in order, and ends after the first malformed one', async () => {
    const { harness, base } = await setup()
    const kinds = ['ok', 'okText', 'badField', 'badBase64', 'notObject'] as const
    const text = (kind: typeof kinds[number], i: number): string => {
      switch (kind) {
        case 'ok': return JSON.stringify({ value: { type: 'JSON', data: { i } } })
        case 'okText': return JSON.stringify({ key: { type: 'STRING', data: `clé-${i}` }, value: { type: 'JSON', data: 'Zürich' } })
        case 'badField': return JSON.stringify({ value: { type: 'JSON', data: i }, nope: 1 })
        case 'badBase64': return JSON.stringify({ value: { type: 'BINARY', data: '***' } })
        case 'notObject': return `[${i}]`
      }
    }
    let run = 0
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 2500, size: 'max' }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.constantFrom('', '\n', ' \r\n'),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (records, malformedAt, separator, cuts) => {
        const topic = `mix-${run++}`
        const bad = malformedAt === undefined ? undefined : malformedAt % (records.length + 1)
        const texts = records.map((k, i) => text(k, i))
        if (bad !== undefined) texts.splice(bad, 0, '{"value": {"type": "JSON", "data": ]}')
        const body = Buffer.from(texts.join(separator) + separator)
        const points = [...new Set(cuts.map(c => c % (body.length + 1)))].sort((a, b) => a - b)
        const chunks: string[] = []
        let prev = 0
        for (const p of [...points, body.length]) { chunks.push(body.subarray(prev, p).toString('latin1')); prev = p }
        const res = await request(`${harness.url}${base}/topics/${topic}/records`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: Readable.from(chunks.filter(c => c !== '').map(c => Buffer.from(c, 'latin1'))),
          bodyTimeout: 10_000, // a stream that never ends fails the property (and shrinks) instead of the test timing out
        })
        const reports = reportsOf(await res.body.text())
        const answered = bad === undefined ? records : records.slice(0, bad)
        expect(reports).toHaveLength(answered.length + (bad === undefined ? 0 : 1))
        let offset = 0
        for (const [i, kind] of answered.entries()) {
          const r = reports[i] as Report
          if (kind === 'ok' || kind === 'okText') expect(r).toMatchObject({ error_code: 200, offset: offset++ })
          else expect(r.error_code).toBe(400)
        }
        if (bad !== undefined) expect(reports[answered.length]?.message).toMatch(/Error processing JSON/)
        const stored = offset === 0 ? [] : await storedValues(harness, topic)
        expect(stored).toHaveLength(offset)
      }), { numRuns: 20 })
  }, 120_000)

  it('runs many streams at once within the shared in-flight budget: every record answered once, offsets unique', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'many', partitions_count: 2 }, headers: JSON_CT })
    const streams = 8
    const perStream = 3000 // 8 streams x up to 2 steps of 1024 records exceed the budget of 4096: some wait for it
    const results = await Promise.all(Array.from({ length: streams }, async (_, s) => {
      const body = Array.from({ length: perStream }, (_, i) => JSON.stringify({ partition_id: i % 2, value: { type: 'JSON', data: { s, i } } })).join('')
      const half = body.length >> 1
      return await produceStream(harness, `${base}/topics/many/records`, [body.slice(0, half), body.slice(half)])
    }))
    const seen = new Set<string>()
    for (const { status, reports } of results) {
      expect(status).toBe(200)
      expect(reports).toHaveLength(perStream)
      for (const [i, r] of reports.entries()) {
        expect(r).toMatchObject({ error_code: 200, partition_id: i % 2 })
        seen.add(`${r.partition_id}:${r.offset}`)
      }
    }
    expect(seen.size).toBe(streams * perStream)
    expect((await stored(harness, 'many', 0)).length + (await stored(harness, 'many', 1)).length).toBe(streams * perStream)
  }, 60_000)

  it('several records in a Content-Length body are answered as a stream; constraint errors read "Error: 422xx"', async () => {
    const { harness, base } = await setup()
    const res = await harness.call('POST', `${base}/topics/cl/records`, {
      headers: JSON_CT,
      raw: '{"value": {"type": "JSON", "data": 1}} {"value": {"type": "PROTOBUF", "data": {}}}',
    })
    expect(res.status).toBe(200)
    const reports = reportsOf(res.text)
    expect(reports[0]).toMatchObject({ error_code: 200, offset: 0 })
    expect(reports[1]?.error_code).toBe(422)
    expect(reports[1]?.message).toMatch(/^Error: 42206 : /)
  })

  it('pauses reading while the client does not read its reports (bounded server memory), and finishes when it does', async () => {
    const { harness, base } = await setup({ 'log.flush.interval.ms': 1000 })
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'slow', partitions_count: 1 }, headers: JSON_CT })
    // far more than the server buffers (16,384 records) plus what loopback socket buffers hold
    const total = 200_000
    const perChunk = 500
    let chunk = ''
    for (let j = 0; j < perChunk; j++) chunk += JSON.stringify({ value: { type: 'STRING', data: 'x'.repeat(100) } })
    const url = new URL(`${harness.url}${base}/topics/slow/records`)
    // node:http here, whose paused response stops reading the socket (a client that does not read its reports)
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...JSON_CT, 'transfer-encoding': 'chunked' } })
    const response = new Promise<IncomingMessage>(resolve => { req.once('response', resolve) })
    req.flushHeaders()
    const res = await response
    expect(res.statusCode).toBe(200)
    res.pause()
    // write until the server stops taking the body (the socket stays full for a while)
    let sent = 0
    while (sent < total) {
      sent += perChunk
      if (!req.write(chunk)) {
        const drained = await Promise.race([
          new Promise<boolean>(resolve => { req.once('drain', () => { resolve(true) }) }),
          new Promise<boolean>(resolve => setTimeout(() => { resolve(false) }, 1500)),
        ])
        if (!drained) break
      }
    }
    expect(sent).toBeLessThan(total)
    expect((await endOffset(harness.gateway.backend, 'slow', 0))).toBeLessThan(total)
    // now read the reports, and send the rest
    let reports = ''
    res.setEncoding('utf8')
    res.on('data', (d: string) => { reports += d })
    const ended = new Promise<void>(resolve => { res.once('end', resolve) })
    res.resume()
    while (sent < total) {
      sent += perChunk
      if (!req.write(chunk)) await new Promise(resolve => req.once('drain', resolve))
    }
    req.end()
    await ended
    expect(reportsOf(reports).filter(r => r.error_code === 200)).toHaveLength(total)
    expect((await endOffset(harness.gateway.backend, 'slow', 0))).toBe(total)
  }, 120_000)

  it('gives each record after streaming.connection.max.duration.ms a 408 report and closes the stream', async () => {
    const { harness, base } = await setup({ 'streaming.connection.max.duration.ms': 200, 'streaming.connection.max.duration.grace.period.ms': 100 })
    let stop = false
    async function * body (): AsyncGenerator<Buffer> {
      yield Buffer.from(JSON.stringify({ value: { type: 'JSON', data: 0 } }))
      await new Promise(resolve => setTimeout(resolve, 400))
      // past the limit: these get 408, and the stream is closed although the client goes on writing
      for (let i = 1; !stop && i < 200; i++) {
        yield Buffer.from(JSON.stringify({ value: { type: 'JSON', data: i } }))
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
    const res = await request(`${harness.url}${base}/topics/dur/records`, { method: 'POST', headers: JSON_CT, body: Readable.from(body()) })
    const reports = reportsOf(await res.body.text())
    stop = true
    expect(reports[0]).toMatchObject({ error_code: 200, offset: 0 })
    expect(reports.length).toBeGreaterThan(1)
    expect(reports.length).toBeLessThan(199)
    for (const r of reports.slice(1)) expect(r).toEqual({ error_code: 408, message: 'Streaming connection open for longer than allowed: Connection will be closed.' })
    expect(await stored(harness, 'dur')).toHaveLength(1)
  })
})

describe('v3 produce: batch', () => {
  it('answers 207 with successes and failures per entry', async () => {
    const { harness, cid, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'b', partitions_count: 2 }, headers: JSON_CT })
    const res = await harness.call('POST', `${base}/topics/b/records:batch`, {
      headers: JSON_CT,
      body: {
        entries: [
          { id: 'a', partition_id: 1, value: { type: 'JSON', data: { n: 1 } }, headers: [{ name: 'x', value: b64('y') }], timestamp: '2023-01-01T00:00:00.000Z' },
          { id: 'b', value: { type: 'BINARY', data: '%%%' } },
          { id: 'c', partition_id: 9, value: { type: 'JSON', data: 3 } },
          { id: 'd', partition_id: 1, key: { type: 'STRING', data: 'k' }, value: { type: 'STRING', data: 'v' } },
          { id: 'e', value: { type: 'PROTOBUF', data: 1 } },
        ],
      },
    })
    expect(res.status).toBe(207)
    expect(res.body).toEqual({
      successes: [
        { id: 'a', cluster_id: cid, topic_name: 'b', partition_id: 1, offset: 0, timestamp: '2023-01-01T00:00:00.000Z', value: { type: 'JSON', size: 7 } },
        { id: 'd', cluster_id: cid, topic_name: 'b', partition_id: 1, offset: 1, timestamp: expect.any(String) as string, key: { type: 'STRING', size: 1 }, value: { type: 'STRING', size: 1 } },
      ],
      failures: [
        { id: 'b', error_code: 400, message: expect.stringMatching(/base64/) as string },
        { id: 'c', error_code: 40402, message: 'Partition not found.' },
        { id: 'e', error_code: 422, message: expect.stringMatching(/^Error: 42206 : /) as string },
      ],
    })
    const records = await stored(harness, 'b', 1)
    expect(records.map(r => r.value?.toString())).toEqual(['{"n":1}', 'v'])
    expect(records[0]?.headers[0]?.value?.toString()).toBe('y')
    expect(records[0]?.timestamp).toBe(Date.parse('2023-01-01T00:00:00.000Z'))
  })

  it('refuses empty, oversized and ambiguous batches with 422/42208 and bad fields with 400', async () => {
    const { harness, base } = await setup({ 'api.v3.produce.batch.maximum.entries': 3 })
    const path = `${base}/topics/b2/records:batch`
    const entry = (id: unknown): Record<string, unknown> => ({ id, value: { type: 'JSON', data: 1 } })
    const cases: Array<{ body?: unknown, raw?: string, status: number, code: number }> = [
      { body: { entries: [] }, status: 422, code: 42208 },
      { body: {}, status: 422, code: 42208 },
      { raw: '', status: 422, code: 42208 },
      { body: { entries: [entry('1'), entry('2'), entry('3'), entry('4')] }, status: 422, code: 42208 },
      { body: { entries: [entry('1'), entry('1')] }, status: 422, code: 42208 },
      { body: { entries: [entry('')] }, status: 422, code: 42208 },
      { body: { entries: [entry('x'.repeat(81))] }, status: 422, code: 42208 },
      { body: { entries: [entry(7)] }, status: 422, code: 42208 },
      { body: { entries: [{ ...entry('1'), bogus: 1 }] }, status: 400, code: 400 },
      { body: { entries: [entry('1')], more: 1 }, status: 400, code: 400 },
      { raw: '{"entries": [', status: 400, code: 400 },
    ]
    for (const c of cases) {
      const res = await harness.call('POST', path, { headers: JSON_CT, ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }) })
      const label = c.raw ?? JSON.stringify(c.body)
      expect(res.status, label).toBe(c.status)
      expect((res.body as Report).error_code, label).toBe(c.code)
    }
    expect((await hasTopic(harness.gateway.backend, 'b2'))).toBeFalsy()
  })
})

describe('v3 produce: schema-typed data objects', () => {
  it('serializes with the registry: raw schema, schema_id, schema_version, latest, subject and strategies', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'orders', partitions_count: 1 }, headers: JSON_CT })
    const path = `${base}/topics/orders/records`
    const SR = { 'content-type': 'application/vnd.schemaregistry.v1+json' }
    const v1 = { type: 'record', name: 'Order', namespace: 'shop', fields: [{ name: 'id', type: 'long' }] }
    const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] }
    const reg1 = await harness.call('POST', '/subjects/orders-value/versions', { headers: SR, body: { schema: JSON.stringify(v1) } })
    const reg2 = await harness.call('POST', '/subjects/orders-value/versions', { headers: SR, body: { schema: JSON.stringify(v2) } })
    const id1 = (reg1.body as { id: number }).id
    const id2 = (reg2.body as { id: number }).id
    expect(id2).not.toBe(id1)

    const latest = await harness.call('POST', path, { headers: JSON_CT, body: { value: { data: { id: 1, note: { string: 'hi' } } } } })
    expect(latest.status).toBe(200)
    expect((latest.body as Report).value).toEqual({ type: 'AVRO', subject: 'orders-value', schema_id: id2, schema_version: 2, size: expect.any(Number) as number })

    const byId = await harness.call('POST', path, { headers: JSON_CT, body: { value: { schema_id: id1, data: { id: 2 } } } })
    expect((byId.body as Report).value).toMatchObject({ type: 'AVRO', schema_id: id1, schema_version: 1 })
    const byVersion = await harness.call('POST', path, { headers: JSON_CT, body: { value: { schema_version: 1, data: { id: 3 } } } })
    expect((byVersion.body as Report).value).toMatchObject({ schema_id: id1, schema_version: 1 })

    // raw JSON Schema key under an explicit subject, registered on first use; RECORD_NAME strategy for a value
    const keySchema = JSON.stringify({ type: 'object', title: 'OrderKey', properties: { k: { type: 'string' } }, required: ['k'] })
    const raw = await harness.call('POST', path, {
      headers: JSON_CT,
      body: { key: { type: 'JSONSCHEMA', subject: 'order-keys', schema: keySchema, data: { k: 'a' } }, value: { type: 'AVRO', subject_name_strategy: 'RECORD_NAME', schema: JSON.stringify(v1), data: { id: 4 } } },
    })
    expect(raw.status).toBe(200)
    const rawReport = raw.body as Report
    expect(rawReport.key).toMatchObject({ type: 'JSONSCHEMA', subject: 'order-keys', schema_version: 1 })
    expect(rawReport.value).toMatchObject({ type: 'AVRO', subject: 'shop.Order', schema_id: id1, schema_version: 1 })
    const keyIds = await harness.call('GET', '/subjects/order-keys/versions/1', { headers: SR })
    expect((keyIds.body as { id: number }).id).toBe(rawReport.key?.schema_id)

    // stored in the Confluent wire format: 0x00, the schema id, then the payload
    const records = await stored(harness, 'orders')
    expect(records).toHaveLength(4)
    expect(records[0]?.value?.[0]).toBe(0)
    expect(records[0]?.value?.readInt32BE(1)).toBe(id2)
    expect(records[3]?.key?.readInt32BE(1)).toBe(rawReport.key?.schema_id)
    expect(JSON.parse(records[3]?.key?.subarray(5).toString() ?? '')).toEqual({ k: 'a' })

    // data that does not fit, unknown ids and subjects: 4xx, nothing written
    const misfit = await harness.call('POST', path, { headers: JSON_CT, body: { value: { data: { id: 'not a long' } } } })
    expect(misfit.status).toBe(400)
    const badKey = await harness.call('POST', path, { headers: JSON_CT, body: { key: { type: 'JSONSCHEMA', subject: 'order-keys', data: { nope: 1 } } } })
    expect(badKey.status).toBe(400)
    const unknownId = await harness.call('POST', path, { headers: JSON_CT, body: { value: { schema_id: 999, data: { id: 1 } } } })
    expect(unknownId.status).toBe(422)
    expect((unknownId.body as Report).error_code).toBe(42207)
    const badSchema = await harness.call('POST', path, { headers: JSON_CT, body: { value: { type: 'AVRO', schema: '{"type": "nope"}', data: 1 } } })
    expect(badSchema.status).toBe(422)
    expect((badSchema.body as Report).error_code).toBe(42205)
    const wrongType = await harness.call('POST', path, { headers: JSON_CT, body: { value: { type: 'JSONSCHEMA', data: { id: 1 } } } })
    expect(wrongType.status).toBe(400)
    expect(await stored(harness, 'orders')).toHaveLength(4)
  })
})
