/**
 * Consume benchmark (issue 4): one v2 consumer instance draining a pre-filled topic over HTTP (binary and json
 * embedded formats), and long-poll wake-up latency (produce acknowledgement → the parked fetch's response).
 * The server runs in a child process pinned to core 1; this driver should run on core 0:
 *
 *   npm run bench:consume         (= taskset -c 0 node --import tsx bench/consume.ts)
 *   BENCH_RECORDS=200000 BENCH_RUNS=3 BENCH_MAX_BYTES=1048576 BENCH_IN_FLIGHT=1,2 BENCH_WAKEUPS=500 npm run bench:consume
 *
 * Baselines measured in the same run, on the server core: a bare fastify route answering the same records as a
 * pre-built array of objects (fastify serialization, no storage, no groups), and `JSON.stringify` of that array
 * (performance.md L10). Records are ~100 B values with 8 B keys. Medians of BENCH_RUNS runs after a warm-up.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { Pool } from 'undici'
import { loadShipped } from './lib/shipped.js'
import { answerDriver, startServerChild, stopServerChild, withChildCpu } from './lib/server-child.js'
import { median, percentile } from './lib/stats.js'

const SELF = fileURLToPath(import.meta.url)
const BINARY = 'application/vnd.kafka.binary.v2+json'
const JSON_V2 = 'application/vnd.kafka.json.v2+json'
const V2 = 'application/vnd.kafka.v2+json'

interface Ready { port: number, baselinePort: number, records: number, stringifyRecordsPerSec: { binary: number, json: number } }

function jsonValue (i: number): { id: number, name: string, payload: string } {
  return { id: i, name: `user-${i % 1000}`, payload: 'x'.repeat(60) }
}

function key (i: number): string {
  return `k${String(i % 10_000_000).padStart(7, '0')}`
}

/** The records a response carries, in the same shape krest answers (binary: base64 key and value). */
function responseRecords (format: 'binary' | 'json', from: number, count: number): unknown[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j
    const k = format === 'json' ? key(i) : Buffer.from(JSON.stringify(key(i))).toString('base64')
    const v = format === 'json' ? jsonValue(i) : Buffer.from(JSON.stringify(jsonValue(i))).toString('base64')
    return { topic: 'bench', key: k, value: v, partition: 0, offset: i, timestamp: 1700000000000 + i, headers: [] }
  })
}

// ---- server child -------------------------------------------------------------------------------------------

