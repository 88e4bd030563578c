/**
 * OffsetFetch (9), versions 1–8: committed offsets of a group (v8: of several groups); -1 where nothing is
 * committed; null topics (v2+) means every committed partition of the group.
 */
import type { CommittedOffsetInfo } from '../../backend/group-consumer.js'
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { array, field } from '../protocol/schema.js'

const partitionFields = (v: string): ReturnType<typeof field>[] => [
  field('partitionIndex', 'int32', v),
  field('committedOffset', 'int64', v),
  field('committedLeaderEpoch', 'int32', v === '0-7' ? '5-7' : v, { default: -1 }),
  field('metadata', 'string', v, { nullable: v }),
  field('errorCode', 'int16', v),
]

export const offsetFetchMessages: ApiMessages = {
  key: 9,
  name: 'OffsetFetch',
  flexibleFrom: 6,
  request: [
    field('groupId', 'string', '0-7'),
    array('topics', [
      field('name', 'string', '0-7'),
      array('partitionIndexes', 'int32', '0-7'),
    ], '0-7', { nullable: '2-7' }),
    array('groups', [
      field('groupId', 'string', '8+'),
      field('memberId', 'string', '9+', { nullable: '9+', default: null }),
      field('memberEpoch', 'int32', '9+', { default: -1 }),
      array('topics', [
        field('name', 'string', '8+'),
        array('partitionIndexes', 'int32', '8+'),
      ], '8+', { nullable: '8+' }),
    ], '8+'),
    field('requireStable', 'bool', '7+', { default: false }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('topics', [
      field('name', 'string', '0-7'),
      array('partitions', partitionFields('0-7'), '0-7'),
    ], '0-7'),
    field('errorCode', 'int16', '2-7', { default: 0 }),
    array('groups', [
      field('groupId', 'string', '8+'),
      array('topics', [
        field('name', 'string', '8+'),
        array('partitions', partitionFields('8+'), '8+'),
      ], '8+'),
      field('errorCode', 'int16', '8+', { default: 0 }),
    ], '8+'),
  ],
}

type TopicRequest = Array<{ name: string, partitionIndexes: number[] }> | null

interface OffsetFetchRequest {
  groupId: string
  topics: TopicRequest
  groups: Array<{ groupId: string, topics: TopicRequest }>
}

interface PartitionOffset {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  metadata: string | null
  errorCode: number
}

/** Kafka answers an uncommitted partition with offset -1, empty metadata and no error. */
function offsetsFor (committed: CommittedOffsetInfo[], topics: TopicRequest): Array<{ name: string, partitions: PartitionOffset[] }> {
  const found = (c: CommittedOffsetInfo): PartitionOffset => ({ partitionIndex: c.partition, committedOffset: c.offset, committedLeaderEpoch: -1, metadata: c.metadata, errorCode: 0 })
  if (topics === null) {
    const byTopic = new Map<string, PartitionOffset[]>()
    for (const c of committed) {
      let list = byTopic.get(c.topic)
      if (list === undefined) byTopic.set(c.topic, list = [])
      list.push(found(c))
    }
    return [...byTopic].map(([name, partitions]) => ({ name, partitions }))
  }
  const index = new Map(committed.map(c => [`${c.partition}\u0000${c.topic}`, c]))
  return topics.map(t => ({
    name: t.name,
    partitions: t.partitionIndexes.map(p => {
      const c = index.get(`${p}\u0000${t.name}`)
      return c === undefined ? { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 } : found(c)
    }),
  }))
}

export const offsetFetchApi = defineApi<OffsetFetchRequest, object>({
  messages: offsetFetchMessages,
  served: '1-8',
  handle (request, ctx) {
    const { classic } = ctx.services.backend.groups
    if (ctx.apiVersion >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map(g => ({ groupId: g.groupId, topics: offsetsFor(classic.committedOffsets(g.groupId), g.topics), errorCode: 0 })),
      }
    }
    return { throttleTimeMs: 0, topics: offsetsFor(classic.committedOffsets(request.groupId), request.topics), errorCode: 0 }
  },
})
