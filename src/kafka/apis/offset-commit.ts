/**
 * OffsetCommit (8), versions 2–8: commits from a group's current generation, or standalone commits (generation -1,
 * no member id) for groups without members; into the same offset store the HTTP consumers use.
 */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'
import { groupErrorCode } from './group-errors.js'

export const offsetCommitMessages: ApiMessages = {
  key: 8,
  name: 'OffsetCommit',
  flexibleFrom: 8,
  request: [
    field('groupId', 'string', '0+'),
    field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1 }),
    field('memberId', 'string', '1+', { default: '' }),
    field('groupInstanceId', 'string', '7+', { nullable: '7+', default: null }),
    field('retentionTimeMs', 'int64', '2-4', { default: -1 }),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partitionIndex', 'int32', '0+'),
        field('committedOffset', 'int64', '0+'),
        field('committedLeaderEpoch', 'int32', '6+', { default: -1 }),
        field('commitTimestamp', 'int64', '1', { default: -1 }),
        field('committedMetadata', 'string', '0+', { nullable: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
      ], '0+'),
    ], '0+'),
  ],
}

interface OffsetCommitRequest {
  groupId: string
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
  topics: Array<{ name: string, partitions: Array<{ partitionIndex: number, committedOffset: number, committedMetadata: string | null }> }>
}

export const offsetCommitApi = defineApi<OffsetCommitRequest, object>({
  messages: offsetCommitMessages,
  served: '2-8',
  async handle (request, ctx) {
    const offsets = request.topics.flatMap(t => t.partitions.map(p => ({
      topic: t.name,
      partition: p.partitionIndex,
      offset: p.committedOffset,
      metadata: p.committedMetadata,
    })))
    const result = await ctx.services.backend.groups.classic.commitOffsets({
      groupId: request.groupId,
      generationId: request.generationIdOrMemberEpoch,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      offsets,
    })
    let i = 0
    return {
      throttleTimeMs: 0,
      topics: request.topics.map(t => ({
        name: t.name,
        partitions: t.partitions.map(p => ({ partitionIndex: p.partitionIndex, errorCode: groupErrorCode(result.partitions[i++]?.error ?? result.error) })),
      })),
    }
  },
})
