import { v3MetadataErrorMappings } from '../../errors.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { collection, partitionParams, partitionResource, replicaResource, topicParams, v3Context } from './resources.js'

type TopicP = { cluster_id: string, topic_name: string }
type PartitionP = TopicP & { partition_id: number }

export const v3PartitionsPlugin: ApiPlugin = {
  name: 'v3-partitions',
  register (app, deps) {
    const { admin } = deps.backend

    async function partitionOf (topic: string, partition: number): Promise<{ partition: number, leader: number, replicas: { broker: number, leader: boolean, inSync: boolean }[] }> {
      const p = (await admin.describeTopic(topic)).partitions[partition]
      if (p === undefined) throw new KrestError('PARTITION_NOT_FOUND', `Partition ${partition} of topic ${topic} not found.`)
      return p
    }

    app.get<{ Params: TopicP }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'listKafkaPartitions', tags: ['v3'], params: topicParams, response: { 200: { $ref: 'V3PartitionList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const topic = await admin.describeTopic(request.params.topic_name)
      return collection('KafkaPartitionList', `${ctx.cluster}/topics/${encodeURIComponent(topic.name)}/partitions`,
        topic.partitions.map(p => partitionResource(ctx, topic.name, p.partition, p.leader)))
    })

    app.get<{ Params: PartitionP }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'getKafkaPartition', tags: ['v3'], params: partitionParams, response: { 200: { $ref: 'V3Partition#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, partition_id: partition } = request.params
      const p = await partitionOf(topic, partition)
      return partitionResource(ctx, topic, p.partition, p.leader)
    })

    app.get<{ Params: PartitionP }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'listKafkaReplicas', tags: ['v3'], params: partitionParams, response: { 200: { $ref: 'V3ReplicaList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, partition_id: partition } = request.params
      const p = await partitionOf(topic, partition)
      return collection('KafkaReplicaList', `${ctx.cluster}/topics/${encodeURIComponent(topic)}/partitions/${partition}/replicas`,
        p.replicas.map(r => replicaResource(ctx, topic, partition, r.broker, r.leader, r.inSync)))
    })

    app.get<{ Params: PartitionP & { broker_id: number } }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas/:broker_id', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'getKafkaReplica',
        tags: ['v3'],
        params: { ...partitionParams, required: [...partitionParams.required, 'broker_id'], properties: { ...partitionParams.properties, broker_id: { type: 'integer' } } },
        response: { 200: { $ref: 'V3Replica#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, partition_id: partition, broker_id: broker } = request.params
      const r = (await partitionOf(topic, partition)).replicas.find(x => x.broker === broker)
      if (r === undefined) throw new KrestError('BROKER_NOT_FOUND', `Replica ${broker} of partition ${partition} of topic ${topic} cannot be found.`)
      return replicaResource(ctx, topic, partition, r.broker, r.leader, r.inSync)
    })

    app.get<{ Params: PartitionP }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/offset', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'getKafkaPartitionOffsets',
        tags: ['v3'],
        params: partitionParams,
        querystring: { type: 'object', properties: { offset_type: { type: 'string', enum: ['earliest_and_latest'] } } },
        response: { 200: { $ref: 'V3PartitionWithOffsets#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, partition_id: partition } = request.params
      const o = await deps.backend.metadata.partitionOffsets(topic, partition)
      return {
        kind: 'KafkaPartitionWithOffsets',
        metadata: { self: `${ctx.cluster}/topics/${encodeURIComponent(topic)}/partitions/${partition}/offset`, resource_name: null },
        cluster_id: ctx.clusterId,
        topic_name: topic,
        partition_id: partition,
        earliest_offset: o.logStartOffset,
        latest_offset: o.highWatermark,
      }
    })
  },
}
