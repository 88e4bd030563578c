/**
 * Counts what group consumers deliver (records and key + value bytes per topic) into a `ConsumerProbe`,
 * by wrapping the backend's `GroupConsumers` where the composition root hands it to the consumer instances.
 * The domain code is unchanged; every other call goes straight through.
 */
import type { ConsumedRecord, GroupConsumer, GroupConsumers, PollOptions } from '../backend/group-consumer.js'
import type { ConsumerProbe } from './metrics.js'

export function reportConsumed (probe: ConsumerProbe, records: readonly ConsumedRecord[]): void {
  if (records.length === 0 || probe.consumed === undefined) return
  const perTopic = new Map<string, { records: number, bytes: number }>()
  for (const r of records) {
    const t = perTopic.get(r.topic) ?? { records: 0, bytes: 0 }
    t.records++
    t.bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0)
    perTopic.set(r.topic, t)
  }
  for (const [topic, t] of perTopic) probe.consumed(topic, t.records, t.bytes)
}

function meteredConsumer (consumer: GroupConsumer, probe: ConsumerProbe): GroupConsumer {
  return new Proxy(consumer, {
    get (target, prop) {
      if (prop === 'poll') {
        return async (options: PollOptions): Promise<ConsumedRecord[]> => {
          const records = await target.poll(options)
          reportConsumed(probe, records)
          return records
        }
      }
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

export function meteredGroupConsumers (inner: GroupConsumers, probe: ConsumerProbe): GroupConsumers {
  return {
    classic: inner.classic,
    createConsumer: options => meteredConsumer(inner.createConsumer(options), probe),
    listGroups: () => inner.listGroups(),
    describeGroup: groupId => inner.describeGroup(groupId),
    groupOffsets: groupId => inner.groupOffsets(groupId),
  }
}
