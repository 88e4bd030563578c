import { readdir, readFile, rename, stat, truncate, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

/** Damage after a clean shutdown: start-up must not delete anything, and must not serve the damaged bytes. */
describe('start-up quarantines damage instead of deleting data', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore | undefined

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => {
    await store?.close()
    store = undefined
    await cleanup()
  })

  const open = async (extra: { damagePolicy?: 'start' | 'refuse' } = {}): Promise<LogStore> =>
    await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0, ...extra })

  /** 300 records of ~150 bytes in segments of ~4 KiB; closed cleanly. Returns the segment file names. */
  async function prepare (): Promise<string[]> {
    store = await open()
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '4096' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 300; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i % 251) }])
    await store.close()
    store = undefined
    return (await readdir(join(dir, 't-0'))).filter(n => n.endsWith('.log')).sort()
  }

  /** Every offset is either read back intact or refused with CORRUPT_DATA; returns how many were served. */
  async function readAllOrRefuse (s: LogStore, end?: number): Promise<{ served: number, refused: number }> {
    const log = s.partition('t', 0)
    let served = 0
    let refused = 0
    for (let offset = log.logStartOffset; offset < (end ?? log.highWatermark); offset++) {
      try {
        const res = await log.read(offset, 1)
        const r = res.records.find(x => x.offset === offset)
        expect(r?.key?.toString()).toBe(`k${offset}`)
        expect(r?.value?.equals(Buffer.alloc(100, offset % 251))).toBe(true)
        served++
      } catch (err) {
        expect(isKrestError(err, 'CORRUPT_DATA')).toBe(true)
        refused++
      }
    }
    return { served, refused }
  }

  it('a bit flip in the middle of a sealed segment: quarantined, every other record served, nothing deleted', async () => {
    const names = await prepare()
    const victim = join(dir, 't-0', names[3] as string)
    const buf = await readFile(victim)
    const at = Math.floor(buf.length / 2)
    buf.writeUInt8(buf.readUInt8(at) ^ 0x10, at)
    await writeFile(victim, buf)
    store = await open()
    expect(store.damage.map(d => d.kind)).toEqual(['corrupt-segment'])
    expect(store.damage[0]?.quarantinedTo).toBe(join(dir, '.quarantine', 't-0', names[3] as string))
    expect((await readdir(join(dir, 't-0'))).filter(n => n.endsWith('.log')).sort()).toEqual(names)
    const { served, refused } = await readAllOrRefuse(store)
    expect(served + refused).toBe(300)
    expect(refused).toBeGreaterThan(0)
    expect(refused).toBeLessThan(30) // only the damaged segment's tail, not everything after it
  })

  it('100 bytes cut from the middle of a sealed segment: quarantined, later segments kept', async () => {
    const names = await prepare()
    const victim = join(dir, 't-0', names[2] as string)
    const buf = await readFile(victim)
    const mid = Math.floor(buf.length / 2)
    await writeFile(victim, Buffer.concat([buf.subarray(0, mid), buf.subarray(mid + 100)]))
    store = await open()
    expect(store.damage.map(d => d.kind)).toEqual(['corrupt-segment'])
    const { served, refused } = await readAllOrRefuse(store)
    expect(served + refused).toBe(300)
    expect(refused).toBeLessThan(30)
    expect(store.partition('t', 0).state().segments).toBe(names.length)
  })

  it('a missing segment: the gap is reported and refused, never skipped silently', async () => {
    const names = await prepare()
    await unlink(join(dir, 't-0', names[4] as string))
    store = await open()
    expect(store.damage.map(d => d.kind)).toEqual(['missing-offsets'])
    const gap = store.damage[0]?.offsets as { from: number, to: number }
    expect(gap.from).toBe(Number((names[4] as string).slice(0, 20)))
    await expect(store.partition('t', 0).read(gap.from - 1, 1 << 20)).resolves.toBeDefined()
    await expect(store.partition('t', 0).read(gap.from, 1)).rejects.toSatisfy(e => isKrestError(e, 'CORRUPT_DATA'))
    const { served, refused } = await readAllOrRefuse(store)
    expect(refused).toBe(gap.to - gap.from)
    expect(served).toBe(300 - refused)
  })

  it('a sealed segment truncated at a batch boundary: the lost offsets are refused', async () => {
    const names = await prepare()
    const victim = join(dir, 't-0', names[1] as string)
    const size = (await stat(victim)).size
    let cut = 0
    const buf = await readFile(victim)
    while (cut + 12 <= size && cut < size / 2) cut += buf.readInt32BE(cut + 8) + 12
    await truncate(victim, cut)
    store = await open()
    expect(store.damage.length).toBe(1)
    const { served, refused } = await readAllOrRefuse(store)
    expect(served + refused).toBe(300)
    expect(refused).toBeGreaterThan(0)
  })

  it('a missing topic metadata file: partition directories are kept and reported, not deleted', async () => {
    await prepare()
    await rename(join(dir, '.topics', 't.json'), join(dir, 't.json.bak'))
    store = await open()
    expect(store.hasTopic('t')).toBe(false)
    expect(store.damage.map(d => d.kind)).toEqual(['orphan-partition'])
    expect((await readdir(join(dir, 't-0'))).length).toBeGreaterThan(3)
    await store.close()
    store = undefined
    await rename(join(dir, 't.json.bak'), join(dir, '.topics', 't.json'))
    store = await open()
    expect(store.damage).toEqual([])
    expect((await readAllOrRefuse(store)).served).toBe(300)
  })

  it('a corrupt topic metadata file is named, and the topic is left alone', async () => {
    await prepare()
    await writeFile(join(dir, '.topics', 't.json'), '{"name": "t", "partitions": ')
    store = await open()
    expect(store.damage.map(d => d.kind)).toEqual(['topic-metadata'])
    expect(store.damage[0]?.message).toContain(join(dir, '.topics', 't.json'))
    expect((await readdir(join(dir, 't-0'))).length).toBeGreaterThan(3)
  })

  it('log.damage.policy=refuse refuses to open a damaged data directory, saying what is damaged', async () => {
    await prepare()
    await writeFile(join(dir, '.topics', 't.json'), 'not json')
    await expect(open({ damagePolicy: 'refuse' })).rejects.toSatisfy(e =>
      isKrestError(e, 'CORRUPT_DATA') && (e as Error).message.includes(join(dir, '.topics', 't.json')))
    store = await open({ damagePolicy: 'start' })
  })

  it('a flipped bit in the middle of the active segment after an unclean stop: quarantined, offsets never reused', async () => {
    store = await open()
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    for (let i = 0; i < 100; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i % 251) }])
    await store.close()
    store = undefined
    await unlink(join(dir, '.kafka_cleanshutdown'))
    const victim = join(dir, 't-0', '00000000000000000000.log')
    const buf = await readFile(victim)
    const at = Math.floor(buf.length / 3)
    buf.writeUInt8(buf.readUInt8(at) ^ 0x01, at)
    await writeFile(victim, buf)
    store = await open()
    expect(store.damage.map(d => d.kind)).toEqual(['corrupt-segment'])
    expect((await stat(victim)).size).toBe(buf.length)
    const next = await store.partition('t', 0).append([{ key: Buffer.from('new'), value: Buffer.from('v') }])
    expect(next.baseOffset).toBe(100) // past every offset the damaged bytes held
    const { served, refused } = await readAllOrRefuse(store, 100)
    expect(served + refused).toBe(100)
    expect(refused).toBeGreaterThan(0)
    expect(served).toBeGreaterThan(20) // the records before the flip
    const fresh = await store.partition('t', 0).read(100, 1 << 20)
    expect(fresh.records.map(r => r.key?.toString())).toEqual(['new'])
  })

  it('a deleted meta.properties does not silently make a new cluster id', async () => {
    await prepare()
    await unlink(join(dir, 'meta.properties'))
    await expect(open()).rejects.toThrow(/meta\.properties is missing but .* holds 1 topics/)
  })
})
