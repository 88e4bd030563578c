/** DeleteGroups (42), versions 0–2: deletes empty groups with their committed offsets. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'
import { groupErrorCode } from './group-errors.js'

export const deleteGroupsMessages: ApiMessages = {
  key: 42,
  name: 'DeleteGroups',
  flexibleFrom: 2,
  request: [
    array('groupsNames', 'string', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', [
      field('groupId', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
    ], '0+'),
  ],
}

export const deleteGroupsApi = defineApi<{ groupsNames: string[] }, object>({
  messages: deleteGroupsMessages,
  served: '0-2',
  async handle (request, ctx) {
    const { classic } = ctx.services.backend.groups
    const results = []
    for (const groupId of request.groupsNames) results.push({ groupId, errorCode: groupErrorCode(await classic.deleteGroup(groupId)) })
    return { throttleTimeMs: 0, results }
  },
})
