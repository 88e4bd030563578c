/**
 * Request body parsers: `application/json` and `application/vnd.kafka[.<format>].v2+json` as JSON, UTF-8 checked,
 * by `json-body.ts`. Anything else gets 415 from fastify, turned into Confluent's body by the error handler.
 */
import type { FastifyInstance } from 'fastify'
import { jsonBodyParser } from '../json-body.js'
import { APPLICATION_JSON, KAFKA_MEDIA_TYPE } from '../media-types.js'

export function installContentTypeParsers (app: FastifyInstance): void {
  app.removeContentTypeParser(APPLICATION_JSON)
  app.addContentTypeParser(APPLICATION_JSON, { parseAs: 'buffer' }, jsonBodyParser())
  app.addContentTypeParser(KAFKA_MEDIA_TYPE, { parseAs: 'buffer' }, jsonBodyParser())
}
