/**
 * Limits that protect the process (issue 7): each configurable, each answered with the right status and a
 * Confluent-shaped body, over real HTTP (and raw sockets for the connection timeouts).
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { BINARY, V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const open: Harness[] = []
async function harness (overrides: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(overrides)
  open.push(h)
  await untilServing(h)
  return h
}

/** The listener may answer 503 "starting" for a moment while the gateway hands it over. */
async function untilServing (h: Harness): Promise<void> {
  const end = Date.now() + 20_000
  while ((await h.call('GET', '/v3/clusters')).status === 503) {
    if (Date.now() > end) throw new Error('gateway never became ready')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

afterEach(async () => {
  for (const h of open.splice(0)) await h.close()
})

function errorBody (body: unknown): { error_code: number, message: string } {
  expect(body).toEqual({ error_code: expect.any(Number), message: expect.any(String) })
  return body as { error_code: number, message: string }
}

async function endOffset (h: Harness, topic: string, partition = 0): Promise<number> {
  const r = await h.call('GET', `/topics/${topic}/partitions/${partition}/offsets`)
  expect(r.status).toBe(200)
  return (r.body as { end_offset: number }).end_offset
}

/** Resolves when the server closes the socket (or rejects after `deadlineMs`, generous: no timing is asserted). */
function closedBy (socket: Socket, deadlineMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`socket still open after ${deadlineMs} ms; received ${JSON.stringify(received)}`)) }, deadlineMs)
    socket.on('data', d => { received += d.toString('latin1') })
    socket.on('error', () => undefined)
    socket.on('close', () => { clearTimeout(timer); resolve(received) })
  })
}

async function rawSocket (url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return socket
}

