/** ListOffsets (2), versions 1–5: earliest (-2), latest (-1, the high watermark) and by timestamp. */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { LEADER_EPOCH } from './metadata.js'

export const listOffsetsMessages: ApiMessages = {
  key: 2,
  name: 'ListOffsets',
  flexibleFrom: 6,
  request: [
    field('replicaId', 'int32', '0+'),
    field('isolationLevel', 'int8', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partitionIndex', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '4+', { default: -1 }),
        field('timestamp', 'int64', '0+'),
        field('maxNumOffsets', 'int32', '0', { default: 1 }),
      ], '0+'),
    ], '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        array('oldStyleOffsets', 'int64', '0'),
        field('timestamp', 'int64', '1+', { default: -1 }),
        field('offset', 'int64', '1+', { default: -1 }),
        field('leaderEpoch', 'int32', '4+', { default: -1 }),
      ], '0+'),
    ], '0+'),
  ],
}

const LATEST = -1
const EARLIEST = -2

interface ListOffsetsRequest {
  topics: Array<{ name: string, partitions: Array<{ partitionIndex: number, timestamp: number }> }>
}

interface ListOffsetsPartition { partitionIndex: number, errorCode: number, timestamp: number, offset: number, leaderEpoch: number }

interface ListOffsetsResponse {
  throttleTimeMs: number
  topics: Array<{ name: string, partitions: ListOffsetsPartition[] }>
}

export const listOffsetsApi = defineApi<ListOffsetsRequest, ListOffsetsResponse>({
  messages: listOffsetsMessages,
  served: '1-5',
  async handle (request, ctx) {
    const { backend, log } = ctx.services
    const topics = await Promise.all(request.topics.map(async t => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p): Promise<ListOffsetsPartition> => {
        const out: ListOffsetsPartition = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1, offset: -1, leaderEpoch: LEADER_EPOCH }
        try {
          if (p.timestamp === LATEST || p.timestamp === EARLIEST) {
            const offsets = await backend.metadata.partitionOffsets(t.name, p.partitionIndex)
            out.offset = p.timestamp === LATEST ? offsets.highWatermark : offsets.logStartOffset
          } else if (p.timestamp < 0) {
            out.errorCode = ErrorCode.INVALID_REQUEST
          } else {
            await backend.metadata.partitionOffsets(t.name, p.partitionIndex) // UNKNOWN_TOPIC_OR_PARTITION first
            const found = await backend.batches.offsetForTimestamp(t.name, p.partitionIndex, p.timestamp)
            if (found !== null) { out.offset = found.offset; out.timestamp = found.timestamp }
          }
        } catch (err) {
          out.errorCode = kafkaErrorCode(err)
          if (out.errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) log.error({ err, topic: t.name, partition: p.partitionIndex }, 'kafka list offsets failed')
        }
        return out
      })),
    })))
    return { throttleTimeMs: 0, topics }
  },
})
