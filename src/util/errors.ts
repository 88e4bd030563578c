/**
 * The one error base of krest's domain modules: data with a stable code, never an HTTP status or a Kafka error
 * number. Each module has its code union below (the registry's is in `registry/errors.ts`); the protocol
 * surfaces map codes to their wire form in one place each: `src/http/errors.ts` holds the REST and registry
 * status tables (exhaustive `Record`s, so a new code does not compile until it has a row), and
 * `docs/errors.md` documents every row (`test/unit/http/error-catalogue.test.ts` checks it).
 */
export abstract class DomainError<Code extends string> extends Error {
  readonly code: Code
  readonly details: Record<string, unknown> | undefined

  constructor (code: Code, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options?.details
  }
}

/** The storage engine (`src/storage`): topics, partitions, configs, the log and its files. */
export type StorageErrorCode =
  | 'TOPIC_NOT_FOUND'
  | 'TOPIC_ALREADY_EXISTS'
  | 'PARTITION_NOT_FOUND'
  | 'INVALID_TOPIC_NAME'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  | 'RECORD_TOO_LARGE'
  | 'INVALID_RECORD'
  | 'OFFSET_OUT_OF_RANGE'
  | 'STORAGE_ERROR'
  | 'DATA_DIR_LOCKED'
  | 'CORRUPT_DATA'
  | 'CLOSED'

/** The Backend interface (`src/backend`): what a Kafka client's producer and admin would report. */
export type BackendErrorCode =
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_TIMESTAMP'
  | 'INTERNAL_TOPIC'
  | 'CLUSTER_NOT_FOUND'
  | 'BROKER_NOT_FOUND'
  | 'CONFIG_NOT_FOUND'

/** Consumer groups (`src/groups`) and the group views of the Backend. */
export type GroupErrorCode =
  | 'INCONSISTENT_GROUP_PROTOCOL'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_CONSUMER_STATE'
  | 'NO_OFFSET_FOR_PARTITION'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'CONSUMER_NOT_FOUND'
  | 'CONSUMER_LAG_NOT_FOUND'

/** The REST proxy's domain (`src/proxy`, `src/serde`): consumer instances, record formats, produce with schemas. */
export type ProxyErrorCode =
  | 'CONSUMER_INSTANCE_NOT_FOUND'
  | 'CONSUMER_INSTANCE_EXISTS'
  | 'CONSUMER_FORMAT_MISMATCH'
  | 'INVALID_CONSUMER_CONFIG'
  | 'CONSUMER_CONFIG_OUT_OF_RANGE'
  | 'INVALID_CONSUMER_FORMAT'
  | 'DESERIALIZATION_FAILED'
  | 'KEY_SCHEMA_MISSING'
  | 'VALUE_SCHEMA_MISSING'
  | 'INVALID_SCHEMA'
  | 'SCHEMA_REGISTRY_ERROR'
  | 'INVALID_DATA'
  | 'UNSUPPORTED_FORMAT'

/** Requests as a whole and the limits that protect the process (any module). */
export type RequestErrorCode =
  | 'INVALID_REQUEST'
  | 'REQUEST_TOO_LARGE'
  | 'LIMIT_EXCEEDED'
  | 'OVERLOADED'
  | 'ABORTED'

export type KrestErrorCode = StorageErrorCode | BackendErrorCode | GroupErrorCode | ProxyErrorCode | RequestErrorCode

/** An error of the REST proxy's side of krest (everything but the schema registry, whose codes mean other things). */
export class KrestError extends DomainError<KrestErrorCode> {
  constructor (code: KrestErrorCode, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(code, message, options)
    this.name = 'KrestError'
  }
}

export function isKrestError (err: unknown, code?: KrestErrorCode): err is KrestError {
  return err instanceof KrestError && (code === undefined || err.code === code)
}
