/** SyncGroup (14), versions 1–4: the leader hands out assignments; followers wait for theirs. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'
import { groupErrorCode, ownBytes } from './group-errors.js'

export const syncGroupMessages: ApiMessages = {
  key: 14,
  name: 'SyncGroup',
  flexibleFrom: 4,
  request: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    array('assignments', [
      field('memberId', 'string', '0+'),
      field('assignment', 'bytes', '0+'),
    ], '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    field('protocolType', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolName', 'string', '5+', { nullable: '5+', default: null }),
    field('assignment', 'bytes', '0+'),
  ],
}

interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  assignments: Array<{ memberId: string, assignment: Buffer }>
}

export const syncGroupApi = defineApi<SyncGroupRequest, object>({
  messages: syncGroupMessages,
  served: '1-4',
  async handle (request, ctx) {
    const result = await ctx.services.backend.groups.classic.syncGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      generationId: request.generationId,
      groupInstanceId: request.groupInstanceId,
      protocolType: request.protocolType,
      protocolName: request.protocolName,
      assignments: request.assignments.map(a => ({ memberId: a.memberId, assignment: ownBytes(a.assignment) })),
    })
    return {
      throttleTimeMs: 0,
      errorCode: groupErrorCode(result.error),
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    }
  },
})
