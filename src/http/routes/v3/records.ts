/**
 * v3 produce (Confluent REST Proxy API v3, kafka-rest `ProduceAction` / `ProduceBatchAction`):
 * - `POST /v3/clusters/{cid}/topics/{t}/records`: one record, or a stream of concatenated records with a
 *   delivery report per record (`records-stream.ts`).
 * - `POST /v3/clusters/{cid}/topics/{t}/records:batch`: `{entries:[{id, …record}]}` → 207
 *   `{successes, failures}`. At most `api.v3.produce.batch.maximum.entries` entries (krest default 1000;
 *   Confluent's is 10, at most 50); empty, too large or duplicate/invalid ids → 422/42208.
 *
 * Request bodies are `application/json` only (charset UTF-8 or ISO-8859-1, else 400); anything else is 415.
 * Unlike Confluent, the cluster id of produce paths is checked (404 for another), as on every other v3 path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ProduceOutcome } from '../../../backend/types.js'
import { KrestError } from '../../../util/errors.js'
import type { AppDeps, ApiPlugin } from '../../deps.js'
import { mediaType } from '../../media-types.js'
import { HttpProblem, unsupportedMediaType } from '../../problem.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { produceErrorMappings } from '../../errors.js'
import { RecordEncoder, parseBatchEntry, type EncodedRecord } from '../../../proxy/produce/records-request.js'
import { InFlightBudget, RecordStream, produceEach, recordErrorReport, successReport, type ErrorReport, type StreamLimits, type SuccessReport } from './records-stream.js'
import { v3Context } from './resources.js'

/** Records in produce calls at once over all streams (see InFlightBudget). */
const IN_FLIGHT_RECORDS = 4096

type TopicP = { cluster_id: string, topic_name: string }

const topicParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name'],
  properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string', minLength: 1 } },
} as const

/** The body's charset: UTF-8 (default) or ISO-8859-1; anything else is 400; a type other than JSON is 415. */
function bodyEncoding (contentType: string | undefined): 'utf8' | 'latin1' {
  if (mediaType(contentType) !== 'application/json') throw unsupportedMediaType()
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')
  const charset = m?.[1]?.toLowerCase()
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return 'utf8'
  if (charset === 'iso-8859-1' || charset === 'latin1') return 'latin1'
  throw new HttpProblem(400, 400, `Unsupported charset ${charset}: use UTF-8 or ISO-8859-1.`)
}

/** Schemas are for the OpenAPI document; these routes read and check their bodies themselves. */
const noValidation = (): (() => boolean) => () => true

export interface BatchSuccess extends Omit<SuccessReport, 'error_code'> { id: string }
export interface BatchFailure extends ErrorReport { id: string }

function batchError (message: string): HttpProblem {
  return new HttpProblem(422, 42208, message)
}

