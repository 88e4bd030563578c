/**
 * Fetch (1), versions 4–12 (topic names; v13+ would need topic ids): stored batches as they are, sessionless
 * (session id 0 always: full fetches). Long poll: waits up to maxWaitMs for minBytes, woken by the same
 * high-watermark waiters as the HTTP consumers' long poll. At least one whole batch even past maxBytes.
 */
import { defineApi } from '../api.js'
import type { ApiMessages, RequestContext } from '../api.js'
import { ErrorCode, kafkaErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const fetchMessages: ApiMessages = {
  key: 1,
  name: 'Fetch',
  flexibleFrom: 12,
  request: [
    field('clusterId', 'string', '12+', { nullable: '12+', default: null, tag: 0 }),
    field('replicaId', 'int32', '0-14', { default: -1 }),
    field('maxWaitMs', 'int32', '0+'),
    field('minBytes', 'int32', '0+'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff }),
    field('isolationLevel', 'int8', '4+'),
    field('sessionId', 'int32', '7+'),
    field('sessionEpoch', 'int32', '7+', { default: -1 }),
    array('topics', [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '9+', { default: -1 }),
        field('fetchOffset', 'int64', '0+'),
        field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        field('partitionMaxBytes', 'int32', '0+'),
      ], '0+'),
    ], '0+'),
    array('forgottenTopicsData', [
      field('topic', 'string', '7-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', 'int32', '7+'),
    ], '7+'),
    field('rackId', 'string', '11+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '7+'),
    field('sessionId', 'int32', '7+'),
    array('responses', [
      field('topic', 'string', '0-12'),
      field('topicId', 'uuid', '13+'),
      array('partitions', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('highWatermark', 'int64', '0+'),
        field('lastStableOffset', 'int64', '4+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        array('abortedTransactions', [
          field('producerId', 'int64', '4+'),
          field('firstOffset', 'int64', '4+'),
        ], '4+', { nullable: '4+', default: null }),
        field('preferredReadReplica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullable: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
}

interface FetchPartitionRequest { partition: number, fetchOffset: number, partitionMaxBytes: number }

interface FetchRequest {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  isolationLevel: number
  topics: Array<{ topic: string, partitions: FetchPartitionRequest[] }>
}

interface FetchPartitionResponse {
  partitionIndex: number
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  abortedTransactions: null
  preferredReadReplica: number
  records: Buffer | null
}

interface FetchResponse {
  throttleTimeMs: number
  errorCode: number
  sessionId: number
  responses: Array<{ topic: string, partitions: FetchPartitionResponse[] }>
}

/** Longest long poll we honour, whatever the client asks (clients use ≤ 500 ms by default). */
const MAX_WAIT_MS = 30_000

async function readAll (request: FetchRequest, ctx: RequestContext): Promise<{ response: FetchResponse, bytes: number, waitOn: Array<{ topic: string, partition: number, offset: number }> }> {
  const { backend, log } = ctx.services
  let budget = Math.max(0, request.maxBytes)
  let bytes = 0
  let first = true
  const waitOn: Array<{ topic: string, partition: number, offset: number }> = []
  const responses: FetchResponse['responses'] = []
  for (const t of request.topics) {
    const partitions: FetchPartitionResponse[] = []
    for (const p of t.partitions) {
      const out: FetchPartitionResponse = {
        partitionIndex: p.partition, errorCode: ErrorCode.NONE, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
        abortedTransactions: null, preferredReadReplica: -1, records: null,
      }
      partitions.push(out)
      try {
        // A batch larger than the limits is still returned when it is the first data of the response (KIP-74).
        const limit = first ? Math.max(1, Math.min(p.partitionMaxBytes, budget)) : Math.min(p.partitionMaxBytes, budget)
        if (limit <= 0) {
          const offsets = await backend.metadata.partitionOffsets(t.topic, p.partition)
          out.highWatermark = out.lastStableOffset = offsets.highWatermark
          out.logStartOffset = offsets.logStartOffset
          out.records = Buffer.alloc(0)
          continue
        }
        const read = await backend.batches.read(t.topic, p.partition, p.fetchOffset, limit)
        out.highWatermark = out.lastStableOffset = read.highWatermark
        out.logStartOffset = read.logStartOffset
        out.records = read.batches
        if (read.batches.length > 0) {
          first = false
          bytes += read.batches.length
          budget -= read.batches.length
        } else {
          waitOn.push({ topic: t.topic, partition: p.partition, offset: p.fetchOffset })
        }
      } catch (err) {
        out.errorCode = kafkaErrorCode(err)
        if (out.errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) log.error({ err, topic: t.topic, partition: p.partition }, 'kafka fetch failed')
      }
    }
    responses.push({ topic: t.topic, partitions })
  }
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses }, bytes, waitOn }
}

export const fetchApi = defineApi<FetchRequest, FetchResponse>({
  messages: fetchMessages,
  served: '4-12',
  async handle (request, ctx) {
    const { backend } = ctx.services
    const deadline = ctx.services.now() + Math.min(Math.max(0, request.maxWaitMs), MAX_WAIT_MS)
    for (;;) {
      const round = await readAll(request, ctx)
      const remaining = deadline - ctx.services.now()
      const anyError = round.response.responses.some(t => t.partitions.some(p => p.errorCode !== ErrorCode.NONE))
      if (round.bytes >= Math.max(1, request.minBytes) || anyError || remaining <= 0 || round.waitOn.length === 0) return round.response
      // Wait until any partition without data gets some, or the deadline.
      const abort = new AbortController()
      try {
        const woke = await Promise.race(round.waitOn.map(w => backend.batches.waitForData(w.topic, w.partition, w.offset, remaining, abort.signal)))
        if (!woke && ctx.services.now() >= deadline) return (await readAll(request, ctx)).response
      } finally {
        abort.abort()
      }
    }
  },
})
