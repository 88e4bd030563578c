/**
 * OffsetForLeaderEpoch (23), versions 0–4. krest has one broker and never changes leaders: every partition is in
 * leader epoch 0 from offset 0, so the end offset of any epoch asked for is the log end (the high watermark).
 * Metadata reports epoch -1, so clients normally skip this validation altogether.
 */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const offsetForLeaderEpochMessages: ApiMessages = {
  key: 23,
  name: 'OffsetForLeaderEpoch',
  flexibleFrom: 4,
  request: [
    field('replicaId', 'int32', '3+', { default: -2 }),
    array('topics', [
      field('topic', 'string', '0+'),
      array('partitions', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '2+', { default: -1 }),
        field('leaderEpoch', 'int32', '0+'),
      ], '0+'),
    ], '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', [
      field('topic', 'string', '0+'),
      array('partitions', [
        field('errorCode', 'int16', '0+'),
        field('partition', 'int32', '0+'),
        field('leaderEpoch', 'int32', '1+', { default: -1 }),
        field('endOffset', 'int64', '0+', { default: -1 }),
      ], '0+'),
    ], '0+'),
  ],
}

/** The one leader epoch of every partition. */
const EPOCH = 0

interface Request { topics: Array<{ topic: string, partitions: Array<{ partition: number, currentLeaderEpoch: number, leaderEpoch: number }> }> }
interface PartitionResult { errorCode: number, partition: number, leaderEpoch: number, endOffset: number }

export const offsetForLeaderEpochApi = defineApi<Request, { throttleTimeMs: number, topics: Array<{ topic: string, partitions: PartitionResult[] }> }>({
  messages: offsetForLeaderEpochMessages,
  served: '0-4',
  async handle (request, ctx) {
    const { metadata } = ctx.services.backend
    const topics = await Promise.all(request.topics.map(async t => ({
      topic: t.topic,
      partitions: await Promise.all(t.partitions.map(async (p): Promise<PartitionResult> => {
        try {
          const offsets = await metadata.partitionOffsets(t.topic, p.partition)
          if (p.currentLeaderEpoch > EPOCH) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH, partition: p.partition, leaderEpoch: -1, endOffset: -1 }
          if (p.leaderEpoch < EPOCH) return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: -1, endOffset: -1 }
          return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: EPOCH, endOffset: offsets.highWatermark }
        } catch (err) {
          return { errorCode: kafkaErrorCode(err), partition: p.partition, leaderEpoch: -1, endOffset: -1 }
        }
      })),
    })))
    return { throttleTimeMs: 0, topics }
  },
})
