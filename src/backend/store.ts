/**
 * The part of the storage engine's `LogStore` the embedded backend uses, written down as an interface so the
 * backend depends on a narrow contract (and tests may hand it any implementation). `LogStore` satisfies it.
 */
import type { AppendResult, RawReadResult, RecordInput, ReadResult, TopicDescription } from '../storage/types.js'

export interface StoreConfigEntry {
  name: string
  value: string | null
  isDefault: boolean
  isReadOnly: boolean
  isSensitive: boolean
  source: string
  synonyms?: Array<{ name: string, value: string | null, source: string }>
}

export interface EmbeddedPartitionLog {
  append(records: RecordInput[]): Promise<AppendResult>
  /** Appends whole RecordBatch v2 buffers as they are (one batch per buffer); queued synchronously. */
  appendBatches(batches: readonly Buffer[]): Promise<AppendResult>
  read(offset: number, maxBytes: number): Promise<ReadResult>
  readRaw(offset: number, maxBytes: number): Promise<RawReadResult>
  offsetForTimestamp(timestamp: number): Promise<{ offset: number, timestamp: number } | null>
  waitFor(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>
  readonly logStartOffset: number
  readonly logEndOffset: number
  readonly highWatermark: number
}

type MaybePromise<T> = T | Promise<T>

export interface EmbeddedStore {
  readonly clusterId: string
  createTopic(name: string, spec: { partitions: number, configs?: Record<string, string>, internal?: boolean }): Promise<TopicDescription>
  hasTopic(name: string): MaybePromise<boolean>
  describeTopic(name: string): MaybePromise<TopicDescription>
  listTopics(): MaybePromise<TopicDescription[]>
  deleteTopic(name: string): Promise<void>
  addPartitions(name: string, totalCount: number): MaybePromise<unknown>
  alterTopicConfigs(name: string, set: Record<string, string>, reset?: string[]): MaybePromise<unknown>
  topicConfigEntries(name: string): MaybePromise<StoreConfigEntry[]>
  partition(topic: string, partition: number): EmbeddedPartitionLog
  /** Throws INVALID_CONFIG when `value` is not valid for topic config `name`. */
  validateTopicConfig(name: string, value: string): void
}
