/** CreatePartitions (37), versions 0–3: raises a topic's partition count. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const createPartitionsMessages: ApiMessages = {
  key: 37,
  name: 'CreatePartitions',
  flexibleFrom: 2,
  request: [
    array('topics', [
      field('name', 'string', '0+'),
      field('count', 'int32', '0+'),
      array('assignments', [
        array('brokerIds', 'int32', '0+'),
      ], '0+', { nullable: '0+', default: null }),
    ], '0+'),
    field('timeoutMs', 'int32', '0+'),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', [
      field('name', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
    ], '0+'),
  ],
}

interface CreatePartitionsRequest {
  topics: Array<{ name: string, count: number, assignments: Array<{ brokerIds: number[] }> | null }>
  validateOnly: boolean
}

interface Result { name: string, errorCode: number, errorMessage: string | null }

export const createPartitionsApi = defineApi<CreatePartitionsRequest, { throttleTimeMs: number, results: Result[] }>({
  messages: createPartitionsMessages,
  served: '0-3',
  async handle (request, ctx) {
    const { admin } = ctx.services.backend
    const results = await Promise.all(request.topics.map(async (t): Promise<Result> => {
      try {
        if (t.assignments !== null && t.assignments.some(a => a.brokerIds.some(b => b !== ctx.services.nodeId))) {
          return { name: t.name, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Replica assignments may only name broker ${ctx.services.nodeId}.` }
        }
        const current = (await admin.describeTopic(t.name)).partitions.length
        if (t.count <= current) {
          return { name: t.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than or equal to the requested ${t.count}.` }
        }
        if (!request.validateOnly) await admin.createPartitions(t.name, t.count)
        return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null }
      } catch (err) {
        return { name: t.name, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) }
      }
    }))
    return { throttleTimeMs: 0, results }
  },
})
