/**
 * A child process that opens a LogStore on a data directory and reports on stdout: `opened` or
 * `refused <code> <message>`. With `hold` it keeps the store open until killed (for lock tests); with `read` it
 * reads every partition from start to end first and reports `opened <records read>`.
 * Usage: node --import tsx test/helpers/open-store.ts <dataDir> [hold|read]
 */
import { LogStore } from '../../src/storage/index.js'
import { isKrestError } from '../../src/util/errors.js'

const [dataDir, mode] = process.argv.slice(2)
if (dataDir === undefined) throw new Error('usage: open-store.ts <dataDir> [hold]')
try {
  const store = await LogStore.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 })
  if (mode === 'read') {
    let records = 0
    for (const state of store.partitionStates()) {
      const log = store.partition(state.topic, state.partition)
      let offset = log.logStartOffset
      while (offset < log.highWatermark) {
        const res = await log.read(offset, 64 * 1024)
        records += res.records.length
        offset = res.nextOffset
      }
    }
    process.stdout.write(`opened ${records}\n`)
  } else {
    process.stdout.write('opened\n')
  }
  if (mode === 'hold') {
    setInterval(() => undefined, 1 << 30)
  } else {
    await store.close()
  }
} catch (err) {
  process.stdout.write(`refused ${isKrestError(err) ? err.code : 'OTHER'} ${(err as Error).message}\n`)
  process.exitCode = 3
}
