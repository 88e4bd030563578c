/**
 * Request body parsers: `application/vnd.kafka[.<format>].v2+json` as JSON (fastify already parses
 * application/json). Anything else gets 415 from fastify, turned into Confluent's body by the error handler.
 */
import type { FastifyInstance } from 'fastify'
import { KAFKA_MEDIA_TYPE } from '../media-types.js'

export function installContentTypeParsers (app: FastifyInstance): void {
  app.addContentTypeParser(KAFKA_MEDIA_TYPE, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))
}
