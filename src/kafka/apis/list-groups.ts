/** ListGroups (16), versions 0–4 (v4 filters by state): every group the coordinator knows. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'

export const listGroupsMessages: ApiMessages = {
  key: 16,
  name: 'ListGroups',
  flexibleFrom: 3,
  request: [
    array('statesFilter', 'string', '4+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0+'),
    array('groups', [
      field('groupId', 'string', '0+'),
      field('protocolType', 'string', '0+'),
      field('groupState', 'string', '4+'),
    ], '0+'),
  ],
}

export const listGroupsApi = defineApi<{ statesFilter: string[] }, object>({
  messages: listGroupsMessages,
  served: '0-4',
  handle (request, ctx) {
    const states = new Set(request.statesFilter.map(s => s.toLowerCase()))
    const groups = ctx.services.backend.groups.classic.listGroups()
      .filter(g => states.size === 0 || states.has(g.state.toLowerCase()))
      .map(g => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state }))
    return { throttleTimeMs: 0, errorCode: 0, groups }
  },
})
