/**
 * Hostile clients against the process's memory and descriptors (issue 13.8, 13.9), asserted on krest's own
 * accounting (`app.httpLimits`), not on timings: connection caps over both listeners and per address, a minimum
 * body rate with request.timeout.ms=0, in-flight body bytes, and v3 streams whose clients never read their reports.
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const harnesses: Harness[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const h of harnesses.splice(0)) await h.close()
})
async function start (overrides: Record<string, unknown>): Promise<Harness> {
  const h = await startHarness({ 'offsets.topic.num.partitions': 1, ...overrides })
  harnesses.push(h)
  return h
}

function open (url: string): Promise<Socket> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => { resolve(s) })
    sockets.push(s)
    s.on('error', reject)
  })
}

/** Everything the server sends until it closes the connection (or `ms` pass). */
function readAll (s: Socket, ms = 5000): Promise<string> {
  return new Promise(resolve => {
    let text = ''
    const timer = setTimeout(() => { resolve(text) }, ms)
    s.on('data', (c: Buffer) => { text += c.toString() })
    s.on('close', () => { clearTimeout(timer); resolve(text) })
  })
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (what: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!what() && Date.now() < deadline) await sleep(20)
}

describe('connection limits', () => {
  it('max.connections counts both listeners; one more gets 503 and is closed; room comes back when one closes', async () => {
    const h = await start({ 'max.connections': 4 })
    const limits = h.gateway.app.httpLimits
    const held = [await open(h.url), await open(h.url), await open(h.gateway.registryUrl ?? ''), await open(h.gateway.registryUrl ?? '')]
    await until(() => limits.connections.open === 4)
    expect(limits.connections.open).toBe(4)
    const extra = await open(h.url)
    const answer = await readAll(extra)
    expect(answer).toMatch(/^HTTP\/1\.1 503/)
    expect(answer).toContain('max.connections (4) reached')
    expect(limits.connections.refused).toBe(1)
    held[0]?.destroy()
    await until(() => limits.connections.open === 3)
    const again = await open(h.url)
    again.write(`GET /healthy HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    expect(await readAll(again)).toMatch(/^HTTP\/1\.1 200/)
  })

  it('max.connections.per.ip refuses one more from the same address', async () => {
    const h = await start({ 'max.connections.per.ip': 2 })
    await open(h.url)
    await open(h.url)
    await until(() => h.gateway.app.httpLimits.connections.open === 2)
    const third = await open(h.url)
    expect(await readAll(third)).toContain('max.connections.per.ip (2) reached')
  })
})

describe('slow bodies', () => {
  it('cuts a chunked body that trickles one chunk at a time even with request.timeout.ms=0', async () => {
    const h = await start({ 'request.timeout.ms': 0, 'request.body.min.bytes.per.second': 1000, 'request.body.min.rate.window.ms': 500 })
    const s = await open(h.url)
    const answer = readAll(s, 10_000)
    s.write('POST /topics/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.json.v2+json\r\nTransfer-Encoding: chunked\r\n\r\n')
    const started = Date.now()
    const trickle = setInterval(() => { if (!s.destroyed) s.write('1\r\n \r\n') }, 100)
    const text = await answer
    clearInterval(trickle)
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    expect(text).toContain('request.body.min.bytes.per.second')
    expect(Date.now() - started).toBeLessThan(8000)
    await until(() => h.gateway.app.httpLimits.inflight.bytes === 0)
    expect(h.gateway.app.httpLimits.inflight.bytes).toBe(0)
    // a body that arrives at once is not affected
    expect((await h.call('POST', '/topics/slow', { body: { records: [{ value: { a: 1 } }] }, headers: { 'content-type': 'application/vnd.kafka.json.v2+json' } })).status).toBe(200)
  })
})

describe('in-flight body bytes', () => {
  it('refuses a body past request.inflight.max.bytes with 503 before reading it; accepts again once the first ends', async () => {
    const h = await start({ 'request.inflight.max.bytes': 1024 * 1024 })
    const limits = h.gateway.app.httpLimits
    const body = JSON.stringify({ records: [{ value: 'x'.repeat(700 * 1024) }] })
    const first = await open(h.url)
    const firstAnswer = readAll(first, 10_000)
    first.write(`POST /topics/big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.kafka.json.v2+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`)
    first.write(body.slice(0, 1000))
    await until(() => limits.inflight.bytes > 0)
    expect(limits.inflight.bytes).toBe(Buffer.byteLength(body))
    const second = await h.call('POST', '/topics/big', { raw: body, headers: { 'content-type': 'application/vnd.kafka.json.v2+json' } })
    expect(second.status).toBe(503)
    expect((second.body as { message: string }).message).toContain('request.inflight.max.bytes')
    expect(limits.inflight.bytes).toBeLessThanOrEqual(1024 * 1024)
    first.write(body.slice(1000))
    expect(await firstAnswer).toMatch(/^HTTP\/1\.1 200/)
    await until(() => limits.inflight.bytes === 0)
    expect((await h.call('POST', '/topics/big', { raw: body, headers: { 'content-type': 'application/vnd.kafka.json.v2+json' } })).status).toBe(200)
  })
})

describe('v3 streams', () => {
  async function stream (h: Harness, topic: string): Promise<Socket> {
    const s = await open(h.url)
    const cid = h.gateway.backend.metadata.clusterId
    s.write(`POST /v3/clusters/${cid}/topics/${topic}/records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`)
    return s
  }
  function chunk (text: string): string {
    return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`
  }

  it('caps open streams with 429/42901', async () => {
    const h = await start({ 'api.v3.produce.streams.max': 2 })
    const cid = h.gateway.backend.metadata.clusterId
    const a = await stream(h, 'capped')
    const b = await stream(h, 'capped')
    a.write(chunk('{"value":{"type":"JSON","data":1}}'))
    b.write(chunk('{"value":{"type":"JSON","data":2}}'))
    await until(() => h.gateway.app.httpLimits.streams.open === 2)
    const third = await h.call('POST', `/v3/clusters/${cid}/topics/capped/records`, { raw: '{"value":{"type":"JSON","data":3}}', headers: { 'content-type': 'application/json' } })
    expect(third.status).toBe(429)
    expect((third.body as { error_code: number }).error_code).toBe(42901)
    a.destroy()
    await until(() => h.gateway.app.httpLimits.streams.open === 1)
    const fourth = await h.call('POST', `/v3/clusters/${cid}/topics/capped/records`, { raw: '{"value":{"type":"JSON","data":4}}', headers: { 'content-type': 'application/json' } })
    expect(fourth.status).toBe(200)
  })

  it('bounds what streams hold when their clients never read the reports', async () => {
    const total = 256 * 1024
    const h = await start({ 'api.v3.produce.reports.max.bytes': total, 'api.v3.produce.stream.reports.max.bytes': 64 * 1024 })
    const memory = h.gateway.app.httpLimits.streams
    const record = chunk(Array.from({ length: 64 }, (_, i) => `{"value":{"type":"JSON","data":{"n":${i},"pad":"${'p'.repeat(200)}"}}}`).join(''))
    const clients = await Promise.all(Array.from({ length: 8 }, async () => await stream(h, 'unread')))
    // Each client writes as fast as krest reads (up to 4 MiB) and never reads a byte of the answer.
    await Promise.all(clients.map(async s => {
      s.pause()
      let sent = 0
      const deadline = Date.now() + 4000
      while (sent < 4 * 1024 * 1024 && Date.now() < deadline && !s.destroyed) {
        if (!s.write(record)) {
          // until krest reads more, or 200 ms (a paused stream may never drain)
          await new Promise<void>(resolve => {
            const done = (): void => { clearTimeout(timer); s.off('drain', done); resolve() }
            const timer = setTimeout(done, 200)
            s.once('drain', done)
          })
        }
        sent += record.length
      }
    }))
    await until(() => memory.open === 8)
    expect(memory.open).toBe(8)
    // Without the caps each of these streams holds up to 8 MiB of records read ahead plus its unread reports
    // (measured: 15.8 MB in total with the caps at 1 GiB; 0.7 MB with these).
    const slack = 8 * (128 * 1024)
    expect(memory.peak).toBeGreaterThan(0)
    expect(memory.peak).toBeLessThanOrEqual(total + slack)
    expect(memory.total).toBeLessThanOrEqual(total + slack)
    for (const s of clients) s.destroy()
    await until(() => memory.open === 0)
    expect(memory.total).toBe(0)
  })
})
