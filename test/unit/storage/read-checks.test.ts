import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

const SEG0 = '00000000000000000000'

/** Byte positions of the batches of a log file. */
function batchPositions (buf: Buffer): number[] {
  const out: number[] = []
  let p = 0
  while (p + 12 <= buf.length) {
    out.push(p)
    p += buf.readInt32BE(p + 8) + 12
  }
  return out
}

async function settle<T> (promise: Promise<T>, ms = 3000): Promise<{ value?: T, error?: unknown, hung?: true }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<{ hung: true }>(resolve => { timer = setTimeout(() => resolve({ hung: true }), ms) })
  try {
    return await Promise.race([promise.then(value => ({ value }), (error: unknown) => ({ error })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

describe('reads check what they take from disk', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore | undefined

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => {
    await store?.close()
    store = undefined
    await cleanup()
  })

  /** 200 one-record batches in one segment, closed cleanly (indexes trusted on the next open). */
  async function prepare (): Promise<{ logPath: string, positions: number[] }> {
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    await store.createTopic('t', { partitions: 1, configs: { 'index.interval.bytes': '1024' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 200; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, 0x41) }])
    await store.close()
    store = undefined
    const logPath = join(dir, 't-0', `${SEG0}.log`)
    return { logPath, positions: batchPositions(await readFile(logPath)) }
  }

  async function damage (logPath: string, edit: (buf: Buffer) => void): Promise<void> {
    const buf = await readFile(logPath)
    edit(buf)
    await writeFile(logPath, buf)
  }

  it('fails a read with a corrupt-data error, instead of hanging, on a zero batch length in a sealed range', async () => {
    const { logPath, positions } = await prepare()
    await damage(logPath, buf => buf.writeInt32BE(-12, (positions[10] as number) + 8))
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    const outcome = await settle(store.partition('t', 0).read(0, 1 << 20))
    expect(outcome.hung).toBeUndefined()
    expect(isKrestError(outcome.error, 'CORRUPT_DATA')).toBe(true)
    // Reads before the damage still work.
    const before = await settle(store.partition('t', 0).read(0, 500))
    expect(before.value?.records[0]?.offset).toBe(0)
  })

  it('never serves a flipped bit in a value (CRC checked on the read path)', async () => {
    const { logPath, positions } = await prepare()
    const at = (positions[50] as number) + 100
    await damage(logPath, buf => { buf.writeUInt8(buf.readUInt8(at) ^ 0x04, at) })
    const failures: string[] = []
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, probe: { readFailed: (topic, partition, reason) => failures.push(`${topic}-${partition} ${reason}`) } })
    const outcome = await settle(store.partition('t', 0).read(50, 1 << 20))
    expect(isKrestError(outcome.error, 'CORRUPT_DATA')).toBe(true)
    expect((outcome.error as Error).message).toMatch(/cannot read t-0: corrupt record batch at byte \d+ of .*\.log/)
    expect(failures).toEqual(['t-0 corrupt-batch'])
  })

  it('never skips records silently after a batch length grown by 4096', async () => {
    const { logPath, positions } = await prepare()
    const at = (positions[20] as number) + 8
    await damage(logPath, buf => buf.writeInt32BE(buf.readInt32BE(at) + 4096, at))
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    const log = store.partition('t', 0)
    const outcome = await settle(log.read(0, 1 << 20))
    expect(isKrestError(outcome.error, 'CORRUPT_DATA')).toBe(true)
    // A consumer stepping through never gets a silent jump in offsets.
    let offset = 0
    for (;;) {
      const step = await settle(log.read(offset, 300))
      if (step.error !== undefined) { expect(isKrestError(step.error, 'CORRUPT_DATA')).toBe(true); break }
      const records = step.value?.records ?? []
      expect(records[0]?.offset).toBe(offset)
      offset = step.value?.nextOffset as number
      if (offset >= log.highWatermark) throw new Error('read past the damage without an error')
    }
  })
})
