/** DescribeGroups (15), versions 0–5: state, protocol and members (with their metadata and assignment bytes). */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'

export const describeGroupsMessages: ApiMessages = {
  key: 15,
  name: 'DescribeGroups',
  flexibleFrom: 5,
  request: [
    array('groups', 'string', '0+'),
    field('includeAuthorizedOperations', 'bool', '3+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    array('groups', [
      field('errorCode', 'int16', '0+'),
      field('groupId', 'string', '0+'),
      field('groupState', 'string', '0+'),
      field('protocolType', 'string', '0+'),
      field('protocolData', 'string', '0+'),
      array('members', [
        field('memberId', 'string', '0+'),
        field('groupInstanceId', 'string', '4+', { nullable: '4+', default: null }),
        field('clientId', 'string', '0+'),
        field('clientHost', 'string', '0+'),
        field('memberMetadata', 'bytes', '0+'),
        field('memberAssignment', 'bytes', '0+'),
      ], '0+'),
      field('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
    ], '0+'),
  ],
}

const INVALID_GROUP_ID = 24

export const describeGroupsApi = defineApi<{ groups: string[] }, object>({
  messages: describeGroupsMessages,
  served: '0-5',
  handle (request, ctx) {
    const { classic } = ctx.services.backend.groups
    return {
      throttleTimeMs: 0,
      groups: request.groups.map(groupId => {
        if (groupId === '') return { errorCode: INVALID_GROUP_ID, groupId, groupState: '', protocolType: '', protocolData: '', members: [] }
        const d = classic.describeGroup(groupId)
        return {
          errorCode: 0,
          groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocol,
          members: d.members.map(m => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
        }
      }),
    }
  },
})
