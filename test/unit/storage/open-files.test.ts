import { spawn } from 'node:child_process'
import { readdir, readlink } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { defaultMaxOpenSegmentFiles } from '../../../src/storage/open-files.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

const OPEN_STORE = fileURLToPath(new URL('../../helpers/open-store.ts', import.meta.url))

/** Segment log files of `dir` this process has open. */
async function openLogFiles (dir: string): Promise<number> {
  let n = 0
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target.startsWith(dir) && target.endsWith('.log')) n++
  }
  return n
}

/** One segment per append: `segments` segments of one record each. */
async function manySegments (dir: string, segments: number): Promise<void> {
  const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 })
  await store.createTopic('many', { partitions: 1, configs: { 'segment.bytes': '300', 'flush.ms': '60000' } })
  const log = store.partition('many', 0)
  for (let i = 0; i < segments; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(150, i % 256) }])
  expect(log.state().segments).toBe(segments)
  await store.close()
}

describe('open segment files are bounded', () => {
  let dir: string
  let cleanup: () => Promise<void>

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => { await cleanup() })

  it('keeps at most log.max.open.segments sealed segments open, however many are read', async () => {
    await manySegments(dir, 120)
    const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, maxOpenSegmentFiles: 8 })
    try {
      expect(await openLogFiles(dir)).toBeLessThanOrEqual(9)
      const log = store.partition('many', 0)
      for (let offset = 0; offset < 120; offset++) {
        const res = await log.read(offset, 1)
        expect(res.records[0]?.key?.toString()).toBe(`k${offset}`)
      }
      expect(await openLogFiles(dir)).toBeLessThanOrEqual(9)
      // Reads from the start, spanning many segments, still see everything.
      const all = await log.read(0, 1 << 20)
      expect(all.records.map(r => r.offset)).toEqual(Array.from({ length: 120 }, (_, i) => i))
    } finally {
      await store.close()
    }
  })

  it('derives the default from the open-file limit', () => {
    expect(defaultMaxOpenSegmentFiles(300)).toBe(150)
    expect(defaultMaxOpenSegmentFiles(20)).toBe(16)
  })

  it('starts and reads 400 segments under ulimit -n 300', async () => {
    await manySegments(dir, 400)
    const line = await new Promise<string>((resolve, reject) => {
      const child = spawn('sh', ['-c', `ulimit -n 300 && exec "${process.execPath}" --import tsx "${OPEN_STORE}" "${dir}" read`], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      child.stdout.on('data', (c: Buffer) => { out += c.toString() })
      child.stderr.on('data', (c: Buffer) => { err += c.toString() })
      child.on('exit', () => { out.includes('\n') ? resolve(out.split('\n')[0] as string) : reject(new Error(err)) })
    })
    expect(line).toBe('opened 400')
  }, 120_000)
})
