import { APPLICATION_JSON, KAFKA_DEFAULT_JSON, V2_JSON } from '../media-types.js'

/**
 * v2 responses, in Confluent's order of preference (its `qs` weights 1, 0.8, 0.5): vnd.kafka.v2+json, the
 * version-less vnd.kafka+json, then plain JSON for clients that ask for it.
 */
export const V2_PRODUCES: readonly string[] = [V2_JSON, KAFKA_DEFAULT_JSON, APPLICATION_JSON]
/** v3 speaks application/json only. */
export const V3_PRODUCES: readonly string[] = [APPLICATION_JSON]

export const errorResponses = {
  '4xx': { $ref: 'ErrorResponse#' },
  '5xx': { $ref: 'ErrorResponse#' },
} as const

export const topicParam = { type: 'string', minLength: 1 } as const
export const partitionParam = { type: 'integer', minimum: 0, maximum: 2147483647 } as const
