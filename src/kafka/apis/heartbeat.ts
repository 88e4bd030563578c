/** Heartbeat (12), versions 1–4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to join again. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { field } from '../protocol/schema.js'
import { groupErrorCode } from './group-errors.js'

export const heartbeatMessages: ApiMessages = {
  key: 12,
  name: 'Heartbeat',
  flexibleFrom: 4,
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
  ],
}

interface HeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export const heartbeatApi = defineApi<HeartbeatRequest, object>({
  messages: heartbeatMessages,
  served: '1-4',
  handle (request, ctx) {
    const error = ctx.services.backend.groups.classic.heartbeat(request)
    return { throttleTimeMs: 0, errorCode: groupErrorCode(error) }
  },
})
