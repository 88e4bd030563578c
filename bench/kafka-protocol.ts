/**
 * Kafka protocol benchmark (by hand, not in CI): 100-byte records produced through krest's Kafka listener by
 * librdkafka (kcat reading a file of BENCH_RECORDS lines, acks=all, krest's default fsync policy) and consumed back
 * by kcat; each as records/s, with the ratio to the storage engine's own append and read rate for the same records
 * measured in the same run (in the server process, without the protocol), and to REST v2 batched produce (1000
 * records per request, 4 connections). Also the server's peak RSS.
 *
 *   npm run bench:kafka        (the driver and kcat on core 0, the server child on core 1)
 *   BENCH_RECORDS=200000 npm run bench:kafka
 *
 * Targets (issue 14): produce ≥ 500k records/s and ≥ 0.6× the engine's append; consume ≥ 1M records/s; RSS < 300 MiB.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import type { LogStore } from '../src/storage/index.js'
import { loadShipped } from './lib/shipped.js'
import { answerDriver, startServerChild, stopServerChild } from './lib/server-child.js'

const SELF = fileURLToPath(import.meta.url)
const RECORD_BYTES = 100

interface Ready { kafkaPort: number, url: string, pid: number }
interface EngineRates { appendPerSec: number, readPerSec: number }

// ---- server child -------------------------------------------------------------------------------------------

async function server (): Promise<void> {
  const { resolveConfig, startGateway } = await loadShipped()
  const dataDir = await mkdtemp(join(tmpdir(), 'krest-bench-kafka-'))
  const overrides: Record<string, unknown> = { host: '127.0.0.1', port: 0, 'kafka.port': 0, 'schema.registry.port': -1, 'data.dir': dataDir, 'log.level': 'warn' }
  // The engine itself, from dist/ like the gateway, for its own append/read rate in the same process.
  const { LogStore } = await import(new URL('../dist/storage/index.js', import.meta.url).href) as typeof import('../src/storage/index.js')
  let store: LogStore | undefined
  const gateway = await startGateway(resolveConfig({ env: process.env, overrides: overrides as never }), { openStore: async o => (store = await LogStore.open(o)) })
  for (const t of ['kafka-bench', 'rest-bench', 'engine-bench']) await gateway.backend.admin.createTopic(t, { partitions: 1 })
  const engineStore = store as LogStore
  answerDriver(async () => {
    await gateway.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  process.on('message', (msg: unknown) => {
    if (typeof msg !== 'object' || msg === null || (msg as { type?: string }).type !== 'engine') return
    void engine(engineStore, (msg as { records: number }).records).then(rates => process.send?.({ type: 'engine', ...rates }))
  })
  process.send?.({ kafkaPort: gateway.kafkaPort ?? -1, url: gateway.url, pid: process.pid } satisfies Ready)
}

/** The engine alone: the same records appended as librdkafka batches them (8k records, under 1 MB, per batch; 5 in flight), then read back. */
async function engine (store: LogStore, records: number): Promise<EngineRates> {
  const log = store.partition('engine-bench', 0)
  const value = Buffer.alloc(RECORD_BYTES - 1, 'x')
  const perBatch = 8_000
  const batch = Array.from({ length: perBatch }, () => ({ key: null, value }))
  let started = performance.now()
  const inFlight = new Set<Promise<unknown>>()
  for (let done = 0; done < records; done += perBatch) {
    const p = log.append(batch.slice(0, Math.min(perBatch, records - done)))
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
    if (inFlight.size >= 5) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const appendPerSec = records / ((performance.now() - started) / 1000)
  started = performance.now()
  let offset = 0
  let read = 0
  while (offset < records) {
    const r = await log.read(offset, 1024 * 1024)
    read += r.records.length
    offset = r.nextOffset
  }
  const readPerSec = read / ((performance.now() - started) / 1000)
  return { appendPerSec, readPerSec }
}

// ---- driver -------------------------------------------------------------------------------------------------

function rssMiB (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1]) / 1024
}

