/**
 * Storage engine benchmark. Prints, in one run, this machine's raw sequential write bandwidth (no fsync, and one
 * fsync per 1 MiB) and the engine's append and read throughput as ratios to it.
 *
 *   npm run bench:storage                      (or: taskset -c 1 node --import tsx bench/storage.ts)
 *   KREST_BENCH_RUNS=5 KREST_BENCH_MB=256 …    (more runs / more data per run)
 */
import { open, rm, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LogStore } from '../src/storage/index.js'
import type { RecordInput } from '../src/storage/index.js'
import { median } from './lib/stats.js'

const RUNS = Number(process.env.KREST_BENCH_RUNS ?? 3)
const MB = Number(process.env.KREST_BENCH_MB ?? 128)
const BYTES = MB * 1024 * 1024
const baseDir = process.env.KREST_BENCH_DIR ?? tmpdir()

async function tmp (): Promise<string> {
  return await mkdtemp(join(baseDir, 'krest-bench-'))
}

async function rawWrite (fsyncEveryChunk: boolean): Promise<number> {
  const dir = await tmp()
  const chunk = Buffer.alloc(1024 * 1024, 7)
  const fd = await open(join(dir, 'raw'), 'w')
  const start = performance.now()
  for (let written = 0; written < BYTES; written += chunk.length) {
    await fd.write(chunk, 0, chunk.length, written)
    if (fsyncEveryChunk) await fd.datasync()
  }
  const secs = (performance.now() - start) / 1000
  await fd.close()
  await rm(dir, { recursive: true, force: true })
  return BYTES / secs / 1e6
}

interface AppendFigures { mbps: number, recordsPerSec: number }

/** `appenders` concurrent loops, each appending batches of `batchRecords` records of `recordBytes` bytes. */
async function engineAppend (recordBytes: number, batchRecords: number, appenders: number): Promise<AppendFigures & { store: LogStore, dir: string }> {
  const dir = await tmp()
  const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 })
  await store.createTopic('bench', { partitions: 1 })
  const log = store.partition('bench', 0)
  const value = Buffer.alloc(recordBytes, 'v')
  const batch: RecordInput[] = Array.from({ length: batchRecords }, () => ({ key: null, value }))
  const totalRecords = Math.max(1, Math.floor(BYTES / recordBytes))
  let issued = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: appenders }, async () => {
    while (issued < totalRecords) {
      issued += batchRecords
      await log.append(batch)
    }
  }))
  const secs = (performance.now() - start) / 1000
  const bytes = log.state().sizeBytes
  return { mbps: bytes / secs / 1e6, recordsPerSec: log.highWatermark / secs, store, dir }
}

async function engineRead (store: LogStore): Promise<{ gbps: number, recordsPerSec: number }> {
  const log = store.partition('bench', 0)
  let offset = 0
  let bytes = 0
  const start = performance.now()
  while (offset < log.highWatermark) {
    const r = await log.readRaw(offset, 1024 * 1024)
    bytes += r.batches.length
    offset = r.nextOffset
  }
  const rawSecs = (performance.now() - start) / 1000
  offset = 0
  let records = 0
  const start2 = performance.now()
  while (offset < log.highWatermark) {
    const r = await log.read(offset, 1024 * 1024)
    records += r.records.length
    offset = r.nextOffset
  }
  const decodeSecs = (performance.now() - start2) / 1000
  return { gbps: bytes / rawSecs / 1e9, recordsPerSec: records / decodeSecs }
}

const scenarios: Array<{ name: string, recordBytes: number, batch: number, appenders: number }> = [
  { name: '100 B records, 1000-record batches, 1 appender', recordBytes: 100, batch: 1000, appenders: 1 },
  { name: '100 B records, 100-record batches, 16 concurrent appenders', recordBytes: 100, batch: 100, appenders: 16 },
  { name: '100 B records, 1-record appends, 64 concurrent appenders', recordBytes: 100, batch: 1, appenders: 64 },
  { name: '1 KiB records, 100-record batches, 1 appender', recordBytes: 1024, batch: 100, appenders: 1 },
  { name: '1 KiB records, 16-record batches, 16 concurrent appenders', recordBytes: 1024, batch: 16, appenders: 16 },
  { name: '1 KiB records, 1-record appends, 64 concurrent appenders', recordBytes: 1024, batch: 1, appenders: 64 },
  { name: '1 KiB records, 100-record batches, 16 concurrent appenders', recordBytes: 1024, batch: 100, appenders: 16 },
]

