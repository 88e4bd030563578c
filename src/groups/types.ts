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

// ---- Kafka's classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup / offsets) --------------

/** Kafka protocol error names the group coordinator answers with (the handlers map them to error codes). */
export type GroupErrorName =
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'ILLEGAL_GENERATION'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'INVALID_GROUP_ID'
  | 'UNKNOWN_MEMBER_ID'
  | 'INVALID_SESSION_TIMEOUT'
  | 'REBALANCE_IN_PROGRESS'
  | 'MEMBER_ID_REQUIRED'
  | 'FENCED_INSTANCE_ID'
  | 'NON_EMPTY_GROUP'
  | 'GROUP_ID_NOT_FOUND'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'OFFSET_METADATA_TOO_LARGE'
  | 'INVALID_COMMIT_OFFSET_SIZE'
  | 'UNKNOWN_SERVER_ERROR'

export interface GroupProtocolOffer {
  name: string
  metadata: Buffer
}

export interface ClassicJoinRequest {
  groupId: string
  /** '' for a member joining for the first time. */
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  /** JoinGroup v0 has none: the session timeout is used. */
  rebalanceTimeoutMs: number
  protocolType: string
  /** In the member's order of preference. */
  protocols: GroupProtocolOffer[]
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id and must join again with it. */
  requireKnownMemberId: boolean
}

export interface ClassicJoinMember {
  memberId: string
  groupInstanceId: string | null
  metadata: Buffer
}

export interface ClassicJoinResult {
  error: GroupErrorName | null
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  memberId: string
  /** Every member with its metadata for the chosen protocol, for the leader only ([] for the others). */
  members: ClassicJoinMember[]
}

export interface ClassicSyncRequest {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId: string | null
  /** SyncGroup v5+: checked against the group's when given. */
  protocolType: string | null
  protocolName: string | null
  /** The leader's assignment (empty from followers). */
  assignments: Array<{ memberId: string, assignment: Buffer }>
}

export interface ClassicSyncResult {
  error: GroupErrorName | null
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

export interface ClassicHeartbeatRequest {
  groupId: string
  memberId: string
  generationId: number
  groupInstanceId: string | null
}

export interface LeavingMember {
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveResult {
  /** Set when the whole request failed. */
  error: GroupErrorName | null
  members: Array<LeavingMember & { error: GroupErrorName | null }>
}

export interface ClassicOffsetCommitRequest {
  groupId: string
  /** -1 with an empty member id: a commit from a consumer outside any group generation (manual assignment). */
  generationId: number
  memberId: string
  groupInstanceId: string | null
  offsets: Array<{ topic: string, partition: number, offset: number, metadata: string | null }>
}

export interface OffsetCommitResult {
  /** Set when every partition failed for the same group-level reason. */
  error: GroupErrorName | null
  partitions: Array<{ topic: string, partition: number, error: GroupErrorName | null }>
}

/** Kafka's names for group states (DescribeGroups, ListGroups). */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export interface ClassicGroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  /** Its metadata for the group's protocol. */
  metadata: Buffer
  assignment: Buffer
}

export interface ClassicGroupDescription {
  groupId: string
  state: ClassicGroupState
  protocolType: string
  protocol: string
  members: ClassicGroupMember[]
}

export interface ClassicGroupListing {
  groupId: string
  protocolType: string
  state: ClassicGroupState
}

/**
 * Kafka's classic group protocol, for Kafka clients on the wire-protocol listener. Members joining here share
 * groups, generations and committed offsets with the HTTP consumer instances created by `createConsumer`.
 * Errors are Kafka's error names (the protocol handlers turn them into codes), never exceptions.
 */
export interface ClassicGroupProtocol {
  /** Resolves when the join phase completes (it waits for the other members, up to the rebalance timeout). */
  joinGroup(request: ClassicJoinRequest): Promise<ClassicJoinResult>
  /** Followers wait for the leader's assignment. */
  syncGroup(request: ClassicSyncRequest): Promise<ClassicSyncResult>
  heartbeat(request: ClassicHeartbeatRequest): GroupErrorName | null
  leaveGroup(groupId: string, members: LeavingMember[]): LeaveResult
  commitOffsets(request: ClassicOffsetCommitRequest): Promise<OffsetCommitResult>
  /** Every committed offset of a group (topic, partition, offset, metadata). */
  committedOffsets(groupId: string): CommittedOffsetInfo[]
  describeGroup(groupId: string): ClassicGroupDescription
  listGroups(): ClassicGroupListing[]
  /** Deletes an empty group with its offsets; NON_EMPTY_GROUP / GROUP_ID_NOT_FOUND otherwise. */
  deleteGroup(groupId: string): Promise<GroupErrorName | null>
}
