/**
 * HTTP produce benchmark: krest's v2 produce route against a baseline — an empty fastify route with the same
 * content-type parsing — both served by one server process, with autocannon on loopback as the load generator.
 * Server and load generator are pinned to separate cores (taskset) when possible.
 *
 *   npm run bench:http            (taskset -c 0 for this driver; the server child runs on core 1)
 *   BENCH_DURATION=5 BENCH_RUNS=3 BENCH_CONNECTIONS=50 npm run bench:http
 *
 * Prints, for single-record and 100-record requests: requests/s, records/s, p99 latency and the ratio to the
 * baseline (medians of BENCH_RUNS runs after a warm-up), plus server CPU use. The flush policy is krest's default
 * (fsync before acknowledging) unless KREST_LOG_FLUSH_INTERVAL_MS says otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { Options as CannonOptions, Result as CannonResult } from 'autocannon'
import Fastify from 'fastify'
import { loadShipped } from './lib/shipped.js'
import { KAFKA_MEDIA_TYPE } from '../src/http/media-types.js'
import { answerDriver, startServerChild, stopServerChild, withChildCpu } from './lib/server-child.js'
import { median } from './lib/stats.js'

const SELF = fileURLToPath(import.meta.url)
/** BENCH_FORMAT=json (default: values are JSON objects) or binary (values are base64 of the same JSON bytes). */
const FORMAT = process.env.BENCH_FORMAT === 'binary' ? 'binary' : 'json'
const CONTENT_TYPE = `application/vnd.kafka.${FORMAT}.v2+json`

interface Ports { baseline: number, krest: number }

// ---- server child -------------------------------------------------------------------------------------------

