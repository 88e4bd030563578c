/** min.compaction.lag.ms and max.compaction.lag.ms (issue 16 item 3): when the cleaner may and must compact. */
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
