/**
 * The registry journal on an internal topic of the backend: `_schemas` (Confluent's `kafkastore.topic`), compacted,
 * one partition, written with the same key/value JSON shapes as Confluent Schema Registry.
 */
import { replayPartition, type InternalTopic, type InternalTopics } from '../backend/ports.js'
import type { SchemaJournal } from './types.js'

export const SCHEMAS_TOPIC = '_schemas'

export class LogJournal implements SchemaJournal {
  private constructor (private readonly topic: InternalTopic) {}

  /**
   * Opens (creating if needed) the schemas topic: 1 partition, `cleanup.policy=compact`, and `flush.ms=0` (fsync
   * before acknowledging) whatever the broker default: a registration is acknowledged only once it survives power
   * loss, and registrations are rare enough for that to cost nothing.
   */
  static async open (internalTopics: InternalTopics, topic = SCHEMAS_TOPIC): Promise<LogJournal> {
    return new LogJournal(await internalTopics.open(topic, { partitions: 1, configs: { 'cleanup.policy': 'compact', 'flush.ms': '0' } }))
  }

  async replay (apply: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    await replayPartition(this.topic, 0, r => { if (r.key !== null) apply(r.key, r.value) })
  }

  async append (key: Buffer, value: Buffer | null): Promise<void> {
    await this.topic.append(0, [{ key, value }])
  }
}
