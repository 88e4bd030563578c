/**
 * The registry journal on krest's own storage engine: the internal, compacted, single-partition topic `_schemas`
 * (Confluent's `kafkastore.topic`), written with the same key/value JSON shapes as Confluent Schema Registry.
 */
import type { AppendResult, ReadResult, RecordInput } from '../storage/types.js'
import type { SchemaJournal } from './types.js'

/** The part of `LogStore` the journal uses (structural, so the registry does not depend on the engine's class). */
export interface JournalStore {
  hasTopic (name: string): boolean
  createTopic (name: string, opts: { partitions: number, configs?: Record<string, string>, internal?: boolean }): Promise<unknown>
  partition (topic: string, partition: number): JournalPartition
}

export interface JournalPartition {
  append (records: RecordInput[]): Promise<AppendResult>
  read (offset: number, maxBytes: number): Promise<ReadResult>
  readonly logStartOffset: number
  readonly highWatermark: number
}

export const SCHEMAS_TOPIC = '_schemas'

export class LogJournal implements SchemaJournal {
  private constructor (private readonly store: JournalStore, private readonly topic: string) {}

  /**
   * Opens (creating if needed) the schemas topic: 1 partition, `cleanup.policy=compact`, internal, and
   * `flush.ms=0` (fsync before acknowledging) whatever the broker default: a registration is acknowledged only
   * once it survives power loss, and registrations are rare enough for that to cost nothing.
   */
  static async open (store: JournalStore, topic = SCHEMAS_TOPIC): Promise<LogJournal> {
    if (!store.hasTopic(topic)) {
      await store.createTopic(topic, { partitions: 1, configs: { 'cleanup.policy': 'compact', 'flush.ms': '0' }, internal: true })
    }
    return new LogJournal(store, topic)
  }

  async replay (apply: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    const log = this.store.partition(this.topic, 0)
    const end = log.highWatermark
    let offset = log.logStartOffset
    while (offset < end) {
      const res = await log.read(offset, 1024 * 1024)
      if (res.records.length === 0 || res.nextOffset <= offset) break
      for (const r of res.records) {
        if (r.offset >= end) break
        if (r.key !== null) apply(r.key, r.value)
      }
      offset = res.nextOffset
    }
  }

  async append (key: Buffer, value: Buffer | null): Promise<void> {
    await this.store.partition(this.topic, 0).append([{ key, value }])
  }
}
