/**
 * Child process for the crash tests: opens a store, appends from several concurrent producers as fast as it can,
 * and prints `ack <partition> <offset> <value>` for each acknowledged append, until it is killed.
 * argv: dataDir round
 */
import { LogStore, type RecordInput } from '../../src/storage/index.js'

const [dataDir, round] = process.argv.slice(2) as [string, string]
const store = await LogStore.open({ dataDir, retentionCheckIntervalMs: 50, checkpointIntervalMs: 30 })
if (!store.hasTopic('crash')) {
  await store.createTopic('crash', { partitions: 2, configs: { 'segment.bytes': '20000', 'index.interval.bytes': '512' } })
}
process.stdout.write('ready\n')
let seq = 0
async function producer (id: number): Promise<void> {
  for (;;) {
    const n = seq++
    const partition = n % 2
    const value = `r${round}-p${id}-n${n}-${'x'.repeat(n % 200)}`
    const records: RecordInput[] = [{ key: Buffer.from(`k${n % 17}`), value: Buffer.from(value) }]
    if (n % 5 === 0) records.push({ key: null, value: Buffer.from(`${value}-second`) })
    const result = await store.partition('crash', partition).append(records)
    process.stdout.write(`ack ${partition} ${result.baseOffset} ${value}\n`)
  }
}
await Promise.all(Array.from({ length: 8 }, (_, i) => producer(i)))
