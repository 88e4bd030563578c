/**
 * v2 produce: `POST /topics/{t}` and `POST /topics/{t}/partitions/{p}`. The Content-Type picks the embedded
 * format; records are serialized, then produced through the backend in one call. Bad data fails the request
 * before anything is written; per-record storage failures come back in the record's `error_code`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ProduceRecord, RecordHeader } from '../../../backend/types.js'
import { decodeBase64 } from '../../../serde/binary.js'
import { recordValueSpans, spanBytes } from '../../../serde/json-spans.js'
import type { RecordSerializer } from '../../../serde/types.js'
import { KrestError, isKrestError } from '../../../util/errors.js'
import type { AppDeps, ApiPlugin } from '../../deps.js'
import { mappingFor, produceErrorMappings } from '../../errors.js'
import { jsonBodyParser } from '../../json-body.js'
import { produceFormat } from '../../media-types.js'
import { unsupportedMediaType } from '../../problem.js'
import { V2_PRODUCES, errorResponses, partitionParam, topicParam } from '../common.js'

interface V2ProduceRecordBody {
  key?: unknown
  value?: unknown
  partition?: number | null
  timestamp?: number | string | null
  headers?: { name: string, value?: string | null }[] | null
}

interface V2ProduceBody {
  key_schema?: string | null
  key_schema_id?: number | null
  value_schema?: string | null
  value_schema_id?: number | null
  records: V2ProduceRecordBody[]
}

interface V2OffsetEntry {
  partition: number | null
  offset: number | null
  error_code: number | null
  error: string | null
}

function withIndex (err: unknown, i: number): unknown {
  return isKrestError(err) ? new KrestError(err.code, `records[${i}].${err.message}`, { cause: err, details: err.details }) : err
}

function toRecord (r: V2ProduceRecordBody, i: number, serializer: RecordSerializer, rawValue: Buffer | null | undefined): ProduceRecord {
  let key: Buffer | null
  let value: Buffer | null
  try { key = serializer.serializeKey(r.key) } catch (err) { throw withIndex(err, i) }
  if (rawValue !== undefined) {
    value = rawValue
  } else {
    try { value = serializer.serializeValue(r.value) } catch (err) { throw withIndex(err, i) }
  }
  const record: ProduceRecord = { key, value }
  if (r.partition !== undefined && r.partition !== null) record.partition = r.partition
  if (r.timestamp !== undefined && r.timestamp !== null) {
    const ts = typeof r.timestamp === 'number' ? r.timestamp : Date.parse(r.timestamp)
    if (!Number.isSafeInteger(ts) || ts < 0) throw new KrestError('INVALID_DATA', `records[${i}].timestamp: ${JSON.stringify(r.timestamp)} is not a valid timestamp.`)
    record.timestamp = ts
  }
  if (r.headers !== undefined && r.headers !== null && r.headers.length > 0) {
    const headers: RecordHeader[] = []
    for (const h of r.headers) {
      let hv: Buffer | null
      try { hv = decodeBase64(h.value, `header ${JSON.stringify(h.name)}`) } catch (err) { throw withIndex(err, i) }
      headers.push({ key: h.name, value: hv })
    }
    record.headers = headers
  }
  return record
}

async function produce (deps: AppDeps, rawBodies: WeakMap<FastifyRequest, Buffer>, request: FastifyRequest, topic: string, partition: number | undefined): Promise<{ offsets: V2OffsetEntry[], key_schema_id: number | null, value_schema_id: number | null }> {
  const formatName = produceFormat(request.headers['content-type'])
  if (formatName === undefined) throw unsupportedMediaType()
  const format = deps.formats.get(formatName)
  const body = request.body as V2ProduceBody
  const maxRecords = deps.config['produce.max.records']
  if (body.records.length > maxRecords) {
    throw new KrestError('REQUEST_TOO_LARGE', `Request has ${body.records.length} records, more than the limit of ${maxRecords} (produce.max.records). Nothing was written.`)
  }
  const pending = format.serializer({
    topic,
    keySchema: body.key_schema ?? undefined,
    keySchemaId: body.key_schema_id ?? undefined,
    valueSchema: body.value_schema ?? undefined,
    valueSchemaId: body.value_schema_id ?? undefined,
  })
  const serializer = pending instanceof Promise ? await pending : pending

  // json format: store each value's bytes as the client sent them (found in the raw body) instead of
  // re-stringifying every parsed value, which costs more than parsing the whole body.
  const raw = formatName === 'json' ? rawBodies.get(request) : undefined
  const found = raw === undefined ? undefined : recordValueSpans(raw)
  const spans = found !== undefined && found.length === body.records.length ? found : undefined
  const records = body.records.map((r, i) => {
    const span = spans?.[i]
    const rawValue = span === undefined || raw === undefined ? (spans !== undefined && r.value === undefined ? null : undefined) : spanBytes(raw, span)
    return toRecord(r, i, serializer, rawValue)
  })
  const outcomes = await deps.backend.producer.produce(topic, records, partition === undefined ? {} : { partition })
  const offsets = outcomes.map((o): V2OffsetEntry => o.ok
    ? { partition: o.partition, offset: o.offset, error_code: null, error: null }
    : { partition: null, offset: null, error_code: mappingFor(o.error.code, produceErrorMappings).errorCode, error: o.error.message })
  return { offsets, key_schema_id: serializer.keySchemaId, value_schema_id: serializer.valueSchemaId }
}

/** Refuses a Content-Type that selects no embedded format (415) before the body is validated. */
function checkContentType (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  if (produceFormat(request.headers['content-type']) === undefined) { done(unsupportedMediaType()); return }
  done()
}

