import { v3MetadataErrorMappings } from '../../errors.js'
import { EMBEDDED_BROKER_ID } from '../../../backend/types.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { clusterParams, collection, topicParams, topicResource, v3Context } from './resources.js'

interface CreateTopicBody {
  topic_name: string
  partitions_count?: number | null
  replication_factor?: number | null
  replicas_assignments?: Record<string, number[]>
  configs?: { name: string, value?: string | null }[]
  validate_only?: boolean
}

type ClusterP = { cluster_id: string }
type TopicP = { cluster_id: string, topic_name: string }

export const v3TopicsPlugin: ApiPlugin = {
  name: 'v3-topics',
  register (app, deps) {
    const { admin } = deps.backend

    app.get<{ Params: ClusterP }>('/v3/clusters/:cluster_id/topics', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'listKafkaTopics',
        tags: ['v3'],
        params: clusterParams,
        querystring: { type: 'object', properties: { includeAuthorizedOperations: { type: 'boolean' } } },
        response: { 200: { $ref: 'V3TopicList#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const topics = await admin.listTopics({ includeInternal: true })
      return collection('KafkaTopicList', `${ctx.cluster}/topics`, topics.map(t => topicResource(ctx, t)))
    })

    app.post<{ Params: ClusterP, Body: CreateTopicBody }>('/v3/clusters/:cluster_id/topics', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings, unprocessableErrorCode: 42206 },
      schema: {
        operationId: 'createKafkaTopic',
        tags: ['v3'],
        summary: 'Create a topic: 201 with Location, or 200 when validate_only',
        params: clusterParams,
        body: { $ref: 'V3CreateTopicRequest#' },
        response: { 200: { $ref: 'V3Topic#' }, 201: { $ref: 'V3Topic#' }, ...errorResponses },
      },
    }, async (request, reply) => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const body = request.body
      let partitions = body.partitions_count ?? undefined
      let replicationFactor = body.replication_factor ?? undefined
      if (body.replicas_assignments !== undefined) {
        // An explicit assignment decides both counts, as in Kafka.
        const entries = Object.entries(body.replicas_assignments)
        entries.forEach(([partition, brokers], i) => {
          if (partition !== String(i) || brokers.length === 0 || brokers.some(b => b !== EMBEDDED_BROKER_ID)) {
            throw new KrestError('INVALID_REPLICATION_FACTOR',
              `Invalid replicas_assignments: partitions must be numbered from 0 and placed on broker ${EMBEDDED_BROKER_ID}, the only broker.`)
          }
        })
        partitions = entries.length
        replicationFactor = Math.max(...entries.map(([, brokers]) => brokers.length))
      }
      // Without a prototype, a config named `__proto__` is a key like any other (and refused as unknown) instead of
      // an assignment to the object's prototype that silently dropped it.
      const configs: Record<string, string> = Object.create(null) as Record<string, string>
      for (const c of body.configs ?? []) if (c.value !== undefined && c.value !== null) configs[c.name] = c.value
      const validateOnly = body.validate_only === true
      const topic = await admin.createTopic(body.topic_name, { partitions, replicationFactor, configs }, { validateOnly })
      const resource = topicResource(ctx, topic)
      if (validateOnly) return reply.code(200).send(resource)
      return reply.code(201).header('location', resource.metadata !== undefined ? (resource.metadata as { self: string }).self : '').send(resource)
    })

    app.get<{ Params: TopicP }>('/v3/clusters/:cluster_id/topics/:topic_name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'getKafkaTopic',
        tags: ['v3'],
        params: topicParams,
        querystring: { type: 'object', properties: { include_authorized_operations: { type: 'boolean' } } },
        response: { 200: { $ref: 'V3Topic#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return topicResource(ctx, await admin.describeTopic(request.params.topic_name))
    })

    app.patch<{ Params: TopicP, Body: { partitions_count: number } }>('/v3/clusters/:cluster_id/topics/:topic_name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'updatePartitionCountKafkaTopic',
        tags: ['v3'],
        summary: 'Increase the partition count',
        params: topicParams,
        body: { $ref: 'V3UpdatePartitionCountRequest#' },
        response: { 200: { $ref: 'V3Topic#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return topicResource(ctx, await admin.createPartitions(request.params.topic_name, request.body.partitions_count))
    })

    app.delete<{ Params: TopicP }>('/v3/clusters/:cluster_id/topics/:topic_name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'deleteKafkaTopic', tags: ['v3'], params: topicParams, response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses } },
    }, async (request, reply) => {
      v3Context(deps, request, request.params.cluster_id)
      await admin.deleteTopic(request.params.topic_name)
      return reply.code(204).send()
    })
  },
}
