import { readdir, writeFile, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { ManualClock, makeTmpDir } from '../../helpers/tmp-dir.js'

const b = (s: string): Buffer => Buffer.from(s)

describe('retention', () => {
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

  it('deletes closed segments past retention.ms by record timestamp and advances the log start offset', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '500', 'retention.ms': '10000' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 20; i++) await log.append([{ key: null, value: Buffer.alloc(100, i), timestamp: 1_000_000 + i }])
    clock.advance(5000)
    for (let i = 0; i < 20; i++) await log.append([{ key: null, value: Buffer.alloc(100, i) }])
    const before = log.state().segments
    clock.advance(6000) // the first 20 records are now 11 s old, the later ones 6 s
    await store.runCleaner()
    expect(log.state().segments).toBeLessThan(before)
    expect(log.logStartOffset).toBeGreaterThan(0)
    expect(log.logStartOffset).toBeLessThanOrEqual(20)
    await expect(log.read(0, 100)).rejects.toSatisfy(e => isKrestError(e, 'OFFSET_OUT_OF_RANGE'))
    const rest = await log.read(log.logStartOffset, 1 << 20)
    expect(rest.records[rest.records.length - 1]!.offset).toBe(39)
    const files = (await readdir(join(dir, 't-0'))).filter(f => f.endsWith('.log'))
    expect(files.length).toBe(log.state().segments)
  })

  it('empties an idle topic whose data all expired, active segment included, and keeps offsets going', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'retention.ms': '1000' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 5; i++) await log.append([{ key: null, value: b(`x${i}`) }])
    clock.advance(2000)
    await store.runCleaner()
    expect(log.logStartOffset).toBe(5)
    expect(log.highWatermark).toBe(5)
    expect((await log.read(5, 100)).records).toEqual([])
    expect((await log.append([{ key: null, value: b('new') }])).baseOffset).toBe(5)
  })

  it('deletes oldest segments while the partition exceeds retention.bytes, never the active one', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '1000', 'retention.bytes': '2500' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 60; i++) await log.append([{ key: null, value: Buffer.alloc(100, i) }])
    await store.runCleaner()
    const state = log.state()
    expect(state.sizeBytes).toBeLessThanOrEqual(2500 + 1000)
    expect(state.segments).toBeGreaterThanOrEqual(1)
    expect((await log.read(log.logStartOffset, 1 << 20)).records.at(-1)!.offset).toBe(59)
  })

  it('lets reads that started before retention finish on the deleted segments', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '600', 'retention.bytes': '0' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 200; i++) await log.append([{ key: null, value: Buffer.alloc(100, i) }])
    const reads = Array.from({ length: 20 }, () => log.read(0, 1 << 20))
    const cleaning = store.runCleaner()
    const results = await Promise.all(reads)
    await cleaning
    expect(log.logStartOffset).toBeGreaterThan(150)
    for (const r of results) expect(r.records.map(x => x.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  it('keeps everything with retention.ms=-1 and retention.bytes=-1', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '500', 'retention.ms': '-1' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 20; i++) await log.append([{ key: null, value: Buffer.alloc(100, i), timestamp: 1 }])
    clock.advance(10 ** 12)
    await store.runCleaner()
    expect(log.logStartOffset).toBe(0)
  })
})

describe('compaction', () => {
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

  async function produceKeys (topic: string, rounds: number, keys: number): Promise<void> {
    const log = store.partition(topic, 0)
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < keys; k++) await log.append([{ key: b(`key-${k}`), value: b(`round-${r}-key-${k}`) }])
    }
  }

  it('keeps the newest record per key in closed segments, preserving offsets', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '600' } })
    await produceKeys('c', 10, 5)
    const log = store.partition('c', 0)
    const hw = log.highWatermark
    expect(await log.compact(true)).toBe(true)
    expect(log.highWatermark).toBe(hw)
    const records = (await log.read(log.logStartOffset, 1 << 20)).records
    // Every key's latest value is still there, at its original offset.
    for (let k = 0; k < 5; k++) {
      const latest = records.filter(r => r.key!.toString() === `key-${k}`).at(-1)!
      expect(latest.value!.toString()).toBe(`round-9-key-${k}`)
      expect(latest.offset).toBe(45 + k)
    }
    expect(records.length).toBeLessThan(50)
    const offsets = records.map(r => r.offset)
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets)
    // No leftovers of the swap.
    expect((await readdir(join(dir, 'c-0'))).filter(f => /cleaned|swap/.test(f))).toEqual([])
    // Appends continue at the same offset; the result survives a restart.
    expect((await log.append([{ key: b('key-0'), value: b('after') }])).baseOffset).toBe(hw)
    await store.close()
    store = await LogStore.open({ dataDir: dir, clock, retentionCheckIntervalMs: 0 })
    const again = (await store.partition('c', 0).read(store.partition('c', 0).logStartOffset, 1 << 20)).records
    expect(again.map(r => r.offset)).toEqual([...offsets, hw])
  })

  it('lets reads that started before compaction finish on the old segments', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '600' } })
    await produceKeys('c', 20, 5)
    const log = store.partition('c', 0)
    const reads = Array.from({ length: 20 }, () => log.read(0, 1 << 20))
    const compacting = log.compact(true)
    const results = await Promise.all(reads)
    expect(await compacting).toBe(true)
    for (const r of results) expect(r.records.map(x => x.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect((await log.read(0, 1 << 20)).records.length).toBeLessThan(100)
  })

  it('drops tombstones older than delete.retention.ms and keeps newer ones', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '300', 'delete.retention.ms': '1000' } })
    const log = store.partition('c', 0)
    await log.append([{ key: b('a'), value: b('1') }])
    await log.append([{ key: b('b'), value: b('1') }])
    await log.append([{ key: b('a'), value: null }])
    for (let i = 0; i < 10; i++) await log.append([{ key: b(`filler-${i}`), value: b('x') }])
    await log.compact(true)
    let keys = (await log.read(log.logStartOffset, 1 << 20)).records.map(r => `${r.key!.toString()}=${r.value?.toString() ?? 'null'}`)
    expect(keys).toContain('a=null')
    expect(keys).not.toContain('a=1')
    clock.advance(5000)
    await log.compact(true)
    keys = (await log.read(log.logStartOffset, 1 << 20)).records.map(r => `${r.key!.toString()}=${r.value?.toString() ?? 'null'}`)
    expect(keys).not.toContain('a=null')
    expect(keys).toContain('b=1')
  })

  it('finishes an interrupted swap and discards unfinished output at start-up', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '600' } })
    await produceKeys('c', 10, 5)
    const log = store.partition('c', 0)
    await store.close()
    const seg = join(dir, 'c-0', '00000000000000000000.log')
    // An unfinished .cleaned file is garbage; a .swap file is committed output of the same records.
    await writeFile(`${seg}.cleaned`, Buffer.from('half-written'))
    await copyFile(seg, `${seg}.swap`)
    store = await LogStore.open({ dataDir: dir, clock, retentionCheckIntervalMs: 0 })
    expect((await readdir(join(dir, 'c-0'))).filter(f => /cleaned|swap/.test(f))).toEqual([])
    expect(store.partition('c', 0).highWatermark).toBe(log.highWatermark)
    expect((await store.partition('c', 0).read(0, 1 << 20)).records.length).toBe(50)
  })
})
