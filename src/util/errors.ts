/**
 * Domain errors: data with a stable code, never an HTTP status.
 * `src/http/errors.ts` maps each code to Confluent's `{error_code, message}` and a status.
 */
export type KrestErrorCode =
  | 'TOPIC_NOT_FOUND'
  | 'TOPIC_ALREADY_EXISTS'
  | 'PARTITION_NOT_FOUND'
  | 'INVALID_TOPIC_NAME'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_REQUEST'
  | 'RECORD_TOO_LARGE'
  | 'INVALID_RECORD'
  | 'OFFSET_OUT_OF_RANGE'
  | 'STORAGE_ERROR'
  | 'DATA_DIR_LOCKED'
  | 'CORRUPT_DATA'
  | 'CLOSED'
  | 'ABORTED'
  | 'INTERNAL_TOPIC'
  | 'INVALID_DATA'
  | 'UNSUPPORTED_FORMAT'
  | 'CLUSTER_NOT_FOUND'
  | 'BROKER_NOT_FOUND'
  | 'CONFIG_NOT_FOUND'
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_CONSUMER_STATE'
  | 'NO_OFFSET_FOR_PARTITION'
  | 'CONSUMER_INSTANCE_NOT_FOUND'
  | 'CONSUMER_INSTANCE_EXISTS'
  | 'CONSUMER_FORMAT_MISMATCH'
  | 'INVALID_CONSUMER_CONFIG'
  | 'CONSUMER_CONFIG_OUT_OF_RANGE'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'CONSUMER_NOT_FOUND'
  | 'CONSUMER_LAG_NOT_FOUND'
  | 'INVALID_CONSUMER_FORMAT'
  | 'DESERIALIZATION_FAILED'
  | 'KEY_SCHEMA_MISSING'
  | 'VALUE_SCHEMA_MISSING'
  | 'INVALID_SCHEMA'
  | 'SCHEMA_REGISTRY_ERROR'
  | 'REQUEST_TOO_LARGE'
  | 'LIMIT_EXCEEDED'
  | 'OVERLOADED'
  | 'OUT_OF_ORDER_SEQUENCE'
  | 'INVALID_PRODUCER_EPOCH'

export class KrestError extends Error {
  readonly code: KrestErrorCode
  readonly details: Record<string, unknown> | undefined

  constructor (code: KrestErrorCode, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'KrestError'
    this.code = code
    this.details = options?.details
  }
}

export function isKrestError (err: unknown, code?: KrestErrorCode): err is KrestError {
  return err instanceof KrestError && (code === undefined || err.code === code)
}
