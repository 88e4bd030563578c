/** Kafka error codes for the group coordinator's error names (Errors.java). */
import type { GroupErrorName } from '../../backend/group-consumer.js'

const CODES: Record<GroupErrorName, number> = {
  UNKNOWN_SERVER_ERROR: -1,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  OFFSET_METADATA_TOO_LARGE: 12,
  COORDINATOR_NOT_AVAILABLE: 15,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
}

/** 0 for no error. */
export function groupErrorCode (error: GroupErrorName | null): number {
  return error === null ? 0 : CODES[error]
}

/** Request buffers are views of the connection's frame: copy what the coordinator keeps beyond the request. */
export function ownBytes (b: Buffer | null): Buffer {
  return b === null ? Buffer.alloc(0) : Buffer.from(b)
}
