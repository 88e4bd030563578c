import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

describe('log cleaner timer', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let store: LogStore | undefined

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => {
    await store?.close()
    store = undefined
    await cleanup()
  })

  it('keeps running after a first tick that found no topics (fresh data dir, short interval)', async () => {
    store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 20, checkpointIntervalMs: 0 })
    // Let the first ticks run on an empty store.
    await new Promise(resolve => setTimeout(resolve, 80))
    await store.createTopic('t', { partitions: 1, configs: { 'segment.bytes': '1024', 'retention.bytes': '2000' } })
    const log = store.partition('t', 0)
    for (let i = 0; i < 60; i++) await log.append([{ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i) }])
    const deadline = Date.now() + 5000
    while (log.state().sizeBytes >= 2000 + 1024 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    expect(log.logStartOffset).toBeGreaterThan(0)
    expect(log.state().sizeBytes).toBeLessThan(2000 + 1024)
  })
})
