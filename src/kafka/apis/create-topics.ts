/** CreateTopics (19), versions 0–7: creates topics (partitions and replication factor -1 = broker defaults, v4+). */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { configSourceId } from './configs-shared.js'
import { topicIdAsUuid } from './topic-id.js'

export const createTopicsMessages: ApiMessages = {
  key: 19,
  name: 'CreateTopics',
  flexibleFrom: 5,
  request: [
    array('topics', [
      field('name', 'string', '0+'),
      field('numPartitions', 'int32', '0+'),
      field('replicationFactor', 'int16', '0+'),
      array('assignments', [
        field('partitionIndex', 'int32', '0+'),
        array('brokerIds', 'int32', '0+'),
      ], '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ], '0+'),
    ], '0+'),
    field('timeoutMs', 'int32', '0+'),
    field('validateOnly', 'bool', '1+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      field('topicId', 'uuid', '7+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '1+', { nullable: '0+', default: null }),
      field('topicConfigErrorCode', 'int16', '5+', { tag: 0 }),
      field('numPartitions', 'int32', '5+', { default: -1 }),
      field('replicationFactor', 'int16', '5+', { default: -1 }),
      array('configs', [
        field('name', 'string', '5+'),
        field('value', 'string', '5+', { nullable: '5+' }),
        field('readOnly', 'bool', '5+'),
        field('configSource', 'int8', '5+', { default: -1 }),
        field('isSensitive', 'bool', '5+'),
      ], '5+', { nullable: '5+', default: null }),
    ], '0+'),
  ],
}

interface CreateTopicsRequest {
  topics: Array<{ name: string, numPartitions: number, replicationFactor: number, assignments: Array<{ partitionIndex: number, brokerIds: number[] }>, configs: Array<{ name: string, value: string | null }> }>
  validateOnly: boolean
}

interface CreatedTopic {
  name: string
  topicId: string
  errorCode: number
  errorMessage: string | null
  numPartitions: number
  replicationFactor: number
  configs: Array<{ name: string, value: string | null, readOnly: boolean, configSource: number, isSensitive: boolean }> | null
}

export const createTopicsApi = defineApi<CreateTopicsRequest, { throttleTimeMs: number, topics: CreatedTopic[] }>({
  messages: createTopicsMessages,
  served: '0-7',
  async handle (request, ctx) {
    const { admin } = ctx.services.backend
    const seen = new Map<string, number>()
    for (const t of request.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1)
    const topics = await Promise.all(request.topics.map(async (t): Promise<CreatedTopic> => {
      const failed = (errorCode: number, errorMessage: string): CreatedTopic =>
        ({ name: t.name, topicId: '00000000-0000-0000-0000-000000000000', errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null })
      if ((seen.get(t.name) ?? 0) > 1) return failed(ErrorCode.INVALID_REQUEST, `Topic ${t.name} appears more than once in the request.`)
      if (t.assignments.length > 0) {
        const brokers = new Set(t.assignments.flatMap(a => a.brokerIds))
        if (t.numPartitions !== -1 || t.replicationFactor !== -1) return failed(ErrorCode.INVALID_REQUEST, 'Both manual assignments and a partition count or replication factor were given.')
        if ([...brokers].some(b => b !== ctx.services.nodeId)) return failed(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Replica assignments may only name broker ${ctx.services.nodeId}.`)
        if (t.assignments.some(a => a.brokerIds.length !== 1)) return failed(ErrorCode.INVALID_REPLICATION_FACTOR, 'krest has one broker: each partition has exactly one replica.')
      }
      const configs: Record<string, string> = {}
      for (const c of t.configs) {
        if (c.value !== null) configs[c.name] = c.value
      }
      const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? undefined : t.numPartitions
      const replicationFactor = t.assignments.length > 0 || t.replicationFactor === -1 ? undefined : t.replicationFactor
      try {
        const created = await admin.createTopic(t.name, {
          ...(partitions === undefined ? {} : { partitions }),
          ...(replicationFactor === undefined ? {} : { replicationFactor }),
          configs,
        }, { validateOnly: request.validateOnly })
        let described: CreatedTopic['configs'] = null
        if (!request.validateOnly) {
          described = (await admin.describeTopicConfigs(t.name)).map(e => ({ name: e.name, value: e.isSensitive ? null : e.value, readOnly: e.isReadOnly, configSource: configSourceId(e.source), isSensitive: e.isSensitive }))
        }
        return {
          name: t.name,
          topicId: topicIdAsUuid(created.topicId),
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          numPartitions: created.partitions.length,
          replicationFactor: created.replicationFactor,
          configs: described,
        }
      } catch (err) {
        return failed(kafkaErrorCode(err), kafkaErrorMessage(err))
      }
    }))
    return { throttleTimeMs: 0, topics }
  },
})
