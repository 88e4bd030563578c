/**
 * A full disk: appends fail with STORAGE_ERROR, nothing half-written becomes visible, and writing resumes by itself
 * once space returns. Runs on a small tmpfs (needs root, as on the project's machines and CI); elsewhere it is skipped.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'

function tryMountTmpfs (dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const mountPoint = mkdtempSync(join(tmpdir(), 'krest-tmpfs-'))
const mounted = tryMountTmpfs(mountPoint, '4m')

describe.skipIf(!mounted)('disk full', () => {
  afterAll(() => {
    try { execFileSync('umount', [mountPoint], { stdio: 'ignore' }) } catch {}
    rmSync(mountPoint, { recursive: true, force: true })
  })

  let store: LogStore
  beforeAll(async () => {
    store = await LogStore.open({ dataDir: join(mountPoint, 'data'), retentionCheckIntervalMs: 0 })
  })

  it('fails appends with STORAGE_ERROR, exposes nothing half-written, and recovers when space returns', async () => {
    await store.createTopic('t', { partitions: 1 })
    const log = store.partition('t', 0)
    const filler = join(mountPoint, 'filler')
    await writeFile(filler, Buffer.alloc(3 * 1024 * 1024))
    const acked: number[] = []
    let failure: unknown
    const value = Buffer.alloc(20_000, 1)
    for (let i = 0; i < 200 && failure === undefined; i++) {
      try {
        acked.push((await log.append([{ key: null, value }])).baseOffset)
      } catch (err) {
        failure = err
      }
    }
    expect(isKrestError(failure, 'STORAGE_ERROR')).toBe(true)
    expect((failure as Error).message).toMatch(/ENOSPC|no space/i)
    expect(log.highWatermark).toBe(acked.length)
    // The log file holds exactly the acknowledged batches: the failed write was cut back.
    const segment = join(mountPoint, 'data', 't-0', '00000000000000000000.log')
    const readAll = await log.read(0, 1 << 26)
    expect(readAll.records.map(r => r.offset)).toEqual(acked)
    const batchBytes = statSync(segment).size / acked.length
    expect(Number.isInteger(batchBytes)).toBe(true)
    // Still full: still failing, still nothing visible.
    await expect(log.append([{ key: null, value }])).rejects.toSatisfy(e => isKrestError(e, 'STORAGE_ERROR'))
    expect(log.highWatermark).toBe(acked.length)
    // Space returns: the next append succeeds at the next offset, with no gap.
    await unlink(filler)
    const next = await log.append([{ key: null, value }])
    expect(next.baseOffset).toBe(acked.length)
    await store.close()
    store = await LogStore.open({ dataDir: join(mountPoint, 'data'), retentionCheckIntervalMs: 0 })
    const after = await store.partition('t', 0).read(0, 1 << 26)
    expect(after.records.map(r => r.offset)).toEqual([...acked, acked.length])
    await store.close()
  })
})
