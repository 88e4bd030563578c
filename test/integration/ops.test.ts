/** Operations over real HTTP: /healthy, /ready (also during a held-open recovery), /metrics after produce and consume, CORS, compression, request logs. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/load.js'
import { startGateway } from '../../src/gateway.js'
import type { Gateway } from '../../src/gateway.js'
import { LogStore } from '../../src/storage/index.js'
import { loggerOptions } from '../../src/telemetry/logger.js'
import { b64, BINARY, startHarness, V2 } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function harness (overrides: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(overrides)
  cleanups.push(() => h.close())
  return h
}

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, text: string }> {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

/** Value of one exposition line `name{labels} value`, or undefined when absent. */
function sample (text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1))
  }
  return undefined
}

describe('health and readiness', () => {
  it('answers /healthy, /ready and /status/ready on both listeners once started', async () => {
    const h = await harness()
    const registryUrl = h.gateway.registryUrl ?? ''
    for (const base of [h.url, registryUrl]) {
      expect((await get(base + '/healthy')).status).toBe(200)
      const ready = await get(base + '/ready')
      expect(ready.status).toBe(200)
      expect(JSON.parse(ready.text)).toEqual({ status: 'READY', checks: { storage: true, 'consumer-offsets': true, 'schema-registry': true, listeners: true } })
      expect((await get(base + '/status/ready')).status).toBe(200)
      expect((await get(base + '/metrics')).status).toBe(200)
    }
  })

  it('listens during a slow recovery: /healthy 200, /ready 503 with the reason, API 503; then ready', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-ops-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': 0, 'kafka.port': 0, 'data.dir': dataDir, 'log.level': 'silent' } })
    let release: () => void = () => undefined
    const held = new Promise<void>(resolve => { release = resolve })
    let urls: { url: string, registryUrl: string | undefined } | undefined
    let started: Promise<Gateway> | undefined
    const listening = new Promise<void>(resolve => {
      const starting = startGateway(config, {
        logger: false,
        onListening: u => { urls = u; resolve() },
        // The real storage engine, held open until the test lets recovery finish.
        openStore: async options => { await held; return await LogStore.open(options) },
      })
      cleanups.push(async () => { release(); await (await starting).close() })
      started = starting
    })
    await listening
    const { url, registryUrl } = urls ?? { url: '', registryUrl: undefined }
    expect((await get(url + '/healthy')).status).toBe(200)
    for (const base of [url, registryUrl ?? '']) {
      const notReady = await get(base + '/ready')
      expect(notReady.status).toBe(503)
      const body = JSON.parse(notReady.text) as { error_code: number, message: string, checks: Record<string, boolean> }
      expect(body.error_code).toBe(50302)
      expect(body.message).toMatch(/partition logs are being recovered/)
      expect(body.checks.storage).toBe(false)
    }
    const api = await request(url + '/topics', { headers: { accept: V2 } })
    expect(api.statusCode).toBe(503)
    expect(JSON.parse(await api.body.text())).toMatchObject({ error_code: 50302 })
    const scrape = await get(url + '/metrics')
    expect(scrape.status).toBe(200)
    expect(scrape.text).toContain('krest_build_info')

    release()
    const gateway = await (started as Promise<Gateway>)
    expect(gateway.url).toBe(url)
    expect((await get(url + '/ready')).status).toBe(200)
    expect((await request(url + '/topics', { headers: { accept: V2 } })).statusCode).toBe(200)

    // Shutting down: not ready any more.
    expect(gateway.readiness.report().ready).toBe(true)
    gateway.readiness.markClosing()
    const closing = await get(url + '/ready')
    expect(closing.status).toBe(503)
    expect(closing.text).toMatch(/shutting down/)
  })
})

