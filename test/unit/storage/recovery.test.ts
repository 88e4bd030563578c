import { appendFile, open, readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

const SEG0 = '00000000000000000000'

/** Simulates a crash: the store's files stay as they are, without the clean-shutdown marker. */
async function crash (store: LogStore, dir: string): Promise<void> {
  await store.close()
  await unlink(join(dir, '.kafka_cleanshutdown'))
}

async function fill (store: LogStore, topic: string, n: number, size = 50): Promise<void> {
  const log = store.partition(topic, 0)
  for (let i = 0; i < n; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(size, i % 256) }])
}

describe('recovery', () => {
  let dir: string
  let cleanup: () => Promise<void>

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => { await cleanup() })

  it('truncates garbage appended to a segment tail and continues at the right offset', async () => {
    let store = await LogStore.open({ dataDir: dir })
    await store.createTopic('t', { partitions: 1 })
    await fill(store, 't', 20)
    await crash(store, dir)
    const logPath = join(dir, 't-0', `${SEG0}.log`)
    const goodSize = (await stat(logPath)).size
    await appendFile(logPath, Buffer.from('this is not a record batch, just garbage bytes after a torn write'))
    store = await LogStore.open({ dataDir: dir })
    expect(store.recoveredFromCleanShutdown).toBe(false)
    expect((await stat(logPath)).size).toBe(goodSize)
    const log = store.partition('t', 0)
    expect(log.highWatermark).toBe(20)
    expect((await log.append([{ key: Buffer.from('x'), value: Buffer.from('after') }])).baseOffset).toBe(20)
    const all = await log.read(0, 1 << 20)
    expect(all.records.map(r => r.offset)).toEqual(Array.from({ length: 21 }, (_, i) => i))
    await store.close()
  })

  it('truncates a torn last batch (file shorter than its header says)', async () => {
    let store = await LogStore.open({ dataDir: dir })
    await store.createTopic('t', { partitions: 1 })
    await fill(store, 't', 10)
    await crash(store, dir)
    const logPath = join(dir, 't-0', `${SEG0}.log`)
    await truncate(logPath, (await stat(logPath)).size - 20)
    store = await LogStore.open({ dataDir: dir })
    expect(store.partition('t', 0).highWatermark).toBe(9)
    expect((await store.partition('t', 0).read(0, 1 << 20)).records.length).toBe(9)
    await store.close()
  })

  it('quarantines a bad CRC in a sealed segment after an unclean stop: later segments stay, the damaged offsets fail to read', async () => {
    let store = await LogStore.open({ dataDir: dir })
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '1000' } })
    await fill(store, 't', 60)
    const segmentsBefore = store.partition('t', 0).state().segments
    const hw = store.partition('t', 0).highWatermark
    expect(segmentsBefore).toBeGreaterThan(3)
    await crash(store, dir)
    // Nothing was checkpointed at a crash that happens before the first checkpoint: recovery starts at 0.
    await unlink(join(dir, 'recovery-point-offset-checkpoint'))
    const logPath = join(dir, 't-0', `${SEG0}.log`)
    const fd = await open(logPath, 'r+')
    const size = (await fd.stat()).size
    const flip = Buffer.alloc(1)
    await fd.read(flip, 0, 1, size - 5)
    flip[0] = flip[0]! ^ 0xff
    await fd.write(flip, 0, 1, size - 5)
    await fd.close()
    store = await LogStore.open({ dataDir: dir })
    const log = store.partition('t', 0)
    expect(log.state().segments).toBe(segmentsBefore)
    expect(log.highWatermark).toBe(hw)
    expect((await stat(logPath)).size).toBe(size) // nothing truncated
    expect(store.damage.map(d => d.kind)).toEqual(['corrupt-segment'])
    const damaged = store.damage[0]?.offsets as { from: number, to: number }
    expect(damaged.to).toBe(damaged.from + 1) // the last batch of segment 0 (one record)
    expect((await readFile(join(dir, '.quarantine', 't-0', `${SEG0}.log`))).length).toBe(size)
    const before = (await log.read(0, 1 << 20)).records
    expect(before.map(r => r.offset)).toEqual(Array.from({ length: damaged.from }, (_, i) => i))
    await expect(log.read(damaged.from, 1 << 20)).rejects.toSatisfy(e => isKrestError(e, 'CORRUPT_DATA'))
    const after = (await log.read(damaged.to, 1 << 20)).records
    expect(after[0]?.offset).toBe(damaged.to)
    expect((await log.append([{ key: Buffer.from('x'), value: Buffer.from('y') }])).baseOffset).toBe(hw)
    await store.close()
  })

  it('rebuilds a missing or garbled index, even after a clean shutdown', async () => {
    let store = await LogStore.open({ dataDir: dir })
    await store.createTopic('t', { partitions: 1, configs: { 'index.interval.bytes': '100' } })
    await fill(store, 't', 100)
    await store.close()
    const indexPath = join(dir, 't-0', `${SEG0}.index`)
    const original = await readFile(indexPath)
    expect(original.length).toBeGreaterThan(8 * 10)
    await unlink(indexPath)
    store = await LogStore.open({ dataDir: dir })
    expect((await readFile(indexPath)).equals(original)).toBe(true)
    for (let o = 0; o < 100; o += 9) expect((await store.partition('t', 0).read(o, 1)).records[0]!.offset).toBe(o)
    await store.close()
    await writeFile(indexPath, Buffer.alloc(original.length, 0xab))
    store = await LogStore.open({ dataDir: dir })
    expect((await readFile(indexPath)).equals(original)).toBe(true)
    for (let o = 0; o < 100; o += 9) expect((await store.partition('t', 0).read(o, 1)).records[0]!.offset).toBe(o)
    await store.close()
  })

  it('keeps segments below the recovery point as they are after an unclean stop', async () => {
    let store = await LogStore.open({ dataDir: dir, checkpointIntervalMs: 0 })
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '1000' } })
    await fill(store, 't', 60)
    const hw = store.partition('t', 0).highWatermark
    await crash(store, dir)
    store = await LogStore.open({ dataDir: dir })
    expect(store.partition('t', 0).highWatermark).toBe(hw)
    expect((await store.partition('t', 0).read(0, 1 << 20)).records.length).toBe(hw)
    await store.close()
  })

  it('starts fast after a clean shutdown (marker present, removed while running)', async () => {
    let store = await LogStore.open({ dataDir: dir })
    await store.createTopic('t', { partitions: 2 })
    await fill(store, 't', 5)
    await store.close()
    expect((await readdir(dir))).toContain('.kafka_cleanshutdown')
    store = await LogStore.open({ dataDir: dir })
    expect(store.recoveredFromCleanShutdown).toBe(true)
    expect(await readdir(dir)).not.toContain('.kafka_cleanshutdown')
    expect(store.partition('t', 0).highWatermark).toBe(5)
    await store.close()
  })
})
