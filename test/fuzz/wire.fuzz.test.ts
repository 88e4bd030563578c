/**
 * Wire-level fuzzing over raw sockets, for what an HTTP client library refuses to send: raw bytes and NUL in the
 * request line, invalid UTF-8 in paths and headers, broken framing (Content-Length lies, bad chunking), huge
 * headers, and oversized bodies and records. Expectation: either an HTTP answer below 500 (with
 * `{error_code, message}` when it has a JSON body), or the connection closed by node's parser (its own 400) — and
 * the server keeps serving.
 */
import { connect } from 'node:net'
import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkReply, fuzzReport, fuzzRuns, sendAndCheck, startFuzzServer } from './fuzz-harness.js'
import type { FuzzServer } from './fuzz-harness.js'
import { HOSTILE_NAMES } from './arbitraries.js'

const RUNS = fuzzRuns(400)
let server: FuzzServer
let rawSent = 0
const rejections: unknown[] = []
const onRejection = (reason: unknown): void => { rejections.push(reason) }

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  server = await startFuzzServer({ 'request.body.max.bytes': 1024 * 1024, 'request.headers.timeout.ms': 2000, 'connections.max.idle.ms': 2000 })
})

afterAll(async () => {
  process.off('unhandledRejection', onRejection)
  await server?.close()
  // eslint-disable-next-line no-console
  console.info(`${fuzzReport(server, 'fuzz wire (http)', RUNS)}; ${rawSent} raw-socket requests`)
})

/** Sends raw bytes, half-closes, and collects whatever comes back until the server closes (or 10 s pass). */
async function sendRaw (bytes: Buffer): Promise<string> {
  const { hostname, port } = new URL(server.gateway.url)
  rawSent++
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks).toString('latin1')) }, 10_000)
    socket.on('data', d => { chunks.push(d) })
    socket.on('error', err => {
      // A reset after the server answered (it closes on bad framing) is fine; before any byte it is not expected.
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE') return
      clearTimeout(timer)
      reject(err)
    })
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')) })
    socket.on('connect', () => { socket.end(bytes) })
  })
}

/** Every HTTP response in `text` must be below 500, and a JSON body must be `{error_code, message}` when >= 400. */
function checkRawResponses (text: string, what: string): void {
  for (const m of text.matchAll(/HTTP\/1\.1 (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)) {
    const status = Number(m[1])
    const headers = m[2] ?? ''
    const start = (m.index ?? 0) + m[0].length
    const length = /content-length:\s*(\d+)/i.exec(headers)
    const body = length === null ? '' : text.slice(start, start + Number(length[1]))
    const problem = checkReply({ method: 'POST', path: '' }, { status, headers: {}, text: /application\/(vnd\.[a-z.0-9+-]*)?json/i.test(headers) ? body : (status >= 400 && body === '' ? '' : body) })
    // node's own parser errors answer "400 Bad Request" with no body and close: accepted as the wire's answer.
    if (problem !== undefined && !(status === 400 && body === '')) throw new Error(`${what}: ${problem}\n${text.slice(0, 500)}`)
    if (status >= 500) throw new Error(`${what}: status ${status}\n${text.slice(0, 500)}`)
  }
}

const paths = ['/topics/fuzzwire', '/v3/clusters', '/consumers/g', '/subjects/s/versions', '/']
const byteString = (maxLength: number): Arbitrary<string> => fc.uint8Array({ maxLength }).map(a => Buffer.from(a).toString('latin1'))

const rawRequest: Arbitrary<Buffer> = fc.oneof(
  // a request line with raw bytes (invalid UTF-8, NUL, CR/LF, spaces) in the path
  fc.tuple(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'BREW', 'get', ''), fc.constantFrom(...paths), byteString(40), fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''))
    .map(([m, p, junk, v]) => Buffer.from(`${m} ${p}${junk} ${v}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1')),
  // hostile names straight into the path, unencoded
  fc.tuple(fc.constantFrom(...HOSTILE_NAMES), fc.constantFrom('/topics/', '/consumers/', '/subjects/', '/config/'))
    .map(([n, p]) => Buffer.from(`GET ${p}${n} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'utf8')),
  // invalid UTF-8 in a JSON body and in header values
  fc.tuple(byteString(60), byteString(20)).map(([body, hv]) => {
    const b = Buffer.from(`{"records":[{"value":"${body}"}]}`, 'latin1')
    return Buffer.concat([Buffer.from(`POST /topics/fuzzwire HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.json.v2+json\r\nX-Junk: ${hv.replace(/[\r\n]/g, '')}\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n`, 'latin1'), b])
  }),
  // framing lies: Content-Length too small / too large / negative / twice, chunked garbage, both headers
  fc.tuple(fc.constantFrom('-1', '0', '5', '99999999999999999999', '1e3', ' 10', '10, 20', 'abc'), fc.boolean(), fc.boolean()).map(([cl, twice, chunked]) => {
    const body = '{"records":[{"value":"eA=="}]}'
    return Buffer.from(`POST /topics/fuzzwire HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\nContent-Length: ${cl}\r\n${twice ? 'Content-Length: 3\r\n' : ''}${chunked ? 'Transfer-Encoding: chunked\r\n' : ''}Connection: close\r\n\r\n${body}`, 'latin1')
  }),
  fc.tuple(fc.constantFrom('zz', '-1', 'ffffffffffffffff', '1;ext=1', '', '0x10'), byteString(30)).map(([size, data]) =>
    Buffer.from(`POST /topics/fuzzwire HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${size}\r\n${data}\r\n0\r\n\r\n`, 'latin1')),
  // many or huge headers, header names with odd bytes
  fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 40_000 })).map(([count, size]) =>
    Buffer.from(`GET /v3/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: Math.min(count, 200) }, (_, i) => `X-H${i}: v\r\n`).join('')}X-Big: ${'a'.repeat(size)}\r\nConnection: close\r\n\r\n`, 'latin1')),
  byteString(300).map(s => Buffer.from(s, 'latin1')),
)