const produceConsumes = [
  'application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.json.v2+json', 'application/json',
  'application/vnd.kafka.avro.v2+json', 'application/vnd.kafka.jsonschema.v2+json',
]

export const v2ProducePlugin: ApiPlugin = {
  name: 'v2-produce',
  register (app, deps) {
    // The json produce types are parsed here from a Buffer that is kept (per request, weakly) for the value spans.
    const rawBodies = new WeakMap<FastifyRequest, Buffer>()
    const parseJson = jsonBodyParser()
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser(['application/json', 'application/vnd.kafka.json.v2+json'], { parseAs: 'buffer' }, (request, body, done) => {
      // parseJson refuses bytes that are not UTF-8, so the kept bytes are the parsed text.
      parseJson(request, body, (err, parsed) => {
        if (err === null) rawBodies.set(request, body as Buffer)
        done(err, parsed)
      })
    })

    app.post<{ Params: { topic: string } }>('/topics/:topic', {
      config: { produces: V2_PRODUCES, errorMappings: produceErrorMappings },
      preValidation: checkContentType,
      schema: {
        operationId: 'produceToTopic',
        tags: ['v2'], produces: V2_PRODUCES,
        summary: 'Produce records; the Content-Type selects the embedded format',
        description: 'A missing topic is created when auto.create.topics.enable is true (else 404/40401 at once). Records may carry headers and timestamp (krest extension).',
        consumes: produceConsumes,
        params: { type: 'object', required: ['topic'], properties: { topic: topicParam } },
        body: { $ref: 'V2ProduceRequest#' },
        response: { 200: { $ref: 'V2ProduceResponse#' }, ...errorResponses },
      },
    }, async request => await produce(deps, rawBodies, request, request.params.topic, undefined))

    app.post<{ Params: { topic: string, partition: number } }>('/topics/:topic/partitions/:partition', {
      config: { produces: V2_PRODUCES, errorMappings: produceErrorMappings },
      preValidation: checkContentType,
      schema: {
        operationId: 'produceToPartition',
        tags: ['v2'], produces: V2_PRODUCES,
        summary: 'Produce records to one partition (a record\'s own partition field overrides the path)',
        consumes: produceConsumes,
        params: { type: 'object', required: ['topic', 'partition'], properties: { topic: topicParam, partition: partitionParam } },
        body: { $ref: 'V2ProduceRequest#' },
        response: { 200: { $ref: 'V2ProduceResponse#' }, ...errorResponses },
      },
    }, async request => await produce(deps, rawBodies, request, request.params.topic, request.params.partition))
  },
}