describe('/metrics', () => {
  it('reports requests, produce/consume per topic, offsets, lag, consumer instances and fsyncs, with bounded labels', async () => {
    const h = await harness()
    const produce = await h.call('POST', '/topics/metered', { body: { records: Array.from({ length: 5 }, (_, i) => ({ value: b64(`v${i}`) })) }, headers: { 'content-type': BINARY } })
    expect(produce.status).toBe(200)
    const created = await h.call('POST', '/consumers/mg', { body: { format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' } })
    expect(created.status).toBe(200)
    const instanceId = (created.body as { instance_id: string }).instance_id
    const base = `/consumers/mg/instances/${instanceId}`
    expect((await h.call('POST', `${base}/subscription`, { body: { topics: ['metered'] } })).status).toBe(204)
    let got = 0
    for (let i = 0; i < 20 && got < 5; i++) {
      const r = await h.call('GET', `${base}/records?timeout=500`, { headers: { accept: BINARY } })
      got += (r.body as unknown[]).length
    }
    expect(got).toBe(5)
    expect((await h.call('POST', `${base}/offsets`)).status).toBe(200)
    // Three more after the commit: the group lags by three.
    expect((await h.call('POST', '/topics/metered', { body: { records: [{ value: b64('a') }, { value: b64('b') }, { value: b64('c') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)

    const m = await get(h.url + '/metrics')
    expect(m.status).toBe(200)
    expect(m.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const t = m.text
    expect(sample(t, 'krest_produce_records_total{topic="metered"}')).toBe(8)
    expect(sample(t, 'krest_produce_bytes_total{topic="metered"}')).toBeGreaterThan(0)
    expect(sample(t, 'krest_consume_records_total{topic="metered"}')).toBe(5)
    expect(sample(t, 'krest_consume_bytes_total{topic="metered"}')).toBe(10)
    expect(sample(t, 'kafka_topic_partitions{topic="metered"}')).toBe(1)
    expect(sample(t, 'kafka_topic_partition_current_offset{topic="metered",partition="0"}')).toBe(8)
    expect(sample(t, 'kafka_topic_partition_oldest_offset{topic="metered",partition="0"}')).toBe(0)
    expect(sample(t, 'kafka_consumergroup_current_offset{consumergroup="mg",topic="metered",partition="0"}')).toBe(5)
    expect(sample(t, 'kafka_consumergroup_lag{consumergroup="mg",topic="metered",partition="0"}')).toBe(3)
    expect(sample(t, 'kafka_consumergroup_lag_sum{consumergroup="mg",topic="metered"}')).toBe(3)
    expect(sample(t, 'kafka_consumergroup_current_offset_sum{consumergroup="mg",topic="metered"}')).toBe(5)
    expect(sample(t, 'kafka_consumergroup_members{consumergroup="mg"}')).toBe(1)
    // kafka_exporter's broker and replica series (issue 16 item 12): one broker, id 0, leading every partition.
    expect(sample(t, 'kafka_brokers')).toBe(1)
    expect(sample(t, 'kafka_topic_partition_leader{topic="metered",partition="0"}')).toBe(0)
    expect(sample(t, 'kafka_topic_partition_replicas{topic="metered",partition="0"}')).toBe(1)
    expect(sample(t, 'kafka_topic_partition_in_sync_replica{topic="metered",partition="0"}')).toBe(1)
    expect(sample(t, 'kafka_topic_partition_under_replicated_partition{topic="metered",partition="0"}')).toBe(0)
    expect(sample(t, 'kafka_topic_partition_leader_is_preferred{topic="metered",partition="0"}')).toBe(1)
    expect(sample(t, 'kafka_topic_partition_replicas{topic="__consumer_offsets",partition="0"}')).toBe(1)
    expect(sample(t, 'krest_consumer_instances{consumergroup="mg"}')).toBe(1)
    expect(sample(t, 'krest_log_segments{topic="metered"}')).toBe(1)
    expect(sample(t, 'krest_log_size_bytes{topic="metered"}')).toBeGreaterThan(0)
    expect(sample(t, 'krest_log_flush_duration_seconds_count')).toBeGreaterThan(0)
    expect(sample(t, 'krest_http_requests_total{surface="rest",method="POST",route="/topics/:topic",status="200"}')).toBe(2)
    expect(sample(t, 'krest_http_request_duration_seconds_count{surface="rest",method="GET",route="/consumers/:group/instances/:instance/records"}')).toBeGreaterThan(0)
    expect(t).toMatch(/^process_cpu_user_seconds_total /m)
    expect(t).toMatch(/^nodejs_eventloop_lag_seconds /m)
    // Bounded labels: never an instance id or a raw URL.
    expect(t).not.toContain(instanceId)
    expect(t).not.toContain('/topics/metered')

    // The instance leaves: the gauge follows at the next scrape; 404s share one route label.
    expect((await h.call('DELETE', base)).status).toBe(204)
    await h.call('GET', '/no/such/path/1')
    await h.call('GET', '/no/such/path/2')
    const after = (await get(h.url + '/metrics')).text
    expect(sample(after, 'krest_consumer_instances{consumergroup="mg"}')).toBeUndefined()
    expect(sample(after, 'krest_http_requests_total{surface="rest",method="GET",route="unmatched",status="404"}')).toBe(2)
  })

  it('drops per-partition series when metrics.partition.series.enable is false, keeping the sums', async () => {
    const h = await harness({ 'metrics.partition.series.enable': false })
    expect((await h.call('POST', '/topics/few', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    const t = (await get(h.url + '/metrics')).text
    expect(t).not.toMatch(/^kafka_topic_partition_current_offset\{/m)
    expect(t).not.toMatch(/^kafka_topic_partition_leader\{/m)
    expect(sample(t, 'kafka_brokers')).toBe(1)
    expect(sample(t, 'kafka_topic_partitions{topic="few"}')).toBe(1)
    expect(sample(t, 'krest_log_segments{topic="few"}')).toBe(1)
  })

  it('keeps one registry per gateway: two gateways in one process count separately', async () => {
    const a = await harness()
    const b = await harness()
    await a.call('POST', '/topics/solo', { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })
    expect(sample((await get(a.url + '/metrics')).text, 'krest_produce_records_total{topic="solo"}')).toBe(1)
    expect(sample((await get(b.url + '/metrics')).text, 'krest_produce_records_total{topic="solo"}')).toBeUndefined()
  })
})

describe('CORS and compression', () => {
  it('answers a CORS preflight for an allowed origin, and not for others', async () => {
    const h = await harness({ 'access.control.allow.origin': 'https://ui.example.com, https://other.example.com' })
    const pre = await request(h.url + '/topics/cors', {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    await pre.body.text()
    expect(pre.statusCode).toBe(204)
    expect(pre.headers['access-control-allow-origin']).toBe('https://ui.example.com')
    expect(String(pre.headers['access-control-allow-methods'])).toContain('POST')
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type')
    const simple = await request(h.url + '/topics', { headers: { origin: 'https://ui.example.com', accept: V2 } })
    await simple.body.text()
    expect(simple.headers['access-control-allow-origin']).toBe('https://ui.example.com')
    const foreign = await request(h.url + '/topics', { headers: { origin: 'https://evil.example.com', accept: V2 } })
    await foreign.body.text()
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('sends no CORS headers by default', async () => {
    const h = await harness()
    const pre = await request(h.url + '/topics', { method: 'OPTIONS', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'GET' } })
    await pre.body.text()
    expect(pre.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('compresses large responses with gzip or deflate when asked, and only then', async () => {
    const h = await harness()
    for (let i = 0; i < 40; i++) {
      expect((await h.call('POST', `/topics/compress-topic-with-a-long-name-${i}`, { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    }
    const plain = await request(h.url + '/topics', { headers: { accept: V2 } })
    const plainText = await plain.body.text()
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plainText.length).toBeGreaterThan(1024)
    const gz = await request(h.url + '/topics', { headers: { accept: V2, 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    const body = Buffer.from(await gz.body.arrayBuffer())
    expect(gunzipSync(body).toString()).toBe(plainText)
    const deflate = await request(h.url + '/topics', { headers: { accept: V2, 'accept-encoding': 'deflate' } })
    await deflate.body.arrayBuffer()
    expect(deflate.headers['content-encoding']).toBe('deflate')
  })
})

describe('logs', () => {
  it('writes one JSON line per request with the request id and redacted credentials', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-ops-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    let out = ''
    const sink = new Writable({ write (chunk: Buffer, _e, done) { out += chunk.toString(); done() } })
    const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': -1, 'kafka.port': 0, 'data.dir': dataDir, 'log.level': 'info', 'log.request.level': 'info' } })
    const gateway = await startGateway(config, { logger: loggerOptions({ level: 'info', format: 'json', isTty: false, destination: sink }) })
    cleanups.push(() => gateway.close())
    const res = await request(gateway.url + '/topics', { headers: { accept: V2, authorization: 'Basic c2VjcmV0OnNlY3JldA==', 'x-request-id': 'trace-42' } })
    await res.body.text()
    const lines = out.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, unknown>)
    const requestLines = lines.filter(l => l.msg === 'request completed')
    expect(requestLines).toHaveLength(1)
    const line = requestLines[0] as { reqId: string, request: { method: string, url: string, headers: Record<string, string> }, response: { statusCode: number } }
    expect(line.reqId).toBe('trace-42')
    expect(line.request.method).toBe('GET')
    expect(line.request.url).toBe('/topics')
    expect(line.response.statusCode).toBe(200)
    expect(line.request.headers.authorization).toBe('[Redacted]')
    expect(out).not.toContain('c2VjcmV0OnNlY3JldA==')
    // fastify's own two lines per request are off
    expect(lines.some(l => l.msg === 'incoming request')).toBe(false)
  })

  it('writes human lines instead of JSON when log.format is auto and stdout is a terminal', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-ops-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    let out = ''
    const sink = new Writable({ write (chunk: Buffer, _e, done) { out += chunk.toString(); done() } })
    const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': -1, 'kafka.port': 0, 'data.dir': dataDir } })
    const gateway = await startGateway(config, { logger: loggerOptions({ level: 'info', format: 'auto', isTty: true, destination: sink }) })
    cleanups.push(() => gateway.close())
    const res = await request(gateway.url + '/topics', { headers: { accept: V2, authorization: 'Bearer abc.def' } })
    await res.body.text()
    const line = out.split('\n').find(l => l.includes('request completed')) ?? ''
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  request completed {2}reqId=\S+ request=\{"method":"GET","url":"\/topics"/)
    expect(line).toContain('"authorization":"[Redacted]"')
    expect(out).not.toContain('abc.def')
    expect(out.split('\n').filter(l => l.startsWith('{'))).toEqual([])
  })
})
