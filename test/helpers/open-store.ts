/**
 * A child process that opens a LogStore on a data directory and reports on stdout: `opened` or
 * `refused <code> <message>`. With `hold` it keeps the store open until killed (for lock tests).
 * Usage: node --import tsx test/helpers/open-store.ts <dataDir> [hold]
 */
import { LogStore } from '../../src/storage/index.js'
import { isKrestError } from '../../src/util/errors.js'

const [dataDir, mode] = process.argv.slice(2)
if (dataDir === undefined) throw new Error('usage: open-store.ts <dataDir> [hold]')
try {
  const store = await LogStore.open({ dataDir, retentionCheckIntervalMs: 0, checkpointIntervalMs: 0 })
  process.stdout.write('opened\n')
  if (mode === 'hold') {
    setInterval(() => undefined, 1 << 30)
  } else {
    await store.close()
  }
} catch (err) {
  process.stdout.write(`refused ${isKrestError(err) ? err.code : 'OTHER'} ${(err as Error).message}\n`)
  process.exitCode = 3
}
