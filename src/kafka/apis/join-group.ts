/**
 * JoinGroup (11), versions 2–6: a Kafka client joins a group (classic protocol). The response waits for the join
 * phase to complete, which may take up to the rebalance timeout; MEMBER_ID_REQUIRED for new members on v4+.
 */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'
import { groupErrorCode, ownBytes } from './group-errors.js'

export const joinGroupMessages: ApiMessages = {
  key: 11,
  name: 'JoinGroup',
  flexibleFrom: 6,
  request: [
    field('groupId', 'string', '0+'),
    field('sessionTimeoutMs', 'int32', '0+'),
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
    field('protocolType', 'string', '0+'),
    array('protocols', [
      field('name', 'string', '0+'),
      field('metadata', 'bytes', '0+'),
    ], '0+'),
    field('reason', 'string', '8+', { nullable: '8+', default: null }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    field('errorCode', 'int16', '0+'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolType', 'string', '7+', { nullable: '7+', default: null }),
    field('protocolName', 'string', '0+', { nullable: '7+' }),
    field('leader', 'string', '0+'),
    field('skipAssignment', 'bool', '9+', { default: false }),
    field('memberId', 'string', '0+'),
    array('members', [
      field('memberId', 'string', '0+'),
      field('groupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
      field('metadata', 'bytes', '0+'),
    ], '0+'),
  ],
}

interface JoinGroupRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: Array<{ name: string, metadata: Buffer }>
}

export const joinGroupApi = defineApi<JoinGroupRequest, object>({
  messages: joinGroupMessages,
  served: '2-6',
  async handle (request, ctx) {
    const result = await ctx.services.backend.groups.classic.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: ctx.clientId ?? '',
      clientHost: ctx.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map(p => ({ name: p.name, metadata: ownBytes(p.metadata) })),
      requireKnownMemberId: ctx.apiVersion >= 4,
    })
    return {
      throttleTimeMs: 0,
      errorCode: groupErrorCode(result.error),
      generationId: result.generationId,
      protocolType: result.protocolType,
      // nullable only from v7 (beyond what we serve)
      protocolName: result.protocolName ?? '',
      leader: result.leader,
      memberId: result.memberId,
      members: result.members,
    }
  },
})
