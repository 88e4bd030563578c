import { v3MetadataErrorMappings } from '../../errors.js'
import type { ConfigAlteration } from '../../../backend/types.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { collection, topicConfigResource, topicParams, v3Context } from './resources.js'

type TopicP = { cluster_id: string, topic_name: string }
type ConfigP = TopicP & { name: string }

const configParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'name'],
  properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
} as const

interface AlterBody {
  data: { name: string, value?: string | null, operation?: string | null }[]
  validate_only?: boolean
}

export const v3TopicConfigsPlugin: ApiPlugin = {
  name: 'v3-topic-configs',
  register (app, deps) {
    const { admin } = deps.backend

    app.get<{ Params: TopicP }>('/v3/clusters/:cluster_id/topics/:topic_name/configs', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'listKafkaTopicConfigs', tags: ['v3'], params: topicParams, response: { 200: { $ref: 'V3TopicConfigList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const topic = request.params.topic_name
      const entries = await admin.describeTopicConfigs(topic)
      return collection('KafkaTopicConfigList', `${ctx.cluster}/topics/${encodeURIComponent(topic)}/configs`, entries.map(e => topicConfigResource(ctx, topic, e)))
    })

    app.get<{ Params: ConfigP }>('/v3/clusters/:cluster_id/topics/:topic_name/configs/:name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'getKafkaTopicConfig', tags: ['v3'], params: configParams, response: { 200: { $ref: 'V3TopicConfig#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, name } = request.params
      const entry = (await admin.describeTopicConfigs(topic)).find(e => e.name === name)
      if (entry === undefined) throw new KrestError('CONFIG_NOT_FOUND', `Config ${name} cannot be found for topic ${topic}.`)
      return topicConfigResource(ctx, topic, entry)
    })

    app.put<{ Params: ConfigP, Body: { value: string | null } }>('/v3/clusters/:cluster_id/topics/:topic_name/configs/:name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'updateKafkaTopicConfig', tags: ['v3'], params: configParams, body: { $ref: 'V3UpdateConfigRequest#' }, response: { 204: { type: 'null', description: 'Updated' }, ...errorResponses } },
    }, async (request, reply) => {
      v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, name } = request.params
      const value = request.body.value
      const alteration: ConfigAlteration = value === null ? { name, operation: 'DELETE' } : { name, operation: 'SET', value }
      await admin.alterTopicConfigs(topic, [alteration])
      return reply.code(204).send()
    })

    app.delete<{ Params: ConfigP }>('/v3/clusters/:cluster_id/topics/:topic_name/configs/:name', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'resetKafkaTopicConfig', tags: ['v3'], summary: 'Revert a config to its default', params: configParams, response: { 204: { type: 'null', description: 'Reset' }, ...errorResponses } },
    }, async (request, reply) => {
      v3Context(deps, request, request.params.cluster_id)
      await admin.alterTopicConfigs(request.params.topic_name, [{ name: request.params.name, operation: 'DELETE' }])
      return reply.code(204).send()
    })

    // `configs:alter` (a literal colon, escaped as `::` in fastify paths)
    app.post<{ Params: TopicP, Body: AlterBody }>('/v3/clusters/:cluster_id/topics/:topic_name/configs::alter', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'updateKafkaTopicConfigBatch', tags: ['v3'], params: topicParams, body: { $ref: 'V3AlterConfigBatchRequest#' }, response: { 204: { type: 'null', description: 'Altered' }, ...errorResponses } },
    }, async (request, reply) => {
      v3Context(deps, request, request.params.cluster_id)
      const alterations = request.body.data.map((d): ConfigAlteration => {
        const op = (d.operation ?? 'SET').toUpperCase()
        return op === 'DELETE' ? { name: d.name, operation: 'DELETE' } : { name: d.name, operation: 'SET', value: d.value ?? null }
      })
      await admin.alterTopicConfigs(request.params.topic_name, alterations, { validateOnly: request.body.validate_only === true })
      return reply.code(204).send()
    })
  },
}