async function server (): Promise<void> {
  const { resolveConfig, startGateway } = await loadShipped()
  const total = Number(process.env.BENCH_RECORDS ?? 200_000)
  const perResponse = Number(process.env.BENCH_BASELINE_BATCH ?? 10_000)
  const dataDir = await mkdtemp(join(tmpdir(), 'krest-bench-consume-'))
  const overrides: Record<string, unknown> = {
    host: '127.0.0.1', port: 0, 'data.dir': dataDir, 'log.level': 'warn', 'schema.registry.port': -1,
    'consumer.request.timeout.ms': 30_000,
  }
  const gateway = await startGateway(resolveConfig({ env: process.env, overrides: overrides as never }))
  await gateway.backend.admin.createTopic('bench', { partitions: 1 })
  await gateway.backend.admin.createTopic('wake', { partitions: 1 })
  for (let i = 0; i < total; i += 1000) {
    const n = Math.min(1000, total - i)
    const records = Array.from({ length: n }, (_, j) => ({ key: Buffer.from(JSON.stringify(key(i + j))), value: Buffer.from(JSON.stringify(jsonValue(i + j))) }))
    await gateway.backend.producer.produce('bench', records)
  }

  // Baseline: a bare fastify route answering pre-built record arrays of the same shape and size.
  const baseline = Fastify({ logger: false })
  const prebuilt = { binary: responseRecords('binary', 0, perResponse), json: responseRecords('json', 0, perResponse) }
  baseline.get('/binary', async () => prebuilt.binary)
  baseline.get('/json', async () => prebuilt.json)
  await baseline.listen({ host: '127.0.0.1', port: 0 })

  const stringifyRate = (arr: unknown[]): number => {
    for (let i = 0; i < 3; i++) JSON.stringify(arr)
    const t0 = performance.now()
    let n = 0
    while (performance.now() - t0 < 1000) { JSON.stringify(arr); n += arr.length }
    return n / ((performance.now() - t0) / 1000)
  }
  const ready: Ready = {
    port: gateway.port,
    baselinePort: (baseline.server.address() as { port: number }).port,
    records: total,
    stringifyRecordsPerSec: { binary: stringifyRate(prebuilt.binary), json: stringifyRate(prebuilt.json) },
  }
  answerDriver(async () => {
    await baseline.close()
    await gateway.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  process.send?.(ready)
}

// ---- driver -------------------------------------------------------------------------------------------------

async function call (pool: Pool, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, accept = V2): Promise<{ status: number, json: unknown }> {
  const res = await pool.request({
    method, path, headers: { accept, ...(body === undefined ? {} : { 'content-type': V2 }) }, body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.body.text()
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) as unknown }
}

async function newInstance (pool: Pool, group: string, format: string, topics: string[], reset = 'earliest'): Promise<string> {
  const created = await call(pool, 'POST', `/consumers/${group}`, { format, 'auto.offset.reset': reset, 'auto.commit.enable': 'false' })
  if (created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.json)}`)
  const path = `/consumers/${group}/instances/${(created.json as { instance_id: string }).instance_id}`
  const sub = await call(pool, 'POST', `${path}/subscription`, { topics })
  if (sub.status !== 204) throw new Error(`subscribe failed: ${JSON.stringify(sub.json)}`)
  return path
}

/**
 * Drains `total` records with one instance; returns records/s. The client parses every response, as a real client.
 * `inFlight` > 1 keeps that many GETs outstanding (the instance answers them one after another, in order), so the
 * server prepares the next batch while the client parses the previous one.
 */
async function drainOnce (pool: Pool, format: 'binary' | 'json', total: number, maxBytes: number, run: string, inFlight: number): Promise<number> {
  const path = await newInstance(pool, `drain-${format}-${run}-${inFlight}`, format, ['bench'])
  const accept = format === 'binary' ? BINARY : JSON_V2
  let got = 0
  let done = 0
  const t0 = performance.now()
  const worker = async (): Promise<void> => {
    while (got < total) {
      const res = await pool.request({ method: 'GET', path: `${path}/records?timeout=1&max_bytes=${maxBytes}`, headers: { accept } })
      const body = await res.body.json() as unknown[]
      if (res.statusCode !== 200) throw new Error(`fetch failed: ${JSON.stringify(body)}`)
      got += body.length
      if (got >= total && done === 0) done = performance.now()
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  await call(pool, 'DELETE', path)
  return got / ((done - t0) / 1000)
}

async function baselineOnce (pool: Pool, format: 'binary' | 'json', total: number): Promise<number> {
  let got = 0
  const t0 = performance.now()
  while (got < total) {
    const res = await pool.request({ method: 'GET', path: `/${format}` })
    got += (await res.body.json() as unknown[]).length
  }
  return got / ((performance.now() - t0) / 1000)
}

async function main (): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  const maxBytes = Number(process.env.BENCH_MAX_BYTES ?? 1024 * 1024)
  const wakeups = Number(process.env.BENCH_WAKEUPS ?? 500)
  // BENCH_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof to profile it).
  const { child, ready: ready, pinned: pin } = await startServerChild<Ready>(SELF)
  const cpu = <T>(during: () => Promise<T>): Promise<{ result: T, cpuPct: number }> => withChildCpu(child, during)
  const pool = new Pool(`http://127.0.0.1:${ready.port}`, { connections: 8 })
  const basePool = new Pool(`http://127.0.0.1:${ready.baselinePort}`, { connections: 2 })
  const out: string[] = []
  out.push(`Consume benchmark: ${ready.records} records (~100 B value, 9 B key) in one partition, one instance, max_bytes=${maxBytes}, ` +
    `median of ${runs} runs after a warm-up; server ${pin ? 'pinned to core 1 (run this driver with taskset -c 0)' : 'NOT pinned (taskset missing)'}`)

  const inFlights = (process.env.BENCH_IN_FLIGHT ?? '1,2').split(',').map(Number)
  for (const format of ['binary', 'json'] as const) {
    await drainOnce(pool, format, ready.records, maxBytes, 'warm', 1)
    await baselineOnce(basePool, format, ready.records)
    const base: number[] = []
    for (let r = 0; r < runs; r++) base.push(await baselineOnce(basePool, format, ready.records))
    const b = median(base)
    const s = ready.stringifyRecordsPerSec[format]
    out.push('')
    out.push(`${format}:`)
    out.push(`  baseline (bare fastify):    ${Math.round(b)} records/s (same records pre-built, ${process.env.BENCH_BASELINE_BATCH ?? 10000} per response, one GET at a time)`)
    out.push(`  JSON.stringify bound:       ${Math.round(s)} records/s (server core)`)
    for (const inFlight of inFlights) {
      const krest: number[] = []
      const cpus: number[] = []
      for (let r = 0; r < runs; r++) {
        const { result, cpuPct } = await cpu(async () => await drainOnce(pool, format, ready.records, maxBytes, String(r), inFlight))
        krest.push(result)
        cpus.push(cpuPct)
      }
      const k = median(krest)
      const c = median(cpus)
      out.push(`  krest records GET, ${inFlight} in flight: ${Math.round(k)} records/s (runs ${Math.round(Math.min(...krest))}–${Math.round(Math.max(...krest))}), ` +
        `server CPU ${Math.round(c)}% → ${Math.round(k * 100 / c)} records per server-core-second; ` +
        `krest / baseline ${(k / b).toFixed(2)}x, krest / JSON.stringify ${(k / s).toFixed(2)}x; target ≥ 200000 records/s: ${k >= 200_000 ? 'met' : 'NOT met'}`)
    }
  }

  // Long-poll wake-up: one parked fetch; a produce; time from the produce's acknowledgement to the fetch's response.
  const wakePath = await newInstance(pool, 'wake', 'binary', ['wake'], 'latest')
  const producer = new Pool(`http://127.0.0.1:${ready.port}`, { connections: 1 })
  const ackToDelivery: number[] = []
  const sendToDelivery: number[] = []
  const body = JSON.stringify({ records: [{ value: Buffer.from('ping').toString('base64') }] })
  for (let i = 0; i < wakeups + 20; i++) {
    let delivered = 0
    const fetch = (async () => {
      const res = await pool.request({ method: 'GET', path: `${wakePath}/records?timeout=10000`, headers: { accept: BINARY } })
      const recs = await res.body.json() as unknown[]
      delivered = performance.now()
      return recs.length
    })()
    await new Promise(resolve => setTimeout(resolve, 3)) // let the fetch park
    const sent = performance.now()
    const res = await producer.request({ method: 'POST', path: '/topics/wake', headers: { 'content-type': BINARY }, body })
    await res.body.text()
    const acked = performance.now()
    const n = await fetch
    if (n !== 1) throw new Error(`wake-up fetch returned ${n} records`)
    if (i >= 20) { // warm-up
      ackToDelivery.push(delivered - acked)
      sendToDelivery.push(delivered - sent)
    }
  }
  out.push('')
  out.push(`long-poll wake-up (${wakeups} samples, one parked consumer, durable produce ack):`)
  out.push(`  produce ack → fetch response: p50 ${percentile(ackToDelivery, 0.5).toFixed(2)} ms, p99 ${percentile(ackToDelivery, 0.99).toFixed(2)} ms ` +
    `(negative: the fetch answered before the produce ack reached the client); target p99 ≤ 10 ms: ${percentile(ackToDelivery, 0.99) <= 10 ? 'met' : 'NOT met'}`)
  out.push(`  produce sent → fetch response: p50 ${percentile(sendToDelivery, 0.5).toFixed(2)} ms, p99 ${percentile(sendToDelivery, 0.99).toFixed(2)} ms (includes the produce request and its fsync)`)

  // Many parked consumers (one per group, so each gets the record): time from produce sent to each response.
  const parked = Number(process.env.BENCH_PARKED ?? 100)
  if (parked > 0) {
    await call(pool, 'POST', '/topics/wake-many', { records: [{ value: 'AA==' }] }) // auto-create, 1 partition
    const manyPool = new Pool(`http://127.0.0.1:${ready.port}`, { connections: parked + 2 })
    const paths: string[] = []
    for (let i = 0; i < parked; i++) paths.push(await newInstance(manyPool, `many-${i}`, 'binary', ['wake-many'], 'latest'))
    const all: number[] = []
    const lastOfRound: number[] = []
    const fromAck: number[] = []
    const rounds = Number(process.env.BENCH_PARKED_ROUNDS ?? 30)
    for (let round = 0; round < rounds + 3; round++) {
      const times: number[] = []
      const fetches = paths.map(async path => {
        const res = await manyPool.request({ method: 'GET', path: `${path}/records?timeout=10000`, headers: { accept: BINARY } })
        await res.body.text()
        times.push(performance.now())
      })
      await new Promise(resolve => setTimeout(resolve, 30)) // let every fetch park
      const sent = performance.now()
      const res = await producer.request({ method: 'POST', path: '/topics/wake-many', headers: { 'content-type': BINARY }, body })
      await res.body.text()
      const acked = performance.now()
      await Promise.all(fetches)
      if (round >= 3) {
        for (const t of times) all.push(t - sent)
        lastOfRound.push(Math.max(...times) - sent)
        fromAck.push(Math.max(...times) - acked)
      }
    }
    out.push(`long-poll wake-up, ${parked} parked consumers (${rounds} rounds): produce sent → each fetch response p50 ${percentile(all, 0.5).toFixed(2)} ms, ` +
      `p99 ${percentile(all, 0.99).toFixed(2)} ms; all ${parked} answered within p50 ${percentile(lastOfRound, 0.5).toFixed(2)} ms, p99 ${percentile(lastOfRound, 0.99).toFixed(2)} ms ` +
      `(from the produce ack: p50 ${percentile(fromAck, 0.5).toFixed(2)} ms, p99 ${percentile(fromAck, 0.99).toFixed(2)} ms)`)
    await manyPool.close()
  }

  await Promise.all([pool.close(), basePool.close(), producer.close()])
  await stopServerChild(child)
  process.stdout.write(out.join('\n') + '\n')
}

if (process.argv[2] === 'server') {
  await server()
} else {
  await main()
}
