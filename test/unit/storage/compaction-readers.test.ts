import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { ManualClock, makeTmpDir } from '../../helpers/tmp-dir.js'

describe('compaction while readers read', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore | undefined

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => {
    await store?.close()
    store = undefined
    await cleanup()
  })

  it('swaps segments invisibly: concurrent reads from the beginning never fail (no EBADF)', async () => {
    const clock = new ManualClock()
    store = await LogStore.open({ dataDir: dir, clock, retentionCheckIntervalMs: 0 })
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'delete.retention.ms': '0' } })
    const log = store.partition('c', 0)
    const errors: unknown[] = []
    let reads = 0
    let stop = false
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        try {
          let offset = log.logStartOffset
          while (offset < log.highWatermark) {
            const res = await log.read(offset, 512)
            reads++
            if (res.nextOffset <= offset) break
            offset = res.nextOffset
          }
        } catch (err) {
          errors.push(err)
        }
        await new Promise(resolve => setImmediate(resolve))
      }
    })
    for (let round = 0; round < 15; round++) {
      for (let i = 0; i < 40; i++) await log.append([{ key: Buffer.from(`k${i % 7}`), value: i % 13 === 0 ? null : Buffer.alloc(60, round) }])
      clock.advance(10)
      await log.compact(true)
    }
    stop = true
    await Promise.all(readers)
    expect(reads).toBeGreaterThan(50)
    expect(errors.map(e => (e as Error).message)).toEqual([])
  })
})