async function timed (cmd: string, args: string[], pid: number, peak: { rss: number }): Promise<number> {
  const started = performance.now()
  const sampler = setInterval(() => { peak.rss = Math.max(peak.rss, rssMiB(pid)) }, 100)
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] })
      child.once('exit', code => { if (code === 0) resolve(); else reject(new Error(`${cmd} exited with ${code}`)) })
    })
  } finally {
    clearInterval(sampler)
  }
  return (performance.now() - started) / 1000
}

async function restProduce (url: string, records: number, pid: number, peak: { rss: number }): Promise<number> {
  const value = Buffer.alloc(RECORD_BYTES - 1, 'x').toString('base64')
  const body = JSON.stringify({ records: Array.from({ length: 1000 }, () => ({ value })) })
  const requests = Math.ceil(records / 1000)
  let next = 0
  const sampler = setInterval(() => { peak.rss = Math.max(peak.rss, rssMiB(pid)) }, 100)
  const started = performance.now()
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next++ < requests) {
      const res = await request(`${url}/topics/rest-bench`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' }, body })
      await res.body.text()
      if (res.statusCode !== 200) throw new Error(`REST produce answered ${res.statusCode}`)
    }
  }))
  clearInterval(sampler)
  return records / ((performance.now() - started) / 1000)
}

async function main (): Promise<void> {
  const records = Number(process.env.BENCH_RECORDS ?? 1_000_000)
  const dir = await mkdtemp(join(tmpdir(), 'krest-bench-kafka-input-'))
  const file = join(dir, 'records.txt')
  // 100-byte records: 99 characters and the newline kcat splits on (the value is the 99 characters).
  await writeFile(file, Array.from({ length: records }, (_, i) => String(i).padStart(10, '0') + 'x'.repeat(RECORD_BYTES - 11)).join('\n') + '\n')
  const { child, ready, pinned } = await startServerChild<Ready>(SELF)
  const peak = { rss: 0 }
  try {
    const bootstrap = `127.0.0.1:${ready.kafkaPort}`
    const produceSecs = await timed('kcat', ['-P', '-b', bootstrap, '-t', 'kafka-bench', '-p', '0', '-X', 'acks=all', '-X', 'queue.buffering.max.messages=1000000', '-l', file], ready.pid, peak)
    const consumeSecs = await timed('kcat', ['-C', '-b', bootstrap, '-t', 'kafka-bench', '-p', '0', '-o', 'beginning', '-c', String(records), '-e', '-q', '-f', '\\n', '-X', 'fetch.max.bytes=52428800'], ready.pid, peak)
    const restPerSec = await restProduce(ready.url, Math.min(records, 200_000), ready.pid, peak)
    const engineRates = await new Promise<EngineRates>(resolve => {
      child.on('message', m => { if ((m as { type?: string }).type === 'engine') resolve(m as EngineRates) })
      child.send({ type: 'engine', records })
    })
    const producePerSec = records / produceSecs
    const consumePerSec = records / consumeSecs
    const f = (n: number): string => Math.round(n).toLocaleString('en-US')
    console.log(`Kafka protocol benchmark: ${f(records)} records of ${RECORD_BYTES} bytes, one partition, acks=all, default fsync policy; ` +
      `server ${pinned ? 'pinned to core 1, kcat and driver on core 0 (when started with taskset -c 0)' : 'NOT pinned'}`)
    console.log(`produce (kcat -P -l, librdkafka ${'2.0.2'}): ${f(producePerSec)} records/s = ${(producePerSec / engineRates.appendPerSec).toFixed(2)}× engine append (${f(engineRates.appendPerSec)}/s), ${(producePerSec / restPerSec).toFixed(2)}× REST v2 batched produce (${f(restPerSec)}/s)`)
    console.log(`consume (kcat -C): ${f(consumePerSec)} records/s = ${(consumePerSec / engineRates.readPerSec).toFixed(2)}× engine read (${f(engineRates.readPerSec)}/s, decoded)`)
    console.log(`server peak RSS: ${peak.rss.toFixed(0)} MiB`)
  } finally {
    await stopServerChild(child)
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'server') await server()
else await main()
