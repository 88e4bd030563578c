/**
 * v2 consumer instances (Confluent REST Proxy paths): thin routes over `ConsumerInstances` (src/proxy).
 * Mounted when the gateway provides `deps.consumers`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TopicPartition } from '../../backend/group-consumer.js'
import type { ConsumerInstances } from '../../proxy/consumers/consumer-instances.js'
import type { EmbeddedFormatName } from '../../serde/types.js'
import { isBlank, jsonBodyParser, parseJsonBody } from '../json-body.js'
import { KrestError } from '../../util/errors.js'
import type { ApiPlugin, AppDeps } from '../deps.js'
import { APPLICATION_JSON, KAFKA_DEFAULT_JSON, KAFKA_MEDIA_TYPE, V2_JSON, negotiate } from '../media-types.js'
import { HttpProblem, notAcceptable, unsupportedMediaType } from '../problem.js'
import { baseUrl } from '../urls.js'
import { errorResponses } from './common.js'

const EMBEDDED_TYPES: Record<EmbeddedFormatName, string> = {
  binary: 'application/vnd.kafka.binary.v2+json',
  json: 'application/vnd.kafka.json.v2+json',
  avro: 'application/vnd.kafka.avro.v2+json',
  jsonschema: 'application/vnd.kafka.jsonschema.v2+json',
  protobuf: 'application/vnd.kafka.protobuf.v2+json',
}

/** Management calls answer in plain v2 JSON or echo the embedded type the client asked for. */
const MANAGEMENT_PRODUCES: readonly string[] = [V2_JSON, ...Object.values(EMBEDDED_TYPES), KAFKA_DEFAULT_JSON, APPLICATION_JSON]

/** Offers of the records GET, best first: the binary reader's types, then each schema/json reader's own type. */
const RECORDS_OFFERS: readonly string[] = [EMBEDDED_TYPES.binary, V2_JSON, EMBEDDED_TYPES.json, EMBEDDED_TYPES.avro, EMBEDDED_TYPES.jsonschema, EMBEDDED_TYPES.protobuf, APPLICATION_JSON]

const groupParam = { type: 'string', minLength: 1 } as const
const groupParams = { type: 'object', required: ['group'], properties: { group: groupParam } } as const
const instanceParams = { type: 'object', required: ['group', 'instance'], properties: { group: groupParam, instance: { type: 'string', minLength: 1 } } } as const

interface GroupP { group: string }
interface InstanceP { group: string, instance: string }

interface CreateBody {
  name?: string
  id?: string
  format?: string
  'auto.offset.reset'?: string
  'auto.commit.enable'?: string | boolean
  'fetch.min.bytes'?: number | string
  'consumer.request.timeout.ms'?: number | string
  responseMinBytes?: number | string
  requestWaitMs?: number | string
  'partition.assignment.strategy'?: string
}

interface SubscriptionBody { topics?: string[], topic_pattern?: string }
interface PartitionsBody { partitions: TopicPartition[] }
interface PositionsBody {
  offsets?: (TopicPartition & { offset: number, metadata?: string | null })[]
  timestamps?: (TopicPartition & { timestamp: string, metadata?: string | null })[]
}
interface CommitBody { offsets?: (TopicPartition & { offset: number, metadata?: string | null })[] }
interface CommittedQuery { topic?: string[], partition?: number[] }
interface RecordsQuery { timeout?: number, max_bytes?: number }

/** Consumer calls may carry no body at all (create with defaults, commit everything): an empty JSON body is "none". */
function installLenientJsonParsers (app: FastifyInstance): void {
  app.removeContentTypeParser([APPLICATION_JSON])
  app.removeContentTypeParser([KAFKA_MEDIA_TYPE as unknown as string])
  app.addContentTypeParser(APPLICATION_JSON, { parseAs: 'buffer' }, jsonBodyParser({ blankIsNone: true }))
  app.addContentTypeParser(KAFKA_MEDIA_TYPE, { parseAs: 'buffer' }, jsonBodyParser({ blankIsNone: true }))
}

/** Offsets of internal topics (`__consumer_offsets`, `_schemas`) are krest's own: a client cannot commit them. */
async function refuseInternalTopics (deps: AppDeps, topics: readonly string[]): Promise<void> {
  const internal = new Set((await deps.backend.admin.listTopics({ includeInternal: true })).filter(t => t.internal).map(t => t.name))
  const named = topics.find(t => internal.has(t))
  if (named !== undefined) throw new KrestError('INTERNAL_TOPIC', `Offsets of internal topic ${named} cannot be committed.`, { details: { topic: named } })
}

