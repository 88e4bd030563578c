/**
 * Child process for the crash tests: opens a store, appends from several concurrent producers as fast as it can,
 * and prints `ack <topic> <partition> <offset> <key> <value>` for each acknowledged append, until it is killed.
 * Besides a plain topic it writes to a compacted one and to one with size-based retention, with the cleaner running
 * every 20 ms, so kills also land in the middle of compaction and retention.
 * argv: dataDir round
 */
import { LogStore, type RecordInput } from '../../src/storage/index.js'

const [dataDir, round] = process.argv.slice(2) as [string, string]
const store = await LogStore.open({ dataDir, retentionCheckIntervalMs: 20, checkpointIntervalMs: 30 })
if (!store.hasTopic('crash')) {
  await store.createTopic('crash', { partitions: 2, configs: { 'segment.bytes': '20000', 'index.interval.bytes': '512' } })
  await store.createTopic('compacted', { partitions: 1, configs: { 'cleanup.policy': 'compact', 'segment.bytes': '4000', 'min.cleanable.dirty.ratio': '0.01' } })
  await store.createTopic('retained', { partitions: 1, configs: { 'segment.bytes': '4000', 'retention.bytes': '12000' } })
}
process.stdout.write('ready\n')
let seq = 0
async function producer (id: number): Promise<void> {
  for (;;) {
    const n = seq++
    const value = `r${round}-p${id}-n${n}-${'x'.repeat(n % 200)}`
    const key = `k${n % 17}`
    let topic = 'crash'
    let partition = n % 2
    if (n % 7 === 3) { topic = 'compacted'; partition = 0 } else if (n % 7 === 5) { topic = 'retained'; partition = 0 }
    const records: RecordInput[] = [{ key: Buffer.from(key), value: Buffer.from(value) }]
    if (topic === 'crash' && n % 5 === 0) records.push({ key: null, value: Buffer.from(`${value}-second`) })
    const result = await store.partition(topic, partition).append(records)
    process.stdout.write(`ack ${topic} ${partition} ${result.baseOffset} ${key} ${value}\n`)
  }
}
await Promise.all(Array.from({ length: 8 }, (_, i) => producer(i)))
