/**
 * The consumer-group member part of the Backend interface, shaped like a Kafka consumer (subscribe / assign /
 * seek / poll / commit) so that a backend fronting a real Kafka cluster can implement it with a Kafka client,
 * and the embedded backend implements it with `src/groups` over the storage engine.
 */
import type {
  AssignorName, ClassicGroupProtocol, ClassicGroupDescription, ClassicGroupListing, ClassicHeartbeatRequest, ClassicJoinRequest,
  ClassicJoinResult, ClassicOffsetCommitRequest, ClassicSyncRequest, ClassicSyncResult, CommittedOffsetInfo,
  ConsumedRecord, ConsumerOptions, GroupDescription, GroupErrorName, LeaveResult, LeavingMember, OffsetAndMetadata,
  OffsetCommitResult, OffsetResetPolicy, PollOptions, SubscriptionSpec, TimestampSeek, TopicPartition,
} from '../groups/types.js'

export type {
  AssignorName, CommittedOffsetInfo, ConsumedRecord, ConsumerOptions, GroupDescription, OffsetAndMetadata,
  OffsetResetPolicy, PollOptions, SubscriptionSpec, TimestampSeek, TopicPartition,
}
export type {
  ClassicGroupProtocol, ClassicGroupDescription, ClassicGroupListing, ClassicGroupMember, ClassicGroupState, ClassicHeartbeatRequest,
  ClassicJoinMember, ClassicJoinRequest, ClassicJoinResult, ClassicOffsetCommitRequest, ClassicSyncRequest,
  ClassicSyncResult, GroupErrorName, GroupMemberDescription, GroupProtocolOffer, GroupStateName, LeaveResult,
  LeavingMember, OffsetCommitResult,
} from '../groups/types.js'

/** One group member (a Kafka consumer). Calls on one consumer must not overlap (callers serialize them). */
export interface GroupConsumer {
  readonly groupId: string
  readonly clientId: string
  /** Member id once subscribed; '' before. */
  readonly memberId: string
  /** Replaces the subscription (empty topic list = unsubscribe). ILLEGAL_CONSUMER_STATE when manually assigned. */
  subscribe(spec: SubscriptionSpec): Promise<void>
  subscription(): SubscriptionSpec | null
  unsubscribe(): Promise<void>
  /** Manual assignment (empty list = unassign). ILLEGAL_CONSUMER_STATE when subscribed. */
  assign(partitions: TopicPartition[]): Promise<void>
  /** What the consumer owns now (group-assigned or manually assigned). */
  assignment(): TopicPartition[]
  /** ILLEGAL_CONSUMER_STATE for a partition the consumer does not own. */
  seek(tp: TopicPartition, offset: number): void
  seekToBeginning(partitions: TopicPartition[]): void
  seekToEnd(partitions: TopicPartition[]): void
  seekToTimestamps(entries: TimestampSeek[]): Promise<void>
  /** Long poll: see `PollOptions`. */
  poll(options: PollOptions): Promise<ConsumedRecord[]>
  /** Commits next-offsets-to-read; without an argument, the positions of everything delivered so far. */
  commit(offsets?: OffsetAndMetadata[]): Promise<void>
  /** Committed offsets of the given partitions; partitions without a commit are left out. */
  committed(partitions: TopicPartition[]): CommittedOffsetInfo[] | Promise<CommittedOffsetInfo[]>
  /** Leaves the group (committing delivered positions first when auto-commit is on). Safe to call twice. */
  close(): Promise<void>
}

export interface GroupOffsetInfo {
  topic: string
  partition: number
  /** Committed offset (next to read). */
  currentOffset: number
  /** High watermark of the partition. */
  logEndOffset: number
  /** `logEndOffset - currentOffset`, never negative. */
  lag: number
}


/** Creating members, plus the read-only views the v3 consumer-group API needs. */
export interface GroupConsumers {
  /** The same groups for Kafka clients speaking the classic group protocol. */
  readonly classic: ClassicGroupProtocol
  createConsumer(options: ConsumerOptions): GroupConsumer
  listGroups(): GroupDescription[] | Promise<GroupDescription[]>
  describeGroup(groupId: string): GroupDescription | null | Promise<GroupDescription | null>
  /** Committed offsets of a group with each partition's log end offset (for lag). */
  groupOffsets(groupId: string): GroupOffsetInfo[] | Promise<GroupOffsetInfo[]>
}
