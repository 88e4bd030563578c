/** LeaveGroup (13), versions 1–4 (v3+ takes a list of members, each answered with its own error). */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'
import { groupErrorCode } from './group-errors.js'

export const leaveGroupMessages: ApiMessages = {
  key: 13,
  name: 'LeaveGroup',
  flexibleFrom: 4,
  request: [
    field('groupId', 'string', '0+'),
    field('memberId', 'string', '0-2'),
    array('members', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
      field('reason', 'string', '5+', { nullable: '5+', default: null }),
    ], '3+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    array('members', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
      field('errorCode', 'int16', '3+'),
    ], '3+'),
  ],
}

interface LeaveGroupRequest {
  groupId: string
  memberId: string
  members: Array<{ memberId: string, groupInstanceId: string | null }>
}

export const leaveGroupApi = defineApi<LeaveGroupRequest, object>({
  messages: leaveGroupMessages,
  served: '1-4',
  handle (request, ctx) {
    const leaving = ctx.apiVersion >= 3
      ? request.members.map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: request.memberId, groupInstanceId: null }]
    const result = ctx.services.backend.groups.classic.leaveGroup(request.groupId, leaving)
    if (ctx.apiVersion < 3) {
      // One member: its error is the response's.
      return { throttleTimeMs: 0, errorCode: groupErrorCode(result.error ?? result.members[0]?.error ?? null) }
    }
    return {
      throttleTimeMs: 0,
      errorCode: groupErrorCode(result.error),
      members: result.members.map(m => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: groupErrorCode(m.error) })),
    }
  },
})
