/**
 * The HTTP surfaces' error tables, in one place: domain error code → HTTP status and Confluent `error_code` (five
 * digits whose first three are the status, or the plain status), for the REST proxy (`errorTable`) and the
 * schema registry (`registryErrorTable`). Both are exhaustive `Record`s: a new code does not compile until it has
 * a row here, and `docs/errors.md` must list it (`test/unit/http/error-catalogue.test.ts`).
 */
import type { RegistryErrorCode } from '../registry/errors.js'
import type { KrestErrorCode } from '../util/errors.js'

export interface HttpErrorMapping {
  status: number
  errorCode: number
  /** Fixed message Confluent clients know; when absent, the domain error's own message is sent. */
  message?: string
}

export const errorTable: Record<KrestErrorCode, HttpErrorMapping> = {
  // Confluent maps Kafka's UnknownTopicOrPartitionException (what its admin client raises for a missing topic on
  // every metadata, config and delete route) to 404/40403 (rest-utils KafkaExceptionMapper); produce keeps 40401,
  // see `produceErrorMappings`.
  TOPIC_NOT_FOUND: { status: 404, errorCode: 40403, message: 'This server does not host this topic-partition.' },
  PARTITION_NOT_FOUND: { status: 404, errorCode: 40402, message: 'Partition not found.' },
  TOPIC_ALREADY_EXISTS: { status: 400, errorCode: 40002 },
  INVALID_TOPIC_NAME: { status: 422, errorCode: 42206 },
  INVALID_PARTITIONS: { status: 400, errorCode: 40002 },
  INVALID_CONFIG: { status: 400, errorCode: 40002 },
  INVALID_REPLICATION_FACTOR: { status: 400, errorCode: 40002 },
  INTERNAL_TOPIC: { status: 400, errorCode: 40002 },
  INVALID_REQUEST: { status: 400, errorCode: 400 },
  INVALID_DATA: { status: 400, errorCode: 400 },
  RECORD_TOO_LARGE: { status: 413, errorCode: 413 },
  INVALID_RECORD: { status: 400, errorCode: 40002 },
  INVALID_TIMESTAMP: { status: 400, errorCode: 40002 },
  OFFSET_OUT_OF_RANGE: { status: 400, errorCode: 40002 },
  UNSUPPORTED_FORMAT: { status: 422, errorCode: 42206 },
  CLUSTER_NOT_FOUND: { status: 404, errorCode: 404 },
  BROKER_NOT_FOUND: { status: 404, errorCode: 404 },
  CONFIG_NOT_FOUND: { status: 404, errorCode: 404 },
  CLOSED: { status: 503, errorCode: 50302 },
  ABORTED: { status: 500, errorCode: 50003 },
  STORAGE_ERROR: { status: 500, errorCode: 50002 },
  DATA_DIR_LOCKED: { status: 500, errorCode: 50002 },
  CORRUPT_DATA: { status: 500, errorCode: 50002 },
  // consumer groups and v2 consumer instances (issue 4)
  CONSUMER_INSTANCE_NOT_FOUND: { status: 404, errorCode: 40403, message: 'Consumer instance not found.' },
  CONSUMER_INSTANCE_EXISTS: { status: 409, errorCode: 40902 },
  ILLEGAL_CONSUMER_STATE: { status: 409, errorCode: 40903 },
  INCONSISTENT_GROUP_PROTOCOL: { status: 409, errorCode: 40903 },
  UNKNOWN_MEMBER_ID: { status: 409, errorCode: 40903 },
  CONSUMER_FORMAT_MISMATCH: { status: 406, errorCode: 40601, message: 'The requested embedded data format does not match the deserializer for this consumer instance' },
  INVALID_CONSUMER_FORMAT: { status: 422, errorCode: 422, message: 'Invalid format type.' },
  INVALID_CONSUMER_CONFIG: { status: 422, errorCode: 42204 },
  CONSUMER_CONFIG_OUT_OF_RANGE: { status: 422, errorCode: 40001 },
  DESERIALIZATION_FAILED: { status: 408, errorCode: 40801 },
  // REST proxy produce with schemas (issue 5); kafka-rest Errors.java numbers, not the registry's
  KEY_SCHEMA_MISSING: { status: 422, errorCode: 42201, message: 'Request includes keys but does not include key schema' },
  VALUE_SCHEMA_MISSING: { status: 422, errorCode: 42202, message: 'Request includes values but does not include value schema' },
  INVALID_SCHEMA: { status: 422, errorCode: 42205 },
  SCHEMA_REGISTRY_ERROR: { status: 422, errorCode: 42207 },
  NO_OFFSET_FOR_PARTITION: { status: 409, errorCode: 40903 },
  CONSUMER_GROUP_NOT_FOUND: { status: 404, errorCode: 404 },
  CONSUMER_NOT_FOUND: { status: 404, errorCode: 404 },
  CONSUMER_LAG_NOT_FOUND: { status: 404, errorCode: 404 },
  // limits that protect the process (issue 7)
  REQUEST_TOO_LARGE: { status: 413, errorCode: 413 },
  LIMIT_EXCEEDED: { status: 429, errorCode: 429 },
  OVERLOADED: { status: 503, errorCode: 503 },
}

