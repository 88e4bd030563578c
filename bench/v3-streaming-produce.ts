/**
 * v3 streaming produce throughput against v2 batched produce of the same records, through the real HTTP server.
 *
 * - v2 baseline: `POST /topics/bench` (json embedded format), 1000 records per request, back to back on each
 *   connection.
 * - v3 streaming: `POST /v3/clusters/{cid}/topics/bench/records` with a chunked body of concatenated records
 *   (`{"value":{"type":"JSON","data":…}}`, the same JSON values), one long request per connection, reports read
 *   as they come (full duplex); a record counts when its report (error_code 200) is back.
 *
 * Both over 1 connection and over 8. Prints records/s (median of BENCH_RUNS runs after a warm-up, with the spread)
 * and the ratio v3/v2 measured in the same run (target ≥ 0.8×). The server runs in a child process pinned to core 1
 * with taskset; pin this driver to core 0:
 *
 *   taskset -c 0 node --import tsx bench/v3-streaming-produce.ts
 *   BENCH_SECONDS=5 BENCH_RUNS=3 taskset -c 0 node --import tsx bench/v3-streaming-produce.ts
 *
 * The flush policy is krest's default (fsync before acknowledging) unless KREST_LOG_FLUSH_INTERVAL_MS says otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Client } from 'undici'
import { loadShipped } from './lib/shipped.js'
import { answerDriver, startServerChild, stopServerChild, withChildCpu } from './lib/server-child.js'
import { median } from './lib/stats.js'

const SELF = fileURLToPath(import.meta.url)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const V2_BATCH = 1000

interface Ready { port: number, clusterId: string }

// ---- server child -------------------------------------------------------------------------------------------

async function server (): Promise<void> {
  const { resolveConfig, startGateway } = await loadShipped()
  const dataDir = await mkdtemp(join(tmpdir(), 'krest-bench-v3-'))
  const overrides: Record<string, unknown> = { host: '127.0.0.1', port: 0, 'schema.registry.port': -1, 'data.dir': dataDir, 'log.level': 'warn' }
  const config = resolveConfig({ env: process.env, overrides: overrides as never })
  const gateway = await startGateway(config)
  await gateway.backend.admin.createTopic('bench', { partitions: 1 })
  answerDriver(async () => {
    await gateway.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  const ready: Ready = { port: gateway.port, clusterId: gateway.backend.metadata.clusterId }
  process.send?.(ready)
}

// ---- driver -------------------------------------------------------------------------------------------------

/** The same ~100-byte JSON value in both APIs. */
function value (i: number): { id: number, name: string, payload: string } {
  return { id: i, name: `user-${i % 1000}`, payload: 'x'.repeat(60) }
}

/** v2: 1000-record requests back to back on each connection; records/s of acknowledged records. */
async function runV2 (origin: string, connections: number, seconds: number): Promise<number> {
  const body = JSON.stringify({ records: Array.from({ length: V2_BATCH }, (_, i) => ({ value: value(i) })) })
  const deadline = performance.now() + seconds * 1000
  let records = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: connections }, async () => {
    const client = new Client(origin)
    try {
      while (performance.now() < deadline) {
        const res = await client.request({ method: 'POST', path: '/topics/bench', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body })
        const text = await res.body.text()
        if (res.statusCode !== 200 || text.includes('"error_code":5')) throw new Error(`v2 produce failed: ${res.statusCode} ${text.slice(0, 200)}`)
        records += V2_BATCH
      }
    } finally {
      await client.close()
    }
  }))
  return records / ((performance.now() - start) / 1000)
}