async function server (): Promise<void> {
  const { resolveConfig, startGateway } = await loadShipped()
  const baseline = Fastify({ logger: false })
  baseline.addContentTypeParser(KAFKA_MEDIA_TYPE, { parseAs: 'string' }, baseline.getDefaultJsonParser('error', 'error'))
  baseline.post('/topics/:topic', async () => ({}))
  await baseline.listen({ host: '127.0.0.1', port: 0 })

  const dataDir = await mkdtemp(join(tmpdir(), 'krest-bench-http-'))
  const overrides: Record<string, unknown> = { host: '127.0.0.1', port: 0, 'data.dir': dataDir, 'log.level': 'warn' }
  const config = resolveConfig({ env: process.env, overrides: overrides as never })
  const gateway = await startGateway(config)
  await gateway.backend.admin.createTopic('bench', { partitions: 1 })

  const ports: Ports = {
    baseline: (baseline.server.address() as { port: number }).port,
    krest: gateway.port,
  }
  answerDriver(async () => {
    await baseline.close()
    await gateway.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  process.send?.(ports)
}

// ---- driver -------------------------------------------------------------------------------------------------

function record (i: number): { value: unknown } {
  const value = { id: i, name: `user-${i % 1000}`, payload: 'x'.repeat(60) }
  return { value: FORMAT === 'json' ? value : Buffer.from(JSON.stringify(value)).toString('base64') }
}

interface RunResult { rps: number, p99: number, cpuPct: number, errors: number }

async function main (): Promise<void> {
  const duration = Number(process.env.BENCH_DURATION ?? 5)
  const runs = Number(process.env.BENCH_RUNS ?? 3)
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
  // BENCH_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof to profile it).
  const { child, ready: ports, pinned: pin } = await startServerChild<Ports>(SELF)
  const cpu = (during: () => Promise<CannonResult>): Promise<{ result: CannonResult, cpuPct: number }> => withChildCpu(child, during)

  const out: string[] = []
  out.push(`HTTP produce benchmark (${FORMAT} format, ~90-byte values): ${connections} connections, ${duration} s per run, median of ${runs} runs; ` +
    `server ${pin ? 'pinned to core 1, load generator to core 0 (if started with taskset -c 0)' : 'NOT pinned (taskset missing)'}; ` +
    `flush policy log.flush.interval.ms=${process.env.KREST_LOG_FLUSH_INTERVAL_MS ?? '0 (fsync before ack)'}`)

  const batches = (process.env.BENCH_BATCHES ?? '1,100').split(',').map(Number)
  for (const batch of batches) {
    const body = JSON.stringify({ records: Array.from({ length: batch }, (_, i) => record(i)) })
    const target = (port: number): CannonOptions => ({
      url: `http://127.0.0.1:${port}/topics/bench`, connections, duration, method: 'POST',
      headers: { 'content-type': CONTENT_TYPE }, body,
    })
    // BENCH_TARGETS=krest measures krest alone (for profiling the server with BENCH_NODE_ARGS=--cpu-prof).
    const targets = (process.env.BENCH_TARGETS ?? 'baseline,krest').split(',').filter((t): t is 'baseline' | 'krest' => t === 'baseline' || t === 'krest')
    for (const which of targets) await autocannon({ ...target(ports[which]), duration: 2 }) // warm-up
    const results: Record<'baseline' | 'krest', RunResult[]> = { baseline: [], krest: [] }
    for (let r = 0; r < runs; r++) {
      for (const which of targets) {
        const { result, cpuPct } = await cpu(async () => await autocannon(target(ports[which])))
        results[which].push({ rps: result.requests.average, p99: result.latency.p99, cpuPct, errors: result.errors + result.non2xx + result.timeouts })
      }
    }
    const row = (which: 'baseline' | 'krest'): { rps: number, p99: number, cpu: number, errors: number, spread: string } => {
      const rs = results[which].length > 0 ? results[which] : [{ rps: Number.NaN, p99: Number.NaN, cpuPct: Number.NaN, errors: 0 }]
      const rps = rs.map(x => x.rps)
      return {
        rps: median(rps),
        p99: median(rs.map(x => x.p99)),
        cpu: median(rs.map(x => x.cpuPct)),
        errors: rs.reduce((a, x) => a + x.errors, 0),
        spread: `${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}`,
      }
    }
    const b = row('baseline')
    const k = row('krest')
    out.push('')
    out.push(`${batch} record${batch === 1 ? '' : 's'} per request (${body.length} B body):`)
    out.push(`  baseline (empty fastify route): ${Math.round(b.rps)} req/s (runs ${b.spread}), ${Math.round(b.rps * batch)} records/s, p99 ${b.p99} ms, server CPU ${Math.round(b.cpu)}%, errors ${b.errors}`)
    out.push(`  krest produce:                  ${Math.round(k.rps)} req/s (runs ${k.spread}), ${Math.round(k.rps * batch)} records/s, p99 ${k.p99} ms, server CPU ${Math.round(k.cpu)}%, errors ${k.errors}`)
    out.push(`  ratio krest / baseline:         ${(k.rps / b.rps).toFixed(2)}x requests/s`)
    if (results.baseline.length === results.krest.length && results.krest.length > 0) {
      // Each run measures baseline then krest back to back: the median of those pairs' ratios is less sensitive
      // to other load on a shared machine than the ratio of medians.
      const pairs = results.krest.map((x, i) => x.rps / (results.baseline[i]?.rps ?? Number.NaN))
      out.push(`  median of back-to-back ratios:  ${median(pairs).toFixed(2)}x (runs ${pairs.map(x => x.toFixed(2)).join(', ')})`)
    }
    // When the load generator's core is shared (busy machine), CPU-normalised rates compare the routes' cost.
    const perCpu = (x: { rps: number, cpu: number }): number => x.rps / (x.cpu / 100)
    out.push(`  per server CPU-second:          baseline ${Math.round(perCpu(b))} req, krest ${Math.round(perCpu(k))} req (${Math.round(perCpu(k) * batch)} records); ratio ${(perCpu(k) / perCpu(b)).toFixed(2)}x`)
  }
  await stopServerChild(child)
  process.stdout.write(out.join('\n') + '\n')
}

if (process.argv[2] === 'server') {
  await server()
} else {
  await main()
}