export const v3RecordsPlugin: ApiPlugin = {
  name: 'v3-records',
  async register (app, deps) {
    const encoder = new RecordEncoder(deps.formats, deps.registry)
    const { config } = deps
    const limits: StreamLimits = {
      maxRecordBytes: config['request.body.max.bytes'],
      maxBodyBytes: config['request.body.max.bytes'],
      maxDurationMs: config['streaming.connection.max.duration.ms'],
      gracePeriodMs: config['streaming.connection.max.duration.grace.period.ms'],
      // Per stream: at most this many records read but not yet answered (then reading pauses; read-ahead is kept as
      // bytes, cheap), and produce calls of at most maxBatchRecords, up to maxInFlight at once; over all streams, at
      // most IN_FLIGHT_RECORDS in produce calls. Measured (bench/v3-streaming-produce.ts): larger calls or a larger
      // shared bound keep so many parsed records alive that garbage collection eats the CPU; one call at a time
      // leaves the stream idle during each fsync.
      maxPendingRecords: 8192,
      maxPendingBytes: 8 * 1024 * 1024,
      maxBatchRecords: 1024,
      maxInFlight: 2,
    }
    const budget = new InFlightBudget(IN_FLIGHT_RECORDS)
    if (deps.limits === undefined) throw new Error('v3 records: AppDeps.limits is set by buildApp')
    const streamMemory = deps.limits.streams
    const maxEntries = config['api.v3.produce.batch.maximum.entries']
    const now = (): number => Date.now()

    // ---- single and streaming: the raw body stream is handed to the route (its own content-type parser) ------
    await app.register(async (streamApp: FastifyInstance) => {
      const streams = new Set<RecordStream>()
      streamApp.removeAllContentTypeParsers()
      streamApp.addContentTypeParser('*', (_request, payload, done) => { done(null, payload) })
      // Shutdown: open streams stop reading, answer what they read and end, so the server can close.
      streamApp.addHook('preClose', async () => {
        const open = [...streams]
        for (const s of open) s.stop()
        await Promise.all(open.map(async s => { await s.done }))
      })

      streamApp.post<{ Params: TopicP }>('/v3/clusters/:cluster_id/topics/:topic_name/records', {
        // streamsBody: read at the pace of the client's producer, bounded by StreamMemory (not by the body rate).
        config: { produces: V3_PRODUCES, errorMappings: produceErrorMappings, streamsBody: true },
        validatorCompiler: noValidation,
        schema: {
          operationId: 'produceRecord',
          tags: ['v3'],
          summary: 'Produce one record, or stream records (chunked body of concatenated JSON objects) with a delivery report per record',
          description: 'With `Transfer-Encoding: chunked` the body is a stream of concatenated records, parsed as it arrives; the answer is 200 at once and one delivery report per record, in order, each followed by \\r\\n, written while the request is still streaming. A JSON syntax error ends the stream after its own 400 report. A body with a Content-Length holding one record is answered with that record\'s own HTTP status (krest: Confluent answers 200 and puts the error in the body).',
          consumes: ['application/json'],
          params: topicParams,
          body: { $ref: 'V3ProduceRequest#' },
          response: { 200: { $ref: 'V3ProduceResponse#' }, ...errorResponses },
        },
      }, async (request: FastifyRequest<{ Params: TopicP }>, reply: FastifyReply) => {
        const encoding = bodyEncoding(request.headers['content-type'])
        const ctx = v3Context(deps, request, request.params.cluster_id)
        const raw = request.raw
        const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0
        if (!hasBody) throw new HttpProblem(422, 42206, 'Payload error. Request body is empty. Data is required.')
        const stream = new RecordStream({
          memory: streamMemory,
          clusterId: ctx.clusterId,
          topic: request.params.topic_name,
          producer: deps.backend.producer,
          encoder,
          log: request.log,
          limits,
          budget,
          now,
        }, raw, reply.raw, encoding)
        if (!streamMemory.openStream(stream)) {
          reply.header('connection', 'close')
          throw new HttpProblem(429, 42901, `Too Many Requests: ${streamMemory.maxStreams} produce streams are open (api.v3.produce.streams.max).`)
        }
        reply.hijack()
        streams.add(stream)
        try {
          stream.start()
          await stream.done
        } finally {
          streams.delete(stream)
          streamMemory.closeStream(stream)
        }
        request.log.debug({ records: stream.records, bytes: stream.bytesRead }, 'records stream ended')
      })
    })

    // ---- batch ---------------------------------------------------------------------------------------------
    app.post<{ Params: TopicP, Body: unknown }>('/v3/clusters/:cluster_id/topics/:topic_name/records::batch', {
      config: { produces: V3_PRODUCES, unprocessableErrorCode: 42208, errorMappings: produceErrorMappings },
      validatorCompiler: noValidation,
      schema: {
        operationId: 'produceRecordsBatch',
        tags: ['v3'],
        summary: `Produce a batch of records (at most api.v3.produce.batch.maximum.entries, default 1000) with a result per entry`,
        consumes: ['application/json'],
        params: topicParams,
        body: { $ref: 'V3ProduceBatchRequest#' },
        response: { 207: { $ref: 'V3ProduceBatchResponse#' }, ...errorResponses },
      },
    }, async (request, reply) => {
      bodyEncoding(request.headers['content-type'])
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const topic = request.params.topic_name
      const body = request.body
      if (body === undefined || body === null) throw batchError('Payload error. Null input provided. Data is required.')
      if (typeof body !== 'object' || Array.isArray(body)) throw new KrestError('INVALID_REQUEST', 'Cannot deserialize a batch produce request: expected an object {entries: [...]}')
      for (const f of Object.keys(body)) if (f !== 'entries') throw new KrestError('INVALID_REQUEST', `Unrecognized field "${f}" (known properties: entries)`)
      const entries = (body as { entries?: unknown }).entries
      if (entries === undefined || entries === null) throw batchError('Payload error. Null input provided. Data is required.')
      if (!Array.isArray(entries)) throw new KrestError('INVALID_REQUEST', 'Cannot deserialize "entries": expected an array')
      if (entries.length === 0) throw batchError('Payload error. Batch is empty. Data is required.')
      if (entries.length > maxEntries) throw batchError(`Payload error. Batch has ${entries.length} entries, more than the maximum of ${maxEntries} (api.v3.produce.batch.maximum.entries).`)
      const ids = new Set<string>()
      for (let i = 0; i < entries.length; i++) {
        const e: unknown = entries[i]
        if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new KrestError('INVALID_REQUEST', `Cannot deserialize entries[${i}]: expected an object`)
        const id = (e as { id?: unknown }).id
        if (typeof id !== 'string' || id.length < 1 || id.length > 80) throw batchError(`Payload error. entries[${i}].id must be a string of 1 to 80 characters.`)
        if (ids.has(id)) throw batchError(`Payload error. Batch entry ids are not distinct: ${JSON.stringify(id)} is repeated.`)
        ids.add(id)
      }
      // Bad fields fail the whole request (strict binding); bad data or a failed write fails only its entry.
      const parsed = entries.map(e => parseBatchEntry(e as Record<string, unknown>))

      const results: Array<{ id: string, report?: SuccessReport, failure?: ErrorReport }> = []
      const toProduce: EncodedRecord[] = []
      const produceIndex: number[] = []
      for (let i = 0; i < parsed.length; i++) {
        const id = (entries[i] as { id: string }).id
        results.push({ id })
        try {
          toProduce.push(await encoder.encode(topic, parsed[i] as (typeof parsed)[number]))
          produceIndex.push(i)
        } catch (err) {
          (results[i] as { failure?: ErrorReport }).failure = recordErrorReport(err, request.log)
        }
      }
      const outcomes: ProduceOutcome[] = toProduce.length === 0 ? [] : await produceEach(deps.backend.producer, topic, toProduce)
      for (let k = 0; k < produceIndex.length; k++) {
        const r = results[produceIndex[k] as number] as { id: string, report?: SuccessReport, failure?: ErrorReport }
        const o = outcomes[k]
        if (o === undefined) r.failure = { error_code: 50002, message: 'No outcome for a produced record' }
        else if (o.ok) r.report = successReport(ctx.clusterId, topic, o, toProduce[k] as EncodedRecord)
        else r.failure = recordErrorReport(o.error, request.log)
      }
      const successes: BatchSuccess[] = []
      const failures: BatchFailure[] = []
      for (const r of results) {
        if (r.report !== undefined) {
          const { error_code: _ok, ...rest } = r.report
          successes.push({ id: r.id, ...rest })
        } else if (r.failure !== undefined) {
          failures.push({ id: r.id, ...r.failure })
        }
      }
      return reply.code(207).send({ successes, failures })
    })
  },
}
