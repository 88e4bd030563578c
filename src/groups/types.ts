/** Data types shared by the group coordinator, the embedded consumer and the backend's group-member interface. */
import type { RecordHeader } from '../backend/ports.js'
import type { AssignorName, TopicPartition } from './assignors.js'

export type { AssignorName, TopicPartition } from './assignors.js'

export type OffsetResetPolicy = 'earliest' | 'latest' | 'none'

/** A subscription by explicit topic list, or by a regular expression matched against whole topic names. */
export type SubscriptionSpec = { topics: string[] } | { pattern: string }

export interface ConsumerOptions {
  groupId: string
  /** Goes into the member id (`<clientId>-<uuid>`), as Kafka builds it. */
  clientId: string
  autoOffsetReset: OffsetResetPolicy
  /** Kafka's `enable.auto.commit` (default true). */
  autoCommit: boolean
  /** Kafka's `auto.commit.interval.ms` (default 5000). */
  autoCommitIntervalMs?: number
  /** Assignors this member supports, most preferred first (Kafka's `partition.assignment.strategy`). Default ['range']. */
  assignors?: AssignorName[]
  /** Reported in group views (Kafka's client host). */
  clientHost?: string
}

export interface ConsumedRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export interface PollOptions {
  /** Longest wait when fewer than `minBytes` are available. */
  timeoutMs: number
  /** Cap on key + value bytes returned; a single larger record is still returned alone. */
  maxBytes: number
  /** Return as soon as this many key + value bytes are gathered. -1: wait until `timeoutMs` or `maxBytes`. */
  minBytes: number
  signal?: AbortSignal
}

export interface OffsetAndMetadata {
  topic: string
  partition: number
  /** Next offset to read. */
  offset: number
  metadata?: string | undefined
}

export interface CommittedOffsetInfo {
  topic: string
  partition: number
  offset: number
  metadata: string
}

export interface TimestampSeek {
  topic: string
  partition: number
  /** Milliseconds since the epoch. */
  timestamp: number
}

export type GroupStateName = 'EMPTY' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE' | 'DEAD'

export interface GroupMemberDescription {
  memberId: string
  clientId: string
  groupInstanceId: string | null
  clientHost: string
  assignment: TopicPartition[]
}

export interface GroupDescription {
  groupId: string
  state: GroupStateName
  /** '' for a group that only ever had standalone (manually assigned) consumers committing offsets. */
  protocolType: string
  /** The assignor in use ('' when there is none). */
  protocol: string
  generation: number
  members: GroupMemberDescription[]
}
