import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { ManualClock, makeTmpDir } from '../../helpers/tmp-dir.js'

const v = (s: string): Buffer => Buffer.from(s)

describe('PartitionLog', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTmpDir())
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
  })
  afterEach(async () => {
    await store.close()
    await cleanup()
  })

  it('assigns unique, gap-free offsets to concurrent appends and reads them back', async () => {
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) =>
      log.append([{ key: v(`k${i}`), value: v(`value-${i}`) }, { key: null, value: v(`second-${i}`) }])))
    const offsets = results.flatMap(r => [r.baseOffset, r.lastOffset]).sort((a, b) => a - b)
    expect(offsets).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(log.highWatermark).toBe(1000)
    const read = await log.read(0, 10 * 1024 * 1024)
    expect(read.records.map(r => r.offset)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    for (const r of results) {
      const i = read.records[r.baseOffset]!
      expect(i.value!.toString()).toMatch(/^value-\d+$/)
      expect(read.records[r.lastOffset]!.value!.toString()).toBe(i.value!.toString().replace('value', 'second'))
    }
  })

  it('reads from any offset, returns nothing at the high watermark and refuses offsets out of range', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'index.interval.bytes': '100' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 200; i++) await log.append([{ key: null, value: v(`r${i}`) }])
    for (const o of [0, 1, 57, 128, 199]) {
      const read = await log.read(o, 1)
      expect(read.records[0]!.offset).toBe(o)
      expect(read.records[0]!.value!.toString()).toBe(`r${o}`)
    }
    expect((await log.read(200, 1000)).records).toEqual([])
    await expect(log.read(201, 1000)).rejects.toSatisfy(e => isKrestError(e, 'OFFSET_OUT_OF_RANGE'))
    await expect(log.read(-1, 1000)).rejects.toSatisfy(e => isKrestError(e, 'OFFSET_OUT_OF_RANGE'))
  })

  it('respects maxBytes but always returns at least one whole batch', async () => {
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    await log.append([{ key: null, value: Buffer.alloc(50_000, 1) }])
    await log.append([{ key: null, value: v('small') }])
    const first = await log.read(0, 10)
    expect(first.records.length).toBe(1)
    expect(first.records[0]!.value!.length).toBe(50_000)
    expect(first.nextOffset).toBe(1)
    const both = await log.read(0, 1_000_000)
    expect(both.records.length).toBe(2)
  })

  it('rolls segments at segment.bytes and reads across them', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '1000', 'index.interval.bytes': '200' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 100; i++) await log.append([{ key: null, value: Buffer.alloc(90, i) }])
    const files = (await readdir(join(dir, 't-0'))).sort()
    const logs = files.filter(f => f.endsWith('.log'))
    expect(logs.length).toBeGreaterThan(5)
    expect(logs[0]).toBe('00000000000000000000.log')
    for (const f of logs) expect(f).toMatch(/^\d{20}\.log$/)
    expect(files.filter(f => f.endsWith('.index')).length).toBe(logs.length)
    expect(files.filter(f => f.endsWith('.timeindex')).length).toBe(logs.length)
    const all = await log.read(0, 1 << 20)
    expect(all.records.map(r => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    for (let o = 0; o < 100; o += 7) expect((await log.read(o, 1)).records[0]!.offset).toBe(o)
    expect(log.state().segments).toBe(logs.length)
  })

  it('groups concurrent appends that straddle a roll into the right segments', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '2000' } })
    const log = store.partition('t', 0)
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append([{ key: null, value: Buffer.alloc(100, i % 256) }])))
    expect(results.map(r => r.baseOffset).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i))
    const all = await log.read(0, 1 << 22)
    expect(all.records.length).toBe(300)
    for (const r of all.records) expect(r.value!.length).toBe(100)
  })

  it('rolls at segment.ms by record timestamps', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.ms': '1000' } })
    const log = store.partition('t', 0)
    await log.append([{ key: null, value: v('a'), timestamp: 10_000 }])
    await log.append([{ key: null, value: v('b'), timestamp: 10_500 }])
    expect(log.state().segments).toBe(1)
    await log.append([{ key: null, value: v('c'), timestamp: 11_001 }])
    expect(log.state().segments).toBe(2)
  })

  it('finds offsets by timestamp as ListOffsets does', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '500', 'index.interval.bytes': '64' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 50; i++) await log.append([{ key: null, value: v(`x${i}`), timestamp: 1000 + i * 10 }])
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 })
    expect(await log.offsetForTimestamp(1000)).toEqual({ offset: 0, timestamp: 1000 })
    expect(await log.offsetForTimestamp(1001)).toEqual({ offset: 1, timestamp: 1010 })
    expect(await log.offsetForTimestamp(1255)).toEqual({ offset: 26, timestamp: 1260 })
    expect(await log.offsetForTimestamp(1490)).toEqual({ offset: 49, timestamp: 1490 })
    expect(await log.offsetForTimestamp(1491)).toBeNull()
  })

  it('wakes a waiter on the append that makes data visible, and times out or aborts otherwise', async () => {
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    const waiting = log.waitFor(0, 30_000)
    let settled = false
    void waiting.then(() => { settled = true })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(settled).toBe(false)
    await log.append([{ key: null, value: v('wake') }])
    expect(await waiting).toBe(true)
    expect(await log.waitFor(0, 1000)).toBe(true)
    expect(await log.waitFor(1, 30)).toBe(false)
    const controller = new AbortController()
    const aborted = log.waitFor(1, 30_000, controller.signal)
    controller.abort()
    expect(await aborted).toBe(false)
  })

  it('rejects an oversized batch with nothing written', async () => {
    await store.createTopic('t', { partitions: 1, configs: { 'max.message.bytes': '1000' } })
    const log = store.partition('t', 0)
    await log.append([{ key: null, value: v('ok') }])
    await expect(log.append([{ key: null, value: Buffer.alloc(2000) }])).rejects.toSatisfy(e => isKrestError(e, 'RECORD_TOO_LARGE'))
    expect(log.highWatermark).toBe(1)
    expect((await log.append([{ key: null, value: v('next') }])).baseOffset).toBe(1)
    expect((await log.read(0, 1 << 20)).records.map(r => r.value!.toString())).toEqual(['ok', 'next'])
  })

  it('rejects keyless records on a compacted topic', async () => {
    await store.createTopic('c', { partitions: 1, configs: { 'cleanup.policy': 'compact' } })
    await expect(store.partition('c', 0).append([{ key: null, value: v('x') }])).rejects.toSatisfy(e => isKrestError(e, 'INVALID_RECORD'))
  })

  it('stamps LogAppendTime when the topic asks for it, and keeps CreateTime otherwise', async () => {
    const clock = new ManualClock(5_000_000)
    await store.close()
    store = await LogStore.open({ dataDir: dir, clock, retentionCheckIntervalMs: 0 })
    await store.createTopic('a', { partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } })
    await store.createTopic('c', { partitions: 1 })
    const ra = await store.partition('a', 0).append([{ key: null, value: v('x'), timestamp: 42 }])
    expect(ra.logAppendTime).toBe(5_000_000)
    expect((await store.partition('a', 0).read(0, 1000)).records[0]!.timestamp).toBe(5_000_000)
    const rc = await store.partition('c', 0).append([{ key: null, value: v('x'), timestamp: 42 }, { key: null, value: v('y') }])
    expect(rc.logAppendTime).toBe(-1)
    expect((await store.partition('c', 0).read(0, 1000)).records.map(r => r.timestamp)).toEqual([42, 5_000_000])
  })

  it('round-trips headers, null keys and null values', async () => {
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    await log.append([{ key: v('k'), value: null, headers: [{ key: 'h1', value: v('x') }, { key: 'h2', value: null }] }])
    const [r] = (await log.read(0, 1000)).records
    expect(r!.key!.toString()).toBe('k')
    expect(r!.value).toBeNull()
    expect(r!.headers).toEqual([{ key: 'h1', value: v('x') }, { key: 'h2', value: null }])
  })
})
