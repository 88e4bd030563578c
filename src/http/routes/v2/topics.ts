import type { PartitionInfo } from '../../../backend/types.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { V2_PRODUCES, errorResponses, partitionParam, topicParam } from '../common.js'

interface TopicParams { topic: string }
interface PartitionParams { topic: string, partition: number }

function v2Partition (p: PartitionInfo): { partition: number, leader: number, replicas: { broker: number, leader: boolean, in_sync: boolean }[] } {
  return { partition: p.partition, leader: p.leader, replicas: p.replicas.map(r => ({ broker: r.broker, leader: r.leader, in_sync: r.inSync })) }
}

const topicParams = { type: 'object', required: ['topic'], properties: { topic: topicParam } } as const
const partitionParams = { type: 'object', required: ['topic', 'partition'], properties: { topic: topicParam, partition: partitionParam } } as const

/** v2 topic and partition metadata. Internal topics are hidden from the listing. */
export const v2TopicsPlugin: ApiPlugin = {
  name: 'v2-topics',
  register (app, deps) {
    const { backend } = deps

    app.get('/topics', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'listTopicsV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'Topic names (internal topics hidden)', response: { 200: { $ref: 'V2TopicNames#' }, ...errorResponses } },
    }, async () => (await backend.admin.listTopics()).map(t => t.name))

    app.get<{ Params: TopicParams }>('/topics/:topic', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'getTopicV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'Topic metadata with all effective configs', params: topicParams, response: { 200: { $ref: 'V2Topic#' }, ...errorResponses } },
    }, async request => {
      const topic = await backend.admin.describeTopic(request.params.topic)
      const entries = await backend.admin.describeTopicConfigs(topic.name)
      const configs: Record<string, string> = {}
      for (const e of entries) if (e.value !== null) configs[e.name] = e.value
      return { name: topic.name, configs, partitions: topic.partitions.map(v2Partition) }
    })

    app.get<{ Params: TopicParams }>('/topics/:topic/partitions', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'listPartitionsV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'Partitions of a topic', params: topicParams, response: { 200: { $ref: 'V2PartitionList#' }, ...errorResponses } },
    }, async request => (await backend.admin.describeTopic(request.params.topic)).partitions.map(v2Partition))

    app.get<{ Params: PartitionParams }>('/topics/:topic/partitions/:partition', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'getPartitionV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'One partition', params: partitionParams, response: { 200: { $ref: 'V2Partition#' }, ...errorResponses } },
    }, async request => {
      const { topic, partition } = request.params
      const p = (await backend.admin.describeTopic(topic)).partitions[partition]
      if (p === undefined) throw new KrestError('PARTITION_NOT_FOUND', `Partition ${partition} of topic ${topic} not found.`)
      return v2Partition(p)
    })

    app.get<{ Params: PartitionParams }>('/topics/:topic/partitions/:partition/offsets', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'getPartitionOffsetsV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'Earliest offset and next offset to be written', params: partitionParams, response: { 200: { $ref: 'V2PartitionOffsets#' }, ...errorResponses } },
    }, async request => {
      const o = await backend.metadata.partitionOffsets(request.params.topic, request.params.partition)
      return { beginning_offset: o.logStartOffset, end_offset: o.highWatermark }
    })
  },
}
