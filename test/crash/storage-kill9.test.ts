/**
 * kill -9 the engine mid-write, many times: every acknowledged append must be readable afterwards at its offset
 * with its bytes, offsets must be gap-free, and appends must continue where the log ends.
 * KREST_CRASH_ROUNDS raises the number of rounds (default 12).
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LogStore } from '../../src/storage/index.js'
import { makeTmpDir } from '../helpers/tmp-dir.js'

const WRITER = fileURLToPath(new URL('../helpers/crash-writer.ts', import.meta.url))
const ROUNDS = Number(process.env.KREST_CRASH_ROUNDS ?? 12)

interface Ack { partition: number, offset: number, value: string }

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
    const [tag, partition, offset, value] = line.split(' ')
    if (tag === 'ack') acks.push({ partition: Number(partition), offset: Number(offset), value: value! })
  })
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(guard)
  if (killTimer !== undefined) clearTimeout(killTimer)
  if (child.signalCode !== 'SIGKILL') throw new Error(`writer exited by itself (${child.exitCode}): ${stderr}`)
  return acks
}

describe('storage survives kill -9', () => {
  it(`keeps every acknowledged append over ${ROUNDS} crash rounds`, async () => {
    const { dir, cleanup } = await makeTmpDir('krest-crash-')
    const acked = new Map<string, string>() // "partition:offset" → value
    let total = 0
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const acks = await runAndKill(dir, round, 100 + Math.floor(Math.random() * 400))
        total += acks.length
        for (const a of acks) acked.set(`${a.partition}:${a.offset}`, a.value)
        const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
        try {
          for (const partition of [0, 1]) {
            const log = store.partition('crash', partition)
            const records = (await log.read(0, 1 << 30)).records
            // Gap-free from 0 to the high watermark.
            expect(records.length).toBe(log.highWatermark)
            records.forEach((r, i) => expect(r.offset).toBe(i))
            const byOffset = new Map(records.map(r => [r.offset, r.value!.toString()]))
            for (const [key, value] of acked) {
              const [p, o] = key.split(':').map(Number) as [number, number]
              if (p !== partition) continue
              expect(byOffset.get(o), `acknowledged ${key} lost after round ${round}`).toBe(value)
            }
            // Writes continue at the log end.
            const next = await log.append([{ key: Buffer.from('probe'), value: Buffer.from(`probe-${round}`) }])
            expect(next.baseOffset).toBe(records.length)
          }
        } finally {
          await store.close()
        }
      }
      expect(total).toBeGreaterThan(ROUNDS) // the writer really wrote between kills
    } finally {
      await cleanup()
    }
  }, 300_000)
})
