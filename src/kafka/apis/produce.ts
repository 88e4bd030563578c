/**
 * Produce (0): versions 0–8 advertised (librdkafka turns compression off when v0 is missing), 3–8 served
 * (RecordBatch v2 only). Each partition's batches are validated and appended as sent; acks=0 gets no response.
 * Ordered on a connection: appends are queued in request order, then pipelined requests share group commits.
 */
import { defineApi, NO_RESPONSE } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const produceMessages: ApiMessages = {
  key: 0,
  name: 'Produce',
  flexibleFrom: 9,
  request: [
    field('transactionalId', 'string', '3+', { nullable: '3+', default: null }),
    field('acks', 'int16', '0+'),
    field('timeoutMs', 'int32', '0+'),
    array('topicData', [
      field('name', 'string', '0+'),
      array('partitionData', [
        field('index', 'int32', '0+'),
        field('records', 'records', '0+', { nullable: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
  response: [
    array('responses', [
      field('name', 'string', '0+'),
      array('partitionResponses', [
        field('index', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('baseOffset', 'int64', '0+'),
        field('logAppendTimeMs', 'int64', '2+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1 }),
        array('recordErrors', [
          field('batchIndex', 'int32', '8+'),
          field('batchIndexErrorMessage', 'string', '8+', { nullable: '8+', default: null }),
        ], '8+'),
        field('errorMessage', 'string', '8+', { nullable: '8+', default: null }),
      ], '0+'),
    ], '0+'),
    field('throttleTimeMs', 'int32', '1+'),
  ],
}

interface ProduceRequest {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  topicData: Array<{ name: string, partitionData: Array<{ index: number, records: Buffer | null }> }>
}

interface PartitionResponse {
  index: number
  errorCode: number
  baseOffset: number
  logAppendTimeMs: number
  logStartOffset: number
  errorMessage: string | null
}

interface ProduceResponse {
  responses: Array<{ name: string, partitionResponses: PartitionResponse[] }>
  throttleTimeMs: number
}

export const produceApi = defineApi<ProduceRequest, ProduceResponse>({
  messages: produceMessages,
  served: '3-8',
  advertised: '0-8',
  ordered: true,
  async handle (request, ctx) {
    const { backend, log } = ctx.services
    let queued = 0
    let expected = 0
    const onQueued = (): void => { if (++queued === expected) ctx.dispatched() }
    const pending: Array<Promise<PartitionResponse>> = []
    const shape: Array<{ name: string, count: number }> = []
    for (const topic of request.topicData) {
      shape.push({ name: topic.name, count: topic.partitionData.length })
      for (const p of topic.partitionData) {
        expected++
        const failed = (errorCode: number, message: string | null): PartitionResponse =>
          ({ index: p.index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage: message })
        if (request.transactionalId !== null) {
          pending.push(Promise.resolve(failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported')))
          onQueued()
          continue
        }
        if (p.records === null || p.records.length === 0) {
          pending.push(Promise.resolve(failed(ErrorCode.CORRUPT_MESSAGE, 'no records')))
          onQueued()
          continue
        }
        let signalled = false
        const once = (): void => { if (!signalled) { signalled = true; onQueued() } }
        pending.push(backend.batches.append(topic.name, p.index, p.records, { onQueued: once }).then(
          (r): PartitionResponse => ({ index: p.index, errorCode: ErrorCode.NONE, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTime, logStartOffset: r.logStartOffset, errorMessage: null }),
          (err: unknown): PartitionResponse => {
            const code = kafkaErrorCode(err)
            if (code === ErrorCode.UNKNOWN_SERVER_ERROR || code === ErrorCode.KAFKA_STORAGE_ERROR) log.error({ err, topic: topic.name, partition: p.index }, 'kafka produce failed')
            return failed(code, kafkaErrorMessage(err))
          },
        ).finally(once))
      }
    }
    if (expected === 0) ctx.dispatched()
    const results = await Promise.all(pending)
    if (request.acks === 0) {
      // No response at all; on an error Kafka closes the connection so the client notices.
      if (results.some(r => r.errorCode !== ErrorCode.NONE)) ctx.closeConnection('acks=0 produce failed')
      return NO_RESPONSE
    }
    let i = 0
    return {
      responses: shape.map(t => ({ name: t.name, partitionResponses: results.slice(i, (i += t.count)) })),
      throttleTimeMs: 0,
    }
  },
})
