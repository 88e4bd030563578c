/**
 * The single table from domain error code to HTTP status and Confluent `error_code` (five digits whose first
 * three are the status, or the plain status). Colleagues add rows here for their codes.
 */
import type { KrestErrorCode } from '../util/errors.js'

export interface HttpErrorMapping {
  status: number
  errorCode: number
  /** Fixed message Confluent clients know; when absent, the domain error's own message is sent. */
  message?: string
}

export const errorTable: Partial<Record<KrestErrorCode, HttpErrorMapping>> = {
  TOPIC_NOT_FOUND: { status: 404, errorCode: 40401, message: 'Topic not found.' },
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
  // idempotent Kafka producers (not reachable over HTTP, mapped for completeness)
  OUT_OF_ORDER_SEQUENCE: { status: 409, errorCode: 409 },
  INVALID_PRODUCER_EPOCH: { status: 409, errorCode: 409 },
}

/** What an unknown domain code turns into: a non-retriable server error, never a crash. */
export const fallbackMapping: HttpErrorMapping = { status: 500, errorCode: 50002 }

export function mappingFor (code: KrestErrorCode): HttpErrorMapping {
  return errorTable[code] ?? fallbackMapping
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
