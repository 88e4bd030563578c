/**
 * InitProducerId (22), versions 0–4: producer ids and epochs for idempotent producers. Transactions are not
 * supported (their APIs are not advertised): a transactional id is refused.
 */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode } from '../errors.js'
import { field } from '../protocol/schema.js'

export const initProducerIdMessages: ApiMessages = {
  key: 22,
  name: 'InitProducerId',
  flexibleFrom: 2,
  request: [
    field('transactionalId', 'string', '0+', { nullable: '0+' }),
    field('transactionTimeoutMs', 'int32', '0+'),
    field('producerId', 'int64', '3+', { default: -1 }),
    field('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('producerId', 'int64', '0+', { default: -1 }),
    field('producerEpoch', 'int16', '0+'),
  ],
}

interface InitProducerIdRequest { transactionalId: string | null, producerId: number, producerEpoch: number }
interface InitProducerIdResponse { throttleTimeMs: number, errorCode: number, producerId: number, producerEpoch: number }

export const initProducerIdApi = defineApi<InitProducerIdRequest, InitProducerIdResponse>({
  messages: initProducerIdMessages,
  served: '0-4',
  async handle (request, ctx) {
    const failed = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 })
    if (request.transactionalId !== null) return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    if ((request.producerId === -1) !== (request.producerEpoch === -1)) return failed(ErrorCode.INVALID_REQUEST)
    try {
      const current = request.producerId >= 0 ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : undefined
      const got = await ctx.services.backend.batches.initProducerId(current)
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, ...got }
    } catch (err) {
      return failed(kafkaErrorCode(err))
    }
  },
})
