/**
 * The ports below the backend: what the modules above the storage engine may rely on, written as interfaces so
 * they never import `src/storage` (the lint rules in eslint.config.js enforce it).
 *
 * - `StoragePort` / `PartitionPort`: the embedded engine's log store as the embedded backend and the consumer
 *   groups use it. `LogStore` and `PartitionLog` satisfy them structurally. There is one such type: the backend,
 *   the group coordinator and the embedded consumer all take this one.
 * - `InternalTopics` / `InternalTopic`: krest's own durable state (`_schemas`, `__consumer_offsets`) as
 *   append / read-from / tail over a named internal topic. The registry journal and the offset store reach their
 *   topics only through it, so a backend that fronts a real Kafka cluster can keep them in the cluster.
 */
import type { AppendResult, Clock, LogConfig, ReadResult, RecordHeader, RecordInput, StorageLogger, StoredRecord, TopicDescription } from '../storage/types.js'

export type { AppendResult, Clock, LogConfig, ReadResult, RecordHeader, RecordInput, StorageLogger, StoredRecord, TopicDescription }

/** One partition of the embedded log store. */
export interface PartitionPort {
  readonly topic: string
  readonly partition: number
  readonly logStartOffset: number
  readonly logEndOffset: number
  /** What readers may see: only what is durable per the flush policy. */
  readonly highWatermark: number
  append (records: RecordInput[]): Promise<AppendResult>
  read (offset: number, maxBytes: number): Promise<ReadResult>
  offsetForTimestamp (timestamp: number): Promise<{ offset: number, timestamp: number } | null>
  /** Resolves true once `offset` is readable (below the high watermark), false on timeout or abort. */
  waitFor (offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>
}

export type ConfigSourceName = 'DYNAMIC_TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG'

/** One topic config as the store reports it (Kafka's DescribeConfigs entry). */
export interface StoreConfigEntry {
  name: string
  value: string
  isDefault: boolean
  isReadOnly: boolean
  isSensitive: boolean
  source: ConfigSourceName
  synonyms: Array<{ name: string, value: string, source: ConfigSourceName }>
}

/** The embedded log store: topics admin and partitions. Synchronous where the engine answers from memory. */
export interface StoragePort {
  readonly clusterId: string
  createTopic (name: string, spec: { partitions: number, configs?: Record<string, string>, internal?: boolean }): Promise<TopicDescription>
  hasTopic (name: string): boolean
  /** Throws TOPIC_NOT_FOUND. */
  describeTopic (name: string): TopicDescription
  listTopics (): TopicDescription[]
  deleteTopic (name: string): Promise<void>
  addPartitions (name: string, totalCount: number): Promise<unknown>
  alterTopicConfigs (name: string, set: Record<string, string>, reset?: string[]): Promise<unknown>
  topicConfigEntries (name: string): StoreConfigEntry[]
  /** Throws INVALID_CONFIG when `value` is not valid for topic config `name` (or the name is unknown). */
  validateTopicConfig (name: string, value: string): void
  /** Throws TOPIC_NOT_FOUND / PARTITION_NOT_FOUND. */
  partition (topic: string, partition: number): PartitionPort
}

// ---- internal topics ---------------------------------------------------------------------------------------

export interface InternalRecord {
  key: Buffer
  value: Buffer | null
  timestamp?: number
}

export interface InternalTopicSpec {
  /** Partitions when the topic is created; an existing topic keeps its own count. */
  partitions: number
  /** Topic configs when the topic is created (e.g. `cleanup.policy=compact`). */
  configs: Record<string, string>
}

/** A read from an internal topic partition: records in offset order, and where to continue. */
export interface InternalRead {
  records: StoredRecord[]
  nextOffset: number
}

/** One internal topic: krest's own state, compacted, written and replayed only by krest's modules. */
export interface InternalTopic {
  readonly name: string
  readonly partitions: number
  /** Durably appends records to one partition (acknowledged per the topic's flush policy). */
  append (partition: number, records: readonly InternalRecord[]): Promise<void>
  /** First offset still held and the end (next offset to be written, as far as readers may see). */
  bounds (partition: number): { start: number, end: number }
  /** Records from `offset` on, up to about `maxBytes`; empty at the end. */
  readFrom (partition: number, offset: number, maxBytes: number): Promise<InternalRead>
  /** Waits until something at or past `offset` is readable: true, or false on timeout / abort. */
  tail (partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>
}

export interface InternalTopics {
  /** Opens an internal topic, creating it per `spec` when it does not exist. */
  open (name: string, spec: InternalTopicSpec): Promise<InternalTopic>
}

const REPLAY_CHUNK_BYTES = 1024 * 1024

/**
 * Reads one partition of an internal topic from its start to its end as of the call, record by record: the
 * start-up replay of the registry journal and the offset store.
 */
export async function replayPartition (topic: InternalTopic, partition: number, apply: (record: StoredRecord) => void): Promise<void> {
  const { start, end } = topic.bounds(partition)
  let offset = start
  while (offset < end) {
    const res = await topic.readFrom(partition, offset, REPLAY_CHUNK_BYTES)
    if (res.records.length === 0 || res.nextOffset <= offset) break
    for (const r of res.records) {
      if (r.offset >= end) return
      apply(r)
    }
    offset = res.nextOffset
  }
}