function consumersOf (deps: AppDeps): ConsumerInstances {
  const c = deps.consumers
  if (c === undefined) throw new KrestError('CLOSED', 'consumer instances are not available')
  return c
}

function optionalBody (ref: string): { anyOf: ({ $ref: string } | { type: 'null' })[] } {
  return { anyOf: [{ $ref: ref }, { type: 'null' }] }
}

/** The embedded format a records GET asks for (406 without a body when none of the readers can answer). */
function requestedFormat (request: FastifyRequest, reply: FastifyReply, instanceFormat: EmbeddedFormatName): EmbeddedFormatName {
  const accept = request.headers.accept
  const chosen = negotiate(accept, RECORDS_OFFERS)
  if (chosen === undefined) throw notAcceptable()
  if (chosen === APPLICATION_JSON) {
    // krest extension: plain JSON means "in whatever format this instance reads".
    reply.type(APPLICATION_JSON)
    return instanceFormat
  }
  reply.type(chosen)
  if (chosen === V2_JSON) return 'binary'
  const entry = Object.entries(EMBEDDED_TYPES).find(([, type]) => type === chosen)
  return (entry?.[0] ?? 'binary') as EmbeddedFormatName
}

const GET_BODY_MAX_BYTES = 1024 * 1024

/**
 * Confluent's GET …/offsets carries a JSON body, which fastify does not parse on GET: read and validate it here
 * (415 for a body that is not JSON, 413 when huge, 400/422 when it does not match V2ConsumerPartitions).
 */
async function readGetBody (request: FastifyRequest): Promise<PartitionsBody | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request.raw) {
    const b = chunk as Buffer
    size += b.length
    if (size > GET_BODY_MAX_BYTES) throw new HttpProblem(413, 413, `Request body is larger than ${GET_BODY_MAX_BYTES} bytes.`)
    chunks.push(b)
  }
  const buf = Buffer.concat(chunks)
  if (isBlank(buf)) return undefined
  const type = request.headers['content-type']
  if (type === undefined || !(KAFKA_MEDIA_TYPE.test(type) || /^application\/json\s*(;|$)/i.test(type))) throw unsupportedMediaType()
  const parsed = parseJsonBody(buf, type)
  const validate = request.compileValidationSchema({ $ref: 'V2ConsumerPartitions#' })
  if (!validate(parsed)) {
    const first = validate.errors?.[0]
    const status = first?.keyword === 'required' ? 422 : 400
    throw new HttpProblem(status, status, `body${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`)
  }
  return parsed as PartitionsBody
}

function parseTimestamp (s: string): number {
  const ms = Date.parse(s)
  if (!Number.isFinite(ms)) throw new KrestError('INVALID_REQUEST', `Invalid timestamp ${s}: expected ISO-8601, e.g. 2024-01-31T10:00:00.000Z`)
  return ms
}

