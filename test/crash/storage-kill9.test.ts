/**
 * kill -9 the engine mid-write, many times, also while retention and compaction run: every acknowledged append must
 * be readable afterwards at its offset with its bytes (compacted topic: the newest value of every key; retained
 * topic: every record at or above the log start offset), offsets must be gap-free, and appends must continue where
 * the log ends. KREST_CRASH_ROUNDS raises the number of rounds (default 12).
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LogStore } from '../../src/storage/index.js'
import { makeTmpDir } from '../helpers/tmp-dir.js'

const WRITER = fileURLToPath(new URL('../helpers/crash-writer.ts', import.meta.url))
const ROUNDS = Number(process.env.KREST_CRASH_ROUNDS ?? 12)

interface Ack { topic: string, partition: number, offset: number, key: string, value: string }

async function runAndKill (dataDir: string, round: number, killAfterMs: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const acks: Ack[] = []
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const lines = createInterface({ input: child.stdout })
  const exited = new Promise<void>(resolve => child.on('exit', () => resolve()))
  let killTimer: NodeJS.Timeout | undefined
  lines.on('line', line => {
    if (line === 'ready') {
      killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      return
    }
    const [tag, topic, partition, offset, key, value] = line.split(' ')
    if (tag === 'ack') acks.push({ topic: topic!, partition: Number(partition), offset: Number(offset), key: key!, value: value! })
  })
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(guard)
  if (killTimer !== undefined) clearTimeout(killTimer)
  if (child.signalCode !== 'SIGKILL') throw new Error(`writer exited by itself (${child.exitCode}): ${stderr}`)
  return acks
}

describe('storage survives kill -9', () => {
  it(`keeps every acknowledged append over ${ROUNDS} crash rounds, through retention and compaction`, async () => {
    const { dir, cleanup } = await makeTmpDir('krest-crash-')
    const acked = new Map<string, Ack>() // "topic:partition:offset" → ack
    let total = 0
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const acks = await runAndKill(dir, round, 100 + Math.floor(Math.random() * 400))
        total += acks.length
        for (const a of acks) acked.set(`${a.topic}:${a.partition}:${a.offset}`, a)
        const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
        try {
          for (const [topic, partition] of [['crash', 0], ['crash', 1], ['compacted', 0], ['retained', 0]] as const) {
            const log = store.partition(topic, partition)
            const records = log.highWatermark > log.logStartOffset ? (await log.read(log.logStartOffset, 1 << 30)).records : []
            const byOffset = new Map(records.map(r => [r.offset, r]))
            const mine = [...acked.values()].filter(a => a.topic === topic && a.partition === partition)
            const where = `${topic}-${partition} after round ${round}`
            if (topic === 'compacted') {
              // Offsets only grow; the newest acknowledged value of every key is there at its offset, or a newer one.
              const offsets = records.map(r => r.offset)
              expect(offsets, where).toEqual([...offsets].sort((a, b) => a - b))
              const newest = new Map<string, Ack>()
              for (const a of mine) if ((newest.get(a.key)?.offset ?? -1) < a.offset) newest.set(a.key, a)
              // A later write of the same key that was durable but never acknowledged (the kill came first) may
              // legitimately have superseded it.
              const newestOnDisk = new Map<string, number>()
              for (const r of records) if (r.key !== null) newestOnDisk.set(r.key.toString(), r.offset)
              for (const a of newest.values()) {
                const onDisk = newestOnDisk.get(a.key) ?? -1
                expect(onDisk, `${where}: key ${a.key} lost`).toBeGreaterThanOrEqual(a.offset)
                if (onDisk === a.offset) expect(byOffset.get(a.offset)?.value?.toString(), `${where}: key ${a.key}`).toBe(a.value)
              }
            } else {
              // Gap-free from the log start offset to the high watermark.
              expect(records.length, where).toBe(log.highWatermark - log.logStartOffset)
              records.forEach((r, i) => expect(r.offset).toBe(log.logStartOffset + i))
              for (const a of mine) {
                if (a.offset < log.logStartOffset) continue // removed by retention.bytes
                expect(byOffset.get(a.offset)?.value?.toString(), `${where}: acknowledged offset ${a.offset} lost`).toBe(a.value)
              }
            }
            // Writes continue at the log end.
            const next = await log.append([{ key: Buffer.from('probe'), value: Buffer.from(`probe-${round}`) }])
            expect(next.baseOffset, where).toBe(log.highWatermark - 1)
            expect(next.baseOffset, where).toBeGreaterThanOrEqual(mine.reduce((m, a) => Math.max(m, a.offset + 1), 0))
          }
        } finally {
          await store.close()
        }
      }
      console.log(`storage crash suite: ${ROUNDS} kills, ${total} acknowledged appends verified`)
      expect(total).toBeGreaterThan(ROUNDS * 10) // the writer really wrote between kills
    } finally {
      await cleanup()
    }
  }, 600_000)
})
