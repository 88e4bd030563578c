/**
 * The Backend interface: what the HTTP and proxy layers use, shaped like a Kafka client (producer, admin,
 * metadata; a consumer-group member part comes with the consumer-groups work). The embedded implementation
 * (`embedded.ts`) sits on the storage engine; a later one may front a real Kafka cluster.
 *
 * Errors are `KrestError`s with domain codes; `src/http/errors.ts` maps them to HTTP.
 */
import type { RecordHeader, StoredRecord } from '../storage/types.js'
import type { KrestError } from '../util/errors.js'
import type { GroupConsumers } from './group-consumer.js'

export type { RecordHeader, StoredRecord }

/** The one broker of the embedded backend. */
export const EMBEDDED_BROKER_ID = 0

// ---- producer -----------------------------------------------------------------------------------------------

export interface ProduceRecord {
  key: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
  /** Create time in ms since epoch; defaults to now. */
  timestamp?: number
  /** Target partition. Without it: murmur2 of the key, or spread across partitions when the key is null. */
  partition?: number
}

export interface ProduceOptions {
  /** Partition for records that do not name their own (v2 `POST /topics/{t}/partitions/{p}`). */
  partition?: number
}

export interface ProduceSuccess {
  ok: true
  partition: number
  offset: number
  /** The timestamp the record was stored with (create time, or the append time under LogAppendTime). */
  timestamp: number
}

export interface ProduceFailure {
  ok: false
  error: KrestError
}

export type ProduceOutcome = ProduceSuccess | ProduceFailure

export interface Producer {
  /**
   * Produces records to a topic and resolves when they are durable per the topic's flush policy, with one outcome
   * per record in request order. Problems with the request as a whole (topic or partition missing, a record over
   * `max.message.bytes`, an internal topic) reject before anything is written; a storage failure of one partition
   * fails only that partition's records.
   */
  produce(topic: string, records: readonly ProduceRecord[], options?: ProduceOptions): Promise<ProduceOutcome[]>
}

// ---- admin and metadata -------------------------------------------------------------------------------------

export interface ReplicaInfo {
  broker: number
  leader: boolean
  inSync: boolean
}

export interface PartitionInfo {
  partition: number
  leader: number
  replicas: ReplicaInfo[]
}

export interface TopicInfo {
  name: string
  topicId: string
  internal: boolean
  replicationFactor: number
  partitions: PartitionInfo[]
}

export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG' | 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' | 'UNKNOWN'

export interface ConfigSynonym {
  name: string
  value: string | null
  source: ConfigSource
}

export interface ConfigEntry {
  name: string
  value: string | null
  isDefault: boolean
  isReadOnly: boolean
  isSensitive: boolean
  source: ConfigSource
  synonyms: ConfigSynonym[]
}

export interface NewTopic {
  /** Defaults to the broker's `num.partitions`. */
  partitions?: number
  /** Only 1 is valid on the embedded backend. Defaults to `default.replication.factor`. */
  replicationFactor?: number
  configs?: Record<string, string>
}

export interface ConfigAlteration {
  name: string
  /** SET (with value) or DELETE (back to the default). */
  operation: 'SET' | 'DELETE'
  value?: string | null
}

export interface Admin {
  /** Topics sorted by name. Internal topics are included only when asked for. */
  listTopics(options?: { includeInternal?: boolean }): Promise<TopicInfo[]>
  describeTopic(name: string): Promise<TopicInfo>
  /** With `validateOnly`, checks everything a create would and returns the topic it would create. */
  createTopic(name: string, spec: NewTopic, options?: { validateOnly?: boolean }): Promise<TopicInfo>
  deleteTopic(name: string): Promise<void>
  /** Raises the partition count to `totalCount` (increase only: INVALID_PARTITIONS otherwise). */
  createPartitions(name: string, totalCount: number): Promise<TopicInfo>
  describeTopicConfigs(name: string): Promise<ConfigEntry[]>
  alterTopicConfigs(name: string, alterations: readonly ConfigAlteration[], options?: { validateOnly?: boolean }): Promise<void>
}

export interface BrokerInfo {
  brokerId: number
  host: string | null
  port: number | null
  rack: string | null
}

export interface PartitionOffsets {
  /** First offset still in the log. */
  logStartOffset: number
  /** Next offset to be written (what readers may see up to: the high watermark). */
  highWatermark: number
}

export interface Metadata {
  readonly clusterId: string
  brokers(): BrokerInfo[]
  partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets>
}

// ---- the whole ----------------------------------------------------------------------------------------------

/**
 * Everything routes may use. New parts (e.g. the consumer-group member) are added as further members here and
 * implemented by each backend.
 */
export interface Backend {
  readonly producer: Producer
  readonly admin: Admin
  readonly metadata: Metadata
  /** Consumer-group members (subscribe / assign / seek / poll / commit) and read-only group views (issue 4). */
  readonly groups: GroupConsumers
  /** Stops taking new work and waits for in-flight produces. Safe to call twice. Does not close storage. */
  close(): Promise<void>
}