export const consumersPlugin: ApiPlugin = {
  name: 'v2-consumers',
  register (app, deps) {
    if (deps.consumers === undefined) return
    installLenientJsonParsers(app)
    const tags = ['v2 consumers']
    const manage = { produces: MANAGEMENT_PRODUCES }

    app.post<{ Params: GroupP, Body: CreateBody | undefined }>('/consumers/:group', {
      config: manage,
      schema: {
        operationId: 'createConsumerInstance', tags, summary: 'Create a consumer instance in a group',
        params: groupParams, body: optionalBody('V2CreateConsumerRequest#'),
        response: { 200: { $ref: 'V2CreateConsumerResponse#' }, ...errorResponses },
      },
    }, async request => {
      const b = request.body ?? {}
      const { group } = request.params
      const info = consumersOf(deps).create(group, {
        name: b.id ?? b.name,
        format: b.format,
        autoOffsetReset: b['auto.offset.reset'],
        autoCommitEnable: b['auto.commit.enable'],
        fetchMinBytes: b['fetch.min.bytes'] ?? b.responseMinBytes,
        requestTimeoutMs: b['consumer.request.timeout.ms'] ?? b.requestWaitMs,
        assignmentStrategy: b['partition.assignment.strategy'],
      })
      const base = baseUrl(request, deps.config['advertised.listeners'])
      return { instance_id: info.instanceId, base_uri: `${base}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(info.instanceId)}` }
    })

    app.delete<{ Params: InstanceP }>('/consumers/:group/instances/:instance', {
      config: manage,
      schema: { operationId: 'deleteConsumerInstance', tags, summary: 'Destroy the instance (it leaves its group)', params: instanceParams, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      await consumersOf(deps).delete(request.params.group, request.params.instance)
      return await reply.code(204).send()
    })

    app.post<{ Params: InstanceP, Body: SubscriptionBody | undefined }>('/consumers/:group/instances/:instance/subscription', {
      config: manage,
      schema: { operationId: 'subscribe', tags, summary: 'Subscribe to topics or a topic_pattern (which also matches topics created later)', params: instanceParams, body: { $ref: 'V2SubscriptionRequest#' }, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      const b = request.body ?? {}
      const { group, instance } = request.params
      if (b.topics !== undefined && b.topics.length > 0) {
        await consumersOf(deps).subscribe(group, instance, { topics: b.topics })
      } else if (b.topic_pattern !== undefined) {
        await consumersOf(deps).subscribe(group, instance, { pattern: b.topic_pattern })
      } else {
        throw new KrestError('INVALID_REQUEST', 'A subscription needs a non-empty topics list or a topic_pattern.')
      }
      return await reply.code(204).send()
    })

    app.get<{ Params: InstanceP }>('/consumers/:group/instances/:instance/subscription', {
      config: manage,
      schema: { operationId: 'getSubscription', tags, summary: 'Subscribed topics (for a pattern: the topics it matches now)', params: instanceParams, response: { 200: { $ref: 'V2Subscription#' }, ...errorResponses } },
    }, async request => {
      const { group, instance } = request.params
      const sub = await consumersOf(deps).subscription(group, instance)
      if (sub === null) return { topics: [] }
      if ('topics' in sub) return { topics: sub.topics }
      const re = new RegExp(`^(?:${sub.pattern})$`, 'u')
      const topics = (await deps.backend.admin.listTopics()).map(t => t.name).filter(t => re.test(t))
      return { topics }
    })

    app.delete<{ Params: InstanceP }>('/consumers/:group/instances/:instance/subscription', {
      config: manage,
      schema: { operationId: 'unsubscribe', tags, params: instanceParams, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      await consumersOf(deps).unsubscribe(request.params.group, request.params.instance)
      return await reply.code(204).send()
    })

    app.post<{ Params: InstanceP, Body: PartitionsBody }>('/consumers/:group/instances/:instance/assignments', {
      config: manage,
      schema: { operationId: 'assignPartitions', tags, summary: 'Manual assignment (exclusive with subscribe)', params: instanceParams, body: { $ref: 'V2ConsumerPartitions#' }, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      await consumersOf(deps).assign(request.params.group, request.params.instance, request.body.partitions)
      return await reply.code(204).send()
    })

    app.get<{ Params: InstanceP }>('/consumers/:group/instances/:instance/assignments', {
      config: manage,
      schema: { operationId: 'getAssignments', tags, summary: 'Partitions the instance owns now', params: instanceParams, response: { 200: { $ref: 'V2ConsumerPartitions#' }, ...errorResponses } },
    }, async request => ({ partitions: await consumersOf(deps).assignment(request.params.group, request.params.instance) }))

    app.post<{ Params: InstanceP, Body: PositionsBody }>('/consumers/:group/instances/:instance/positions', {
      config: manage,
      schema: { operationId: 'seek', tags, summary: 'Seek owned partitions to offsets and/or timestamps (ISO-8601)', params: instanceParams, body: { $ref: 'V2PositionsRequest#' }, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      const b = request.body
      const timestamps = (b.timestamps ?? []).map(t => ({ topic: t.topic, partition: t.partition, timestamp: parseTimestamp(t.timestamp) }))
      const offsets = (b.offsets ?? []).map(o => ({ topic: o.topic, partition: o.partition, offset: o.offset }))
      await consumersOf(deps).seek(request.params.group, request.params.instance, offsets, timestamps)
      return await reply.code(204).send()
    })

    app.post<{ Params: InstanceP, Body: PartitionsBody }>('/consumers/:group/instances/:instance/positions/beginning', {
      config: manage,
      schema: { operationId: 'seekToBeginning', tags, params: instanceParams, body: { $ref: 'V2ConsumerPartitions#' }, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      await consumersOf(deps).seekToBeginning(request.params.group, request.params.instance, request.body.partitions)
      return await reply.code(204).send()
    })

    app.post<{ Params: InstanceP, Body: PartitionsBody }>('/consumers/:group/instances/:instance/positions/end', {
      config: manage,
      schema: { operationId: 'seekToEnd', tags, params: instanceParams, body: { $ref: 'V2ConsumerPartitions#' }, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async (request, reply) => {
      await consumersOf(deps).seekToEnd(request.params.group, request.params.instance, request.body.partitions)
      return await reply.code(204).send()
    })

    app.post<{ Params: InstanceP, Body: CommitBody | undefined }>('/consumers/:group/instances/:instance/offsets', {
      config: manage,
      schema: {
        operationId: 'commitOffsets', tags, summary: 'Commit: no body commits everything returned so far; a body commits offset + 1 of each entry',
        params: instanceParams, body: optionalBody('V2CommitOffsetsRequest#'), response: { 200: { $ref: 'V2CommitOffsetsResponse#' }, ...errorResponses },
      },
    }, async request => {
      const entries = request.body?.offsets?.map(o => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? undefined }))
      if (entries !== undefined && entries.length > 0) await refuseInternalTopics(deps, entries.map(e => e.topic))
      await consumersOf(deps).commit(request.params.group, request.params.instance, entries)
      return []
    })

    app.get<{ Params: InstanceP, Querystring: CommittedQuery }>('/consumers/:group/instances/:instance/offsets', {
      config: manage,
      schema: {
        operationId: 'getCommittedOffsets', tags,
        summary: 'Committed offsets: partitions from a JSON body {partitions:[{topic, partition}]} (as Confluent), or ?topic=&partition= pairs, or (neither) the current assignment',
        params: instanceParams,
        querystring: { type: 'object', additionalProperties: false, properties: { topic: { type: 'array', items: { type: 'string', minLength: 1 } }, partition: { type: 'array', items: { type: 'integer', minimum: 0 } } } },
        response: { 200: { $ref: 'V2CommittedOffsets#' }, ...errorResponses },
      },
    }, async request => {
      const body = await readGetBody(request)
      const { group, instance } = request.params
      let partitions: TopicPartition[]
      const q = request.query
      if (body !== undefined) {
        partitions = body.partitions
      } else if (q.topic !== undefined || q.partition !== undefined) {
        const topics = q.topic ?? []
        const parts = q.partition ?? []
        if (topics.length === 0 || parts.length === 0 || (topics.length !== 1 && topics.length !== parts.length)) {
          throw new KrestError('INVALID_REQUEST', 'Give ?topic=&partition= in pairs (or one topic with several partitions).')
        }
        partitions = parts.map((p, i) => ({ topic: topics.length === 1 ? topics[0]! : topics[i]!, partition: p }))
      } else {
        partitions = await consumersOf(deps).assignment(group, instance)
      }
      return { offsets: await consumersOf(deps).committed(group, instance, partitions) }
    })

    app.get<{ Params: InstanceP, Querystring: RecordsQuery }>('/consumers/:group/instances/:instance/records', {
      // A HEAD would consume records and throw them away: not offered.
      exposeHeadRoute: false,
      // Consuming moves the instance's position: refused cross-site like a POST (browser-guard.ts).
      config: { changesState: true },
      schema: {
        operationId: 'fetchRecords', tags, summary: 'Long poll: returns as soon as fetch.min.bytes are there, else waits up to timeout (capped by consumer.request.timeout.ms)',
        params: instanceParams,
        // max_bytes ≤ 0 is refused (400), not read as "no limit"; absent, consumer.request.max.bytes applies.
        querystring: { type: 'object', properties: { timeout: { type: 'integer' }, max_bytes: { type: 'integer', minimum: 1 } } },
        response: { 200: { $ref: 'V2ConsumerRecords#' }, ...errorResponses },
      },
    }, async (request, reply) => {
      const consumers = consumersOf(deps)
      const { group, instance } = request.params
      const info = consumers.info(group, instance)
      const format = requestedFormat(request, reply, info.format)
      const ac = new AbortController()
      const onClose = (): void => { if (!reply.raw.writableEnded) ac.abort() }
      reply.raw.once('close', onClose)
      try {
        const { json } = await consumers.fetchSerialized(group, instance, { format, timeoutMs: request.query.timeout, maxBytes: request.query.max_bytes, signal: ac.signal })
        // Already JSON text (the V2ConsumerRecords shape): sent as is, without a second serialization.
        return await reply.send(json)
      } finally {
        reply.raw.off('close', onClose)
      }
    })
  },
}