describe('request size limits', () => {
  it('a body over request.body.max.bytes answers 413 with {error_code: 413} and writes nothing', async () => {
    const h = await harness({ 'request.body.max.bytes': 4096 })
    await h.call('POST', '/topics/big', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    const before = await endOffset(h, 'big')
    const r = await h.call('POST', '/topics/big', { raw: JSON.stringify({ records: [{ value: b64('y'.repeat(8000)) }] }), headers: { 'content-type': BINARY } })
    expect(r.status).toBe(413)
    expect(errorBody(r.body).error_code).toBe(413)
    expect(errorBody(r.body).message).toContain('request.body.max.bytes')
    expect(await endOffset(h, 'big')).toBe(before)
  })

  it('a body over request.body.max.bytes sent to the schema registry listener answers 413 with {error_code, message}', async () => {
    const h = await harness({ 'request.body.max.bytes': 4096 })
    const url = h.gateway.registryUrl
    expect(url).toBeDefined()
    const { request } = await import('undici')
    const res = await request(`${url ?? ''}/subjects/s/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'r', doc: 'd'.repeat(8000), fields: [] }) }),
    })
    expect(res.statusCode).toBe(413)
    errorBody(await res.body.json())
  })

  it('more records than produce.max.records answers 413 and writes none of them', async () => {
    const h = await harness({ 'produce.max.records': 5 })
    const ok = await h.call('POST', '/topics/many', { body: { records: Array.from({ length: 5 }, () => ({ value: b64('a') })) }, headers: { 'content-type': BINARY } })
    expect(ok.status).toBe(200)
    const r = await h.call('POST', '/topics/many', { body: { records: Array.from({ length: 6 }, () => ({ value: b64('b') })) }, headers: { 'content-type': BINARY } })
    expect(r.status).toBe(413)
    expect(errorBody(r.body).error_code).toBe(413)
    expect(errorBody(r.body).message).toContain('produce.max.records')
    expect(await endOffset(h, 'many')).toBe(5)
  })

  it('a record over the topic\'s max.message.bytes answers 413 and writes nothing', async () => {
    const h = await harness()
    const cid = h.gateway.backend.metadata.clusterId
    const created = await h.call('POST', `/v3/clusters/${cid}/topics`, {
      body: { topic_name: 'small', partitions_count: 1, configs: [{ name: 'max.message.bytes', value: '1024' }] },
      headers: { 'content-type': 'application/json' },
    })
    expect(created.status).toBe(201)
    const r = await h.call('POST', '/topics/small', { body: { records: [{ value: b64('z'.repeat(4000)) }] }, headers: { 'content-type': BINARY } })
    expect(r.status).toBe(413)
    expect(errorBody(r.body).error_code).toBe(413)
    expect(await endOffset(h, 'small')).toBe(0)
  })

  it('the broker-wide message.max.bytes default applies to auto-created topics (413)', async () => {
    const h = await harness({ 'message.max.bytes': 2048 })
    const r = await h.call('POST', '/topics/auto', { body: { records: [{ value: b64('q'.repeat(5000)) }] }, headers: { 'content-type': BINARY } })
    expect(r.status).toBe(413)
    expect(errorBody(r.body).error_code).toBe(413)
  })
})

describe('partition limit', () => {
  it('a topic create, partition increase or auto-create past partitions.max answers 400/40002 and creates nothing', async () => {
    // internal topics count too: __consumer_offsets (1 partition here) and _schemas (1)
    const h = await harness({ 'partitions.max': 10, 'offsets.topic.num.partitions': 1 })
    const cid = h.gateway.backend.metadata.clusterId
    const create = async (name: string, partitions: number): Promise<{ status: number, body: unknown }> =>
      await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: name, partitions_count: partitions }, headers: { 'content-type': 'application/json' } })
    expect((await create('a', 5)).status).toBe(201)
    const over = await create('b', 5)
    expect(over.status).toBe(400)
    expect(errorBody(over.body).error_code).toBe(40002)
    expect(errorBody(over.body).message).toContain('partitions.max')
    expect((await h.call('GET', '/topics/b')).status).toBe(404)
    const grow = await h.call('PATCH', `/v3/clusters/${cid}/topics/a`, { body: { partitions_count: 9 }, headers: { 'content-type': 'application/json' } })
    expect(grow.status).toBe(400)
    expect((await h.call('PATCH', `/v3/clusters/${cid}/topics/a`, { body: { partitions_count: 8 }, headers: { 'content-type': 'application/json' } })).status).toBe(200)
    const auto = await h.call('POST', '/topics/c', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(auto.status).toBe(400)
    expect(errorBody(auto.body).error_code).toBe(40002)
    expect((await h.call('GET', '/topics/c')).status).toBe(404)
    // deleting a topic makes room again
    expect((await h.call('DELETE', `/v3/clusters/${cid}/topics/a`)).status).toBe(204)
    expect((await h.call('POST', '/topics/c', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
  })
})

describe('consumer instance limits', () => {
  const create = async (h: Harness, group: string, name: string): Promise<{ status: number, body: unknown }> =>
    await h.call('POST', `/consumers/${group}`, { body: { name, format: 'binary' }, headers: { 'content-type': V2 } })

  it('one instance over consumer.instances.per.group.max answers 429; deleting one makes room', async () => {
    const h = await harness({ 'consumer.instances.per.group.max': 2 })
    expect((await create(h, 'g', 'a')).status).toBe(200)
    expect((await create(h, 'g', 'b')).status).toBe(200)
    const over = await create(h, 'g', 'c')
    expect(over.status).toBe(429)
    expect(errorBody(over.body).error_code).toBe(429)
    expect(errorBody(over.body).message).toContain('consumer.instances.per.group.max')
    // other groups are not affected
    expect((await create(h, 'other', 'c')).status).toBe(200)
    expect((await h.call('DELETE', '/consumers/g/instances/a', { headers: { 'content-type': V2 } })).status).toBe(204)
    expect((await create(h, 'g', 'c')).status).toBe(200)
  })

  it('one instance over consumer.instances.max on the server answers 429', async () => {
    const h = await harness({ 'consumer.instances.max': 3 })
    for (const [g, n] of [['g1', 'a'], ['g2', 'b'], ['g3', 'c']] as const) expect((await create(h, g, n)).status).toBe(200)
    const over = await create(h, 'g4', 'd')
    expect(over.status).toBe(429)
    expect(errorBody(over.body).message).toContain('consumer.instances.max')
  })

  it('a records GET over consumer.long.polls.max answers 503 at once while the others wait', async () => {
    const h = await harness({ 'consumer.long.polls.max': 2, 'consumer.request.timeout.ms': 60_000 })
    const cid = h.gateway.backend.metadata.clusterId
    expect((await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'quiet', partitions_count: 1 }, headers: { 'content-type': 'application/json' } })).status).toBe(201)
    // each waiting instance in its own group, so no rebalance disturbs the waits
    for (const g of ['p1', 'p2']) {
      expect((await h.call('POST', `/consumers/${g}`, { body: { name: 'w', format: 'binary', 'auto.offset.reset': 'earliest' }, headers: { 'content-type': V2 } })).status).toBe(200)
      expect((await h.call('POST', `/consumers/${g}/instances/w/subscription`, { body: { topics: ['quiet'] }, headers: { 'content-type': V2 } })).status).toBe(204)
    }
    // the third instance never waits itself (its own request timeout is 0)
    expect((await h.call('POST', '/consumers/p3', { body: { name: 'w', format: 'binary', 'consumer.request.timeout.ms': 0 }, headers: { 'content-type': V2 } })).status).toBe(200)
    const waiting = ['p1', 'p2'].map(g => h.call('GET', `/consumers/${g}/instances/w/records?timeout=60000`, { headers: { accept: BINARY } }))
    let busy: { status: number, body: unknown } | undefined
    const end = Date.now() + 20_000
    while (Date.now() < end) {
      const r = await h.call('GET', '/consumers/p3/instances/w/records', { headers: { accept: BINARY } })
      if (r.status === 503) { busy = r; break }
      expect(r.status).toBeLessThan(500)
    }
    expect(busy?.status).toBe(503)
    expect(errorBody(busy?.body).error_code).toBe(503)
    expect(errorBody(busy?.body).message).toContain('consumer.long.polls.max')
    // a record wakes the waiting polls; then there is room again
    expect((await h.call('POST', '/topics/quiet', { body: { records: [{ value: b64('wake') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    const woken = await Promise.all(waiting)
    expect(woken.map(r => r.status)).toEqual([200, 200])
    expect(woken.map(r => (r.body as unknown[]).length)).toEqual([1, 1])
    expect((await h.call('GET', '/consumers/p3/instances/w/records', { headers: { accept: BINARY } })).status).not.toBe(503)
  })
})

describe('connection limits', () => {
  it('a client sending its headers a byte at a time (slowloris) is disconnected after request.headers.timeout.ms', async () => {
    const h = await harness({ 'request.headers.timeout.ms': 300 })
    const socket = await rawSocket(h.url)
    const closed = closedBy(socket)
    socket.write('GET /v3/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\n')
    const drip = setInterval(() => { if (!socket.destroyed) socket.write('X') }, 50)
    try {
      await closed
    } finally {
      clearInterval(drip)
    }
    // the server still serves everyone else
    expect((await h.call('GET', '/v3/clusters')).status).toBe(200)
  })

  it('a connection that sends nothing is closed after connections.max.idle.ms', async () => {
    // The headers timeout (10 s here) would answer 408; the idle limit closes the socket silently, and sooner.
    const h = await harness({ 'connections.max.idle.ms': 300, 'request.headers.timeout.ms': 10_000 })
    const socket = await rawSocket(h.url)
    const opened = Date.now()
    const received = await closedBy(socket, 20_000)
    const openFor = Date.now() - opened
    expect(received).toBe('')
    expect(openFor).toBeGreaterThanOrEqual(250) // not refused at once: closed for being idle
    expect(openFor).toBeLessThan(9_000) // by the idle limit, not by the headers timeout
  })

  it('an idle keep-alive connection is closed after connections.keepalive.timeout.ms', async () => {
    const h = await harness({ 'connections.keepalive.timeout.ms': 200 })
    const socket = await rawSocket(h.url)
    const closed = closedBy(socket)
    socket.write('GET /v3/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
    const received = await closed
    expect(received).toMatch(/^HTTP\/1\.1 200/)
  })

  it('request.timeout.ms, request.headers.timeout.ms and connections.keepalive.timeout.ms reach the REST listener\'s server', async () => {
    const h = await harness({ 'request.timeout.ms': 45_000, 'request.headers.timeout.ms': 7000, 'connections.keepalive.timeout.ms': 1234 })
    const server = h.gateway.app.server
    expect(server.requestTimeout).toBe(45_000)
    expect(server.headersTimeout).toBe(7000)
    expect(server.keepAliveTimeout).toBe(1234)
  })

  it('a normal client is unaffected by short connection limits', async () => {
    const h = await harness({ 'request.headers.timeout.ms': 300, 'connections.max.idle.ms': 300 })
    for (let i = 0; i < 5; i++) {
      const r = await h.call('POST', '/topics/t', { body: { records: [{ value: b64(`r${i}`) }] }, headers: { 'content-type': BINARY } })
      expect(r.status).toBe(200)
    }
  })
})
