/** Public types of the storage engine. The engine knows nothing of HTTP, JSON bodies or schemas. */

export type { RecordHeader, RecordInput, DecodedRecord as StoredRecord } from '../codec/record-batch.js'
import type { DecodedRecord as StoredRecord } from '../codec/record-batch.js'
import type { StorageErrorReason } from './errors.js'

export interface AppendResult {
  /** Offset of the first record of this append. */
  baseOffset: number
  /** Offset of the last record of this append. */
  lastOffset: number
  /** Timestamp Kafka reports for the batch: the log append time under LogAppendTime, else -1 (as Kafka's produce response). */
  logAppendTime: number
  /** Largest record timestamp in the append. */
  maxTimestamp: number
}

export interface ReadResult {
  /** Records from the batch holding the requested offset onwards; records below the requested offset are already dropped. */
  records: StoredRecord[]
  /** Next offset to fetch after these records. */
  nextOffset: number
  highWatermark: number
  logStartOffset: number
}

export interface RawReadResult {
  /** Whole RecordBatch v2 batches, back to back, starting at the batch that holds the requested offset. */
  batches: Buffer
  highWatermark: number
  logStartOffset: number
}

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'
export type { TimestampType } from '../codec/record-batch.js'
import type { TimestampType } from '../codec/record-batch.js'

/** Effective per-topic log configuration, with Kafka's topic-level names. */
export interface LogConfig {
  'cleanup.policy': CleanupPolicy
  'segment.bytes': number
  'segment.ms': number
  'retention.ms': number
  'retention.bytes': number
  'max.message.bytes': number
  /** 0: fsync before acknowledging (group commit, the default). N > 0: acknowledge after the page-cache write, fsync at least every N ms. */
  'flush.ms': number
  'index.interval.bytes': number
  'message.timestamp.type': TimestampType
  'delete.retention.ms': number
  'min.cleanable.dirty.ratio': number
  /** Refuse CreateTime records older / newer than this relative to the broker clock (Kafka's defaults: Long.MAX, 1 h). */
  'message.timestamp.before.max.ms': number
  'message.timestamp.after.max.ms': number
  // Kafka's other topic configs: accepted, stored and reported; see `effect` in log-config.ts for what they do here.
  'compression.type': string
  'compression.gzip.level': number
  'compression.lz4.level': number
  'compression.zstd.level': number
  'file.delete.delay.ms': number
  'flush.messages': number
  'follower.replication.throttled.replicas': string
  'leader.replication.throttled.replicas': string
  'local.retention.bytes': number
  'local.retention.ms': number
  'max.compaction.lag.ms': number
  'min.compaction.lag.ms': number
  'min.insync.replicas': number
  'preallocate': boolean
  'remote.log.copy.disable': boolean
  'remote.log.delete.on.disable': boolean
  'remote.storage.enable': boolean
  'segment.index.bytes': number
  'segment.jitter.ms': number
  'unclean.leader.election.enable': boolean
}

export interface TopicDescription {
  name: string
  /** Stable id (base64url UUID, like Kafka's topic ids). */
  topicId: string
  partitions: number
  internal: boolean
  /** Per-topic overrides, as strings, Kafka style. */
  overrides: Record<string, string>
  config: LogConfig
}

export interface PartitionState {
  topic: string
  partition: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  segments: number
  sizeBytes: number
}

/** What the engine reports to telemetry. All optional; the engine never depends on a metrics library. */
export interface StorageProbe {
  fsync?(durationMs: number, bytes: number): void
  appended?(topic: string, partition: number, records: number, bytes: number): void
  segmentRolled?(topic: string, partition: number, baseOffset: number): void
  segmentsDeleted?(topic: string, partition: number, count: number, reason: 'retention.ms' | 'retention.bytes'): void
  recovered?(topic: string, partition: number, truncatedBytes: number): void
  /** A read found damaged data on disk (a batch failing its checks, missing offsets) and was refused. */
  readFailed?(topic: string, partition: number, reason: StorageErrorReason): void
}

/** A narrow logger interface (pino's shape) so the engine does not import a logging library. */
export interface StorageLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export interface Clock {
  now(): number
}