/** Per-route replacements of rows of `errorTable` (a route's `config.errorMappings`). */
export type ErrorMappings = Partial<Record<KrestErrorCode, HttpErrorMapping>>

/**
 * Produce (v2 and v3): a missing topic is Confluent's 404/40401 "Topic not found." (its producer's metadata
 * timeout, "not present in metadata", is mapped so), not the admin client's 40403.
 */
export const produceErrorMappings: ErrorMappings = {
  TOPIC_NOT_FOUND: { status: 404, errorCode: 40401, message: 'Topic not found.' },
}

/**
 * v3 metadata routes: a missing partition of an existing topic is JAX-RS's plain 404 (kafka-rest's v3 resources
 * throw `NotFoundException` on an empty Optional), not v2's 40402.
 */
export const v3MetadataErrorMappings: ErrorMappings = {
  PARTITION_NOT_FOUND: { status: 404, errorCode: 404, message: 'HTTP 404 Not Found' },
}

export function mappingFor (code: KrestErrorCode, overrides?: ErrorMappings): HttpErrorMapping {
  return overrides?.[code] ?? errorTable[code]
}

/** Schema Registry error code → status and Confluent Schema Registry `error_code` (its `Errors.java`). */
export const registryErrorTable: Record<RegistryErrorCode, HttpErrorMapping> = {
  SUBJECT_NOT_FOUND: { status: 404, errorCode: 40401 },
  VERSION_NOT_FOUND: { status: 404, errorCode: 40402 },
  SCHEMA_NOT_FOUND: { status: 404, errorCode: 40403 },
  SUBJECT_SOFT_DELETED: { status: 404, errorCode: 40404 },
  SUBJECT_NOT_SOFT_DELETED: { status: 404, errorCode: 40405 },
  VERSION_SOFT_DELETED: { status: 404, errorCode: 40406 },
  VERSION_NOT_SOFT_DELETED: { status: 404, errorCode: 40407 },
  SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED: { status: 404, errorCode: 40408 },
  SUBJECT_LEVEL_MODE_NOT_CONFIGURED: { status: 404, errorCode: 40409 },
  INCOMPATIBLE_SCHEMA: { status: 409, errorCode: 409 },
  INVALID_SCHEMA: { status: 422, errorCode: 42201 },
  INVALID_VERSION: { status: 422, errorCode: 42202 },
  INVALID_COMPATIBILITY_LEVEL: { status: 422, errorCode: 42203 },
  INVALID_MODE: { status: 422, errorCode: 42204 },
  OPERATION_NOT_PERMITTED: { status: 422, errorCode: 42205 },
  REFERENCE_EXISTS: { status: 422, errorCode: 42206 },
  ID_DOES_NOT_MATCH: { status: 422, errorCode: 42207 },
  INVALID_SUBJECT: { status: 422, errorCode: 42208 },
  SCHEMA_TOO_LARGE: { status: 422, errorCode: 42209 },
  STORE_ERROR: { status: 500, errorCode: 50001 },
}

/** Confluent's messages for errors raised by the HTTP layer itself. */
export const httpMessages = {
  400: 'Bad Request',
  404: 'HTTP 404 Not Found',
  405: 'HTTP 405 Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'HTTP 415 Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
} as const