/** v3: one streaming request per connection for `seconds`; records/s of records whose 200 report came back. */
async function runV3 (origin: string, clusterId: string, connections: number, seconds: number): Promise<number> {
  // ~64 KiB chunks of concatenated records, sent again and again
  let text = ''
  let perChunk = 0
  while (text.length < 64 * 1024) text += JSON.stringify({ value: { type: 'JSON', data: value(perChunk++) } })
  const chunk = Buffer.from(text)
  const NL = 0x0a
  const OK = Buffer.from('"error_code":200,')
  const deadline = performance.now() + seconds * 1000
  let records = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: connections }, async () => {
    const client = new Client(origin)
    let sent = 0
    try {
      async function * body (): AsyncGenerator<Buffer> {
        while (performance.now() < deadline) {
          sent += perChunk
          yield chunk
        }
      }
      const res = await client.request({ method: 'POST', path: `/v3/clusters/${clusterId}/topics/bench/records`, headers: { 'content-type': 'application/json' }, body: Readable.from(body()) })
      if (res.statusCode !== 200) throw new Error(`v3 produce failed: ${res.statusCode} ${await res.body.text()}`)
      let reports = 0
      let ok = 0
      let tail: Buffer = Buffer.alloc(0)
      for await (const data of res.body) {
        const buf = tail.length === 0 ? data as Buffer : Buffer.concat([tail, data as Buffer])
        let pos = 0
        let nl: number
        while ((nl = buf.indexOf(NL, pos)) !== -1) {
          if (buf.indexOf(OK, pos) === pos + 1) ok++ // each report starts with {"error_code":…
          reports++
          pos = nl + 1
        }
        tail = buf.subarray(pos)
      }
      if (reports !== sent || ok !== sent) throw new Error(`v3 stream: sent ${sent} records, got ${reports} reports, ${ok} successes`)
      records += ok
    } finally {
      await client.close()
    }
  }))
  return records / ((performance.now() - start) / 1000)
}

function fmtRuns (xs: Array<{ rate: number, cpuPct: number, driverPct: number }>): string {
  const rates = xs.map(x => x.rate)
  return `${Math.round(median(rates)).toLocaleString('en-US')} records/s (runs ${rates.map(x => Math.round(x).toLocaleString('en-US')).join(', ')}; ` +
    `server CPU ${Math.round(median(xs.map(x => x.cpuPct)))} %, load generator CPU ${Math.round(median(xs.map(x => x.driverPct)))} %)`
}

async function main (): Promise<void> {
  // BENCH_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof to profile it).
  const { child, ready: ready, pinned: pin } = await startServerChild<Ready>(SELF)
  const origin = `http://127.0.0.1:${ready.port}`
  const withCpu = async (during: () => Promise<number>): Promise<{ rate: number, cpuPct: number, driverPct: number }> => {
    const mine = process.cpuUsage()
    const wall = performance.now()
    const { result: rate, cpuPct } = await withChildCpu(child, during)
    const used = process.cpuUsage(mine)
    const driverPct = 100 * (used.user + used.system) / 1000 / (performance.now() - wall)
    return { rate, cpuPct, driverPct }
  }

  console.log(`v3 streaming produce vs v2 batched produce (${V2_BATCH} records/request), ~100-byte JSON values, one partition; ` +
    `${SECONDS} s per run, median of ${RUNS} runs after a warm-up; server ${pin ? 'pinned to core 1 (driver: run with taskset -c 0)' : 'NOT pinned (taskset missing)'}; ` +
    `flush policy log.flush.interval.ms=${process.env.KREST_LOG_FLUSH_INTERVAL_MS ?? '0 (fsync before ack)'}`)
  // BENCH_ONLY=v2 or v3: run one side only (to profile it); no ratio is printed then.
  const only = process.env.BENCH_ONLY
  for (const connections of (process.env.BENCH_CONNECTIONS ?? '1,8').split(',').map(Number)) {
    if (only !== 'v3') await runV2(origin, connections, 1) // warm-up
    if (only !== 'v2') await runV3(origin, ready.clusterId, connections, 1)
    const v2: Array<{ rate: number, cpuPct: number, driverPct: number }> = []
    const v3: Array<{ rate: number, cpuPct: number, driverPct: number }> = []
    for (let r = 0; r < RUNS; r++) {
      if (only !== 'v3') v2.push(await withCpu(async () => await runV2(origin, connections, SECONDS)))
      if (only !== 'v2') v3.push(await withCpu(async () => await runV3(origin, ready.clusterId, connections, SECONDS)))
    }
    if (only !== undefined) {
      console.log(`${connections} connection${connections === 1 ? '' : 's'}: ${only} ${fmtRuns(only === 'v2' ? v2 : v3)}`)
      continue
    }
    const fmt = fmtRuns
    const ratio = median(v3.map(x => x.rate)) / median(v2.map(x => x.rate))
    console.log(`${connections} connection${connections === 1 ? '' : 's'}:`)
    console.log(`  v2 batched   ${fmt(v2)}`)
    console.log(`  v3 streaming ${fmt(v3)}`)
    console.log(`  ratio v3/v2  ${ratio.toFixed(2)}× (target ≥ 0.80×)`)
  }
  await stopServerChild(child)
}

if (process.argv[2] === 'server') {
  await server()
} else {
  await main()
}