// Each engine scenario runs right after a raw fsync'd write of the same size, and is judged on the ratio to it:
// on a shared disk fsync bandwidth swings run to run, and back-to-back pairs cancel most of that.
const results = new Map<string, { mbps: number[], rps: number[], ratios: number[] }>()
const rawNoSync: number[] = []
const rawSync: number[] = []
const readGbps: number[] = []
const readRatios: number[] = []
const readRps: number[] = []
/** readRaw GB/s with CRC32C verification on the read path ÷ without (the same data, page cache warm both times). */
const crcReadRatios: number[] = []
const unverifiedGbps: number[] = []
for (let run = 0; run < RUNS; run++) {
  for (const s of scenarios) {
    const baseline = await rawWrite(true)
    rawSync.push(baseline)
    const r = await engineAppend(s.recordBytes, s.batch, s.appenders)
    const entry = results.get(s.name) ?? { mbps: [], rps: [], ratios: [] }
    entry.mbps.push(r.mbps)
    entry.rps.push(r.recordsPerSec)
    entry.ratios.push(r.mbps / baseline)
    results.set(s.name, entry)
    if (s === scenarios[0]) {
      const noSync = await rawWrite(false)
      rawNoSync.push(noSync)
      const read = await engineRead(r.store)
      readGbps.push(read.gbps)
      readRatios.push(read.gbps * 1000 / noSync)
      readRps.push(read.recordsPerSec)
      // The same log read again without CRC verification (verifyReads: false), then with it, back to back.
      await r.store.close()
      // Alternate which goes first from run to run, so warm-up and page-cache order do not favour one side.
      const readWith = async (verifyReads: boolean): Promise<{ gbps: number }> => {
        const s = await LogStore.open({ dataDir: r.dir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0, verifyReads })
        try { return await engineRead(s) } finally { await s.close() }
      }
      const first = run % 2 === 0
      const a = await readWith(!first)
      const b = await readWith(first)
      const [unverified, verified] = first ? [a, b] : [b, a]
      r.store = await LogStore.open({ dataDir: r.dir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 })
      unverifiedGbps.push(unverified.gbps)
      crcReadRatios.push(verified.gbps / unverified.gbps)
    }
    await r.store.close()
    await rm(r.dir, { recursive: true, force: true })
  }
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
const range = (xs: number[], d = 0): string => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`
console.log(`krest storage benchmark — ${RUNS} runs × ${MB} MiB per measurement, medians (min–max); Node ${process.version}`)
console.log(`baseline raw sequential write, no fsync:        ${fmt(median(rawNoSync))} MB/s (${range(rawNoSync)})`)
console.log(`baseline raw sequential write, fsync per 1 MiB: ${fmt(median(rawSync))} MB/s (${range(rawSync)}), measured before each scenario`)
console.log('engine appends, default policy (fdatasync before every acknowledgement, group commit); ratio = engine MB/s ÷ the raw fsync\'d write just before it:')
for (const s of scenarios) {
  const r = results.get(s.name)!
  console.log(`  ${s.name.padEnd(60)} ${fmt(median(r.rps)).padStart(10)} records/s ${fmt(median(r.mbps)).padStart(6)} MB/s  ratio ${fmt(median(r.ratios), 2)} (${range(r.ratios, 2)})`)
}
console.log(`engine reads from page cache (1 MiB fetches): ${fmt(median(readGbps), 2)} GB/s, ratio to raw write without fsync ${fmt(median(readRatios), 2)} (${range(readRatios, 2)}); decoded ${fmt(median(readRps))} records/s`)
console.log(`CRC32C verified on the read path: raw reads ${fmt(median(unverifiedGbps), 2)} GB/s without verification; with ÷ without ${fmt(median(crcReadRatios), 2)} (${range(crcReadRatios, 2)})`)