describe('fuzz: the wire', () => {
  it('raw, malformed HTTP never gets a 5xx and never stops the server', async () => {
    await fc.assert(fc.asyncProperty(rawRequest, async bytes => {
      checkRawResponses(await sendRaw(bytes), JSON.stringify(bytes.toString('latin1').slice(0, 200)))
    }), { numRuns: RUNS })
    expect((await server.send({ method: 'GET', path: '/v3/clusters' }))?.status).toBe(200)
    expect(await server.outsideFiles()).toEqual([])
    expect(rejections).toEqual([])
  })

  it('oversized bodies and records answer 413 with {error_code, message}, and the server keeps serving', async () => {
    const big = 'A'.repeat(2 * 1024 * 1024)
    const cases = [
      { path: '/topics/fuzzwire', type: 'application/vnd.kafka.binary.v2+json', body: `{"records":[{"value":"${big}"}]}` },
      { path: '/topics/fuzzwire', type: 'application/vnd.kafka.json.v2+json', body: `{"records":[{"value":"${big}"}]}` },
      { path: `/v3/clusters/${server.gateway.backend.metadata.clusterId}/topics/fuzzwire/records`, type: 'application/json', body: `{"value":{"type":"STRING","data":"${big}"}}` },
      { path: '/subjects/big/versions', type: 'application/vnd.schemaregistry.v1+json', body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'r', doc: big, fields: [] }) }) },
      { path: '/consumers/g', type: 'application/vnd.kafka.v2+json', body: JSON.stringify({ name: big }) },
    ]
    for (const c of cases) {
      const r = await sendAndCheck(server, { method: 'POST', path: c.path, headers: { 'content-type': c.type }, body: c.body })
      expect(r?.status, c.path).toBe(413)
    }
    // a record under the body limit but over max.message.bytes (1 MiB default)
    const record = Buffer.alloc(1100 * 1024, 1).toString('base64').slice(0, 1000 * 1024)
    const r = await sendAndCheck(server, { method: 'POST', path: '/topics/fuzzwire', headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' }, body: `{"records":[{"value":"${record}"}]}` })
    expect(r?.status).toBeLessThan(500)
    expect((await server.send({ method: 'GET', path: '/v3/clusters' }))?.status).toBe(200)
  })
})
