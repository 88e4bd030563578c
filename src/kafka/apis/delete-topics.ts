/** DeleteTopics (20), versions 0–6 (by name; v6 also by topic id). */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { topicIdAsUuid } from './topic-id.js'

export const deleteTopicsMessages: ApiMessages = {
  key: 20,
  name: 'DeleteTopics',
  flexibleFrom: 4,
  request: [
    array('topics', [
      field('name', 'string', '6+', { nullable: '6+', default: null }),
      field('topicId', 'uuid', '6+'),
    ], '6+'),
    array('topicNames', 'string', '0-5'),
    field('timeoutMs', 'int32', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    array('responses', [
      field('name', 'string', '0+', { nullable: '6+' }),
      field('topicId', 'uuid', '6+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '5+', { nullable: '5+', default: null }),
    ], '0+'),
  ],
}

interface DeleteTopicsRequest {
  topics: Array<{ name: string | null, topicId: string }>
  topicNames: string[]
}

interface DeletedTopic { name: string | null, topicId: string, errorCode: number, errorMessage: string | null }

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

export const deleteTopicsApi = defineApi<DeleteTopicsRequest, { throttleTimeMs: number, responses: DeletedTopic[] }>({
  messages: deleteTopicsMessages,
  served: '0-6',
  async handle (request, ctx) {
    const { admin } = ctx.services.backend
    const wanted = request.topicNames.length > 0
      ? request.topicNames.map(name => ({ name: name as string | null, topicId: ZERO_UUID }))
      : request.topics
    // Topic ids are resolved against the current topics (v6).
    const byId = wanted.some(w => w.name === null)
      ? new Map((await admin.listTopics({ includeInternal: true })).map(t => [topicIdAsUuid(t.topicId), t.name]))
      : new Map<string, string>()
    const responses = await Promise.all(wanted.map(async (w): Promise<DeletedTopic> => {
      const name = w.name ?? byId.get(w.topicId)
      if (name === undefined) return { name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: `No topic with id ${w.topicId}.` }
      try {
        const info = await admin.describeTopic(name)
        if (info.internal) return { name, topicId: topicIdAsUuid(info.topicId), errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Internal topic ${name} cannot be deleted.` }
        await admin.deleteTopic(name)
        return { name, topicId: topicIdAsUuid(info.topicId), errorCode: ErrorCode.NONE, errorMessage: null }
      } catch (err) {
        return { name, topicId: w.topicId, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) }
      }
    }))
    return { throttleTimeMs: 0, responses }
  },
})
