/**
 * Reading what the server stored, through the Backend interface (as a manually assigned consumer would), so
 * tests check storage without reaching past the backend into the engine.
 */
import type { Backend } from '../../src/backend/index.js'
import type { ConsumedRecord } from '../../src/backend/group-consumer.js'

let readers = 0

/** Every record of `topic`-`partition` from `from` up to the high watermark at the time of the call. */
export async function readPartition (backend: Backend, topic: string, partition: number, from = 0): Promise<ConsumedRecord[]> {
  const { highWatermark } = await backend.metadata.partitionOffsets(topic, partition)
  const out: ConsumedRecord[] = []
  if (from >= highWatermark) return out
  const consumer = backend.groups.createConsumer({ groupId: `krest-test-reader-${++readers}`, clientId: 'test-reader', autoOffsetReset: 'earliest', autoCommit: false })
  try {
    const tp = { topic, partition }
    await consumer.assign([tp])
    consumer.seek(tp, from)
    let next = from
    while (next < highWatermark) {
      const batch = await consumer.poll({ timeoutMs: 1000, maxBytes: 1 << 20, minBytes: 1 })
      if (batch.length === 0) throw new Error(`readPartition: nothing after offset ${next} of ${topic}-${partition}, below its high watermark ${highWatermark}`)
      for (const r of batch) if (r.offset < highWatermark) out.push(r)
      next = (batch[batch.length - 1] as ConsumedRecord).offset + 1
    }
    return out
  } finally {
    await consumer.close()
  }
}

/** The high watermark (next offset to be written) of a partition. */
export async function endOffset (backend: Backend, topic: string, partition: number): Promise<number> {
  return (await backend.metadata.partitionOffsets(topic, partition)).highWatermark
}

/** Whether the topic exists (internal ones included). */
export async function hasTopic (backend: Backend, name: string): Promise<boolean> {
  return (await backend.admin.listTopics({ includeInternal: true })).some(t => t.name === name)
}

/** A topic's effective configs as the admin API describes them, by name (strings, as Kafka reports them). */
export async function topicConfig (backend: Backend, name: string): Promise<Record<string, string | null>> {
  return Object.fromEntries((await backend.admin.describeTopicConfigs(name)).map(e => [e.name, e.value]))
}
