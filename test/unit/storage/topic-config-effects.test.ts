/** Topic configs the engine applies as Kafka does (issue 16 item 3): compaction lags, segment.index.bytes. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import type { PartitionLog } from '../../../src/storage/index.js'
import { ManualClock, makeTmpDir } from '../../helpers/tmp-dir.js'

let dir: string
let cleanup: () => Promise<void>
let clock: ManualClock
let store: LogStore

beforeEach(async () => {
  ({ dir, cleanup } = await makeTmpDir())
  clock = new ManualClock(1_000_000)
  store = await LogStore.open({ dataDir: dir, clock, retentionCheckIntervalMs: 0 })
})
afterEach(async () => {
  await store.close()
  await cleanup()
})

/** Writes `rounds` updates of keys k0..k4 (one record per append, stamped with the clock), rolling small segments. */
async function writeUpdates (log: PartitionLog, rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 5; k++) await log.append([{ key: Buffer.from(`k${k}`), value: Buffer.alloc(40, r), timestamp: clock.now() }])
  }
}

async function recordCount (log: PartitionLog): Promise<number> {
  let n = 0
  let offset = log.logStartOffset
  while (offset < log.highWatermark) {
    const res = await log.read(offset, 1 << 20)
    n += res.records.length
    offset = res.nextOffset
  }
  return n
}

describe('compaction lags', () => {
  it('min.compaction.lag.ms: records younger than the lag are not compacted, older ones are', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '400', 'min.compaction.lag.ms': '60000' } })
    const log = store.partition('c', 0)
    await writeUpdates(log, 6)
    const written = await recordCount(log)
    expect(written).toBe(30)
    expect(await log.compact(true)).toBe(false) // everything is younger than a minute
    expect(await recordCount(log)).toBe(30)
    clock.advance(61_000)
    expect(await log.compact(true)).toBe(true)
    expect(await recordCount(log)).toBeLessThan(30)
  })

  it('max.compaction.lag.ms: a dirty record older than the lag forces compaction below min.cleanable.dirty.ratio', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '400', 'min.cleanable.dirty.ratio': '0.99', 'max.compaction.lag.ms': '5000' } })
    const log = store.partition('c', 0)
    await writeUpdates(log, 6)
    expect(await log.compact(true)).toBe(true) // the whole closed part is clean now
    const afterFirst = await recordCount(log)
    await writeUpdates(log, 2) // a little dirt: far below a 0.99 dirty ratio
    expect(await log.compact()).toBe(false)
    clock.advance(6000)
    expect(await log.compact()).toBe(true)
    expect(await recordCount(log)).toBeLessThan(afterFirst + 10)
  })
})

describe('segment.index.bytes', () => {
  it('rolls a new segment when the offset or time index is full', async () => {
    await store.createTopic('small', { partitions: 1, configs: { 'index.interval.bytes': '0', 'segment.index.bytes': '80' } })
    await store.createTopic('large', { partitions: 1, configs: { 'index.interval.bytes': '0' } })
    for (const name of ['small', 'large']) {
      const log = store.partition(name, 0)
      for (let i = 0; i < 30; i++) {
        clock.advance(1)
        await log.append([{ key: null, value: Buffer.alloc(20, i), timestamp: clock.now() }])
      }
    }
    // 80 bytes hold 10 offset entries and 6 time entries: at most 6 batches (one entry each) per segment.
    expect(store.partition('small', 0).state().segments).toBeGreaterThanOrEqual(5)
    expect(store.partition('large', 0).state().segments).toBe(1)
    expect(await recordCount(store.partition('small', 0))).toBe(30)
  })
})
