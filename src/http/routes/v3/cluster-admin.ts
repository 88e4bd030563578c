/**
 * The v3 resources every other v3 resource links to and that a single embedded node has little to say about
 * (issue 16.2), served so that no `related` link krest emits is dead:
 * - broker configs (`/brokers/{id}/configs`): the Kafka broker settings krest has, from its config, read-only
 *   (none can change without a restart: alters answer 400/40002 as Kafka's "Cannot update these configs
 *   dynamically"); cluster-wide dynamic broker configs (`/broker-configs`): none are set, an empty list;
 * - partition replicas per broker: every partition, all on broker 0;
 * - reassignments: none in progress on one node (empty lists; a partition's `reassignment` is a resource with no
 *   replicas being added or removed, where Confluent answers 404);
 * - all topics' configs (`/topics/-/configs`);
 * - ACLs: an empty list until security lands.
 */
import type { ConfigEntry } from '../../../backend/types.js'
import { settingDefinitions } from '../../../config/settings.js'
import type { KrestConfig, SettingName } from '../../../config/settings.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { v3MetadataErrorMappings } from '../../errors.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { clusterParams, collection, crn, partitionParams, replicaResource, topicConfigResource, topicParams, v3Context } from './resources.js'
import type { V3Context } from './resources.js'

/** krest settings that are Kafka broker configs, under Kafka's names. */
export const BROKER_CONFIG_NAMES = [
  'auto.create.topics.enable', 'num.partitions', 'default.replication.factor', 'message.max.bytes',
  'log.segment.bytes', 'log.roll.ms', 'log.retention.ms', 'log.retention.bytes', 'log.cleanup.policy',
  'log.flush.interval.ms', 'log.index.interval.bytes', 'log.message.timestamp.type',
  'log.cleaner.delete.retention.ms', 'log.cleaner.min.cleanable.ratio', 'log.retention.check.interval.ms',
  'offsets.topic.num.partitions', 'max.connections', 'max.connections.per.ip', 'connections.max.idle.ms',
] as const satisfies readonly SettingName[]

const enc = encodeURIComponent
const ROUTE = { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings }
const tags = ['v3']

function brokerConfigs (config: KrestConfig): ConfigEntry[] {
  return BROKER_CONFIG_NAMES.map(name => {
    const value = String(config[name])
    const isDefault = value === String(settingDefinitions[name].default)
    return { name, value, isDefault, isReadOnly: true, isSensitive: false, source: isDefault ? 'DEFAULT_CONFIG' : 'STATIC_BROKER_CONFIG', synonyms: [] }
  })
}

function brokerConfigResource (ctx: V3Context, brokerId: number, e: ConfigEntry): Record<string, unknown> {
  return {
    kind: 'KafkaBrokerConfig',
    metadata: { self: `${ctx.cluster}/brokers/${brokerId}/configs/${enc(e.name)}`, resource_name: crn(ctx.clusterId, `broker=${brokerId}`, `config=${e.name}`) },
    cluster_id: ctx.clusterId,
    broker_id: brokerId,
    name: e.name,
    value: e.value,
    is_default: e.isDefault,
    is_read_only: e.isReadOnly,
    is_sensitive: e.isSensitive,
    source: e.source,
    synonyms: e.synonyms,
  }
}

function reassignmentResource (ctx: V3Context, topic: string, partition: number): Record<string, unknown> {
  const self = `${ctx.cluster}/topics/${enc(topic)}/partitions/${partition}/reassignment`
  return {
    kind: 'KafkaReassignment',
    metadata: { self, resource_name: crn(ctx.clusterId, `topic=${topic}`, `partition=${partition}`) },
    cluster_id: ctx.clusterId,
    topic_name: topic,
    partition_id: partition,
    adding_replicas: [],
    removing_replicas: [],
    replicas: { related: `${ctx.cluster}/topics/${enc(topic)}/partitions/${partition}/replicas` },
  }
}

function notDynamic (name: string): KrestError {
  return new KrestError('INVALID_CONFIG', `Cannot update these configs dynamically: ${name} (krest reads broker settings at start-up).`)
}

const brokerParams = { type: 'object', required: ['cluster_id', 'broker_id'], properties: { cluster_id: { type: 'string' }, broker_id: { type: 'integer' } } } as const
const brokerConfigParams = { type: 'object', required: ['cluster_id', 'broker_id', 'name'], properties: { ...brokerParams.properties, name: { type: 'string', minLength: 1 } } } as const
const list = { 200: { type: 'object', additionalProperties: true }, ...errorResponses } as const
const one = { 200: { type: 'object', additionalProperties: true }, ...errorResponses } as const

export const v3ClusterAdminPlugin: ApiPlugin = {
  name: 'v3-cluster-admin',
  register (app, deps) {
    const { admin, metadata } = deps.backend
    const broker = (id: number): number => {
      if (!metadata.brokers().some(b => b.brokerId === id)) throw new KrestError('BROKER_NOT_FOUND', `Broker ${id} cannot be found.`)
      return id
    }
    type BrokerP = { cluster_id: string, broker_id: number }
    type BrokerConfigP = BrokerP & { name: string }

    app.get<{ Params: BrokerP }>('/v3/clusters/:cluster_id/brokers/:broker_id/configs', {
      config: ROUTE,
      schema: { operationId: 'listKafkaBrokerConfigs', tags, summary: 'Broker settings krest has, under Kafka\'s names (read-only)', params: brokerParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const id = broker(request.params.broker_id)
      return collection('KafkaBrokerConfigList', `${ctx.cluster}/brokers/${id}/configs`, brokerConfigs(deps.config).map(e => brokerConfigResource(ctx, id, e)))
    })
    app.get<{ Params: BrokerConfigP }>('/v3/clusters/:cluster_id/brokers/:broker_id/configs/:name', {
      config: ROUTE,
      schema: { operationId: 'getKafkaBrokerConfig', tags, params: brokerConfigParams, response: one },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const id = broker(request.params.broker_id)
      const entry = brokerConfigs(deps.config).find(e => e.name === request.params.name)
      if (entry === undefined) throw new KrestError('CONFIG_NOT_FOUND', `Config ${request.params.name} cannot be found for broker ${id}.`)
      return brokerConfigResource(ctx, id, entry)
    })
    for (const method of ['PUT', 'DELETE'] as const) {
      app.route<{ Params: BrokerConfigP }>({
        method,
        url: '/v3/clusters/:cluster_id/brokers/:broker_id/configs/:name',
        config: ROUTE,
        schema: { operationId: method === 'PUT' ? 'updateKafkaBrokerConfig' : 'resetKafkaBrokerConfig', tags, summary: 'Refused: no broker setting is dynamic on krest (400/40002)', params: brokerConfigParams, response: { 204: { type: 'null' }, ...errorResponses } },
        handler: async request => {
          v3Context(deps, request, request.params.cluster_id)
          broker(request.params.broker_id)
          throw notDynamic(request.params.name)
        },
      })
    }
    app.post<{ Params: BrokerP, Body: { data?: { name?: string }[] } }>('/v3/clusters/:cluster_id/brokers/:broker_id/configs::alter', {
      config: ROUTE,
      schema: { operationId: 'updateKafkaBrokerConfigBatch', tags, summary: 'Refused: no broker setting is dynamic on krest (400/40002)', params: brokerParams, response: { 204: { type: 'null' }, ...errorResponses } },
    }, async request => {
      v3Context(deps, request, request.params.cluster_id)
      broker(request.params.broker_id)
      throw notDynamic((request.body?.data ?? []).map(d => String(d.name)).join(', '))
    })

    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/broker-configs', {
      config: ROUTE,
      schema: { operationId: 'listKafkaClusterConfigs', tags, summary: 'Cluster-wide dynamic broker configs: none are set on krest (empty list)', params: clusterParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return collection('KafkaClusterConfigList', `${ctx.cluster}/broker-configs`, [])
    })

    app.get<{ Params: BrokerP }>('/v3/clusters/:cluster_id/brokers/:broker_id/partition-replicas', {
      config: ROUTE,
      schema: { operationId: 'searchReplicasByBroker', tags, summary: 'Every partition replica on the broker', params: brokerParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const id = broker(request.params.broker_id)
      const replicas: Record<string, unknown>[] = []
      for (const t of await admin.listTopics({ includeInternal: true })) {
        for (const p of t.partitions) {
          for (const r of p.replicas) if (r.broker === id) replicas.push(replicaResource(ctx, t.name, p.partition, r.broker, r.leader, r.inSync))
        }
      }
      return collection('KafkaReplicaList', `${ctx.cluster}/brokers/${id}/partition-replicas`, replicas)
    })

    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/topics/-/partitions/-/reassignment', {
      config: ROUTE,
      schema: { operationId: 'listClusterKafkaPartitionReassignments', tags, summary: 'Reassignments in progress: none on one node', params: clusterParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return collection('KafkaReassignmentList', `${ctx.cluster}/topics/-/partitions/-/reassignment`, [])
    })
    app.get<{ Params: { cluster_id: string, topic_name: string } }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/-/reassignment', {
      config: ROUTE,
      schema: { operationId: 'listKafkaPartitionReassignmentsByTopic', tags, summary: 'Reassignments of the topic in progress: none on one node', params: topicParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const topic = await admin.describeTopic(request.params.topic_name)
      return collection('KafkaReassignmentList', `${ctx.cluster}/topics/${enc(topic.name)}/partitions/-/reassignment`, [])
    })
    app.get<{ Params: { cluster_id: string, topic_name: string, partition_id: number } }>('/v3/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/reassignment', {
      config: ROUTE,
      schema: { operationId: 'getKafkaPartitionReassignment', tags, summary: 'The partition\'s reassignment: nothing being added or removed on one node', params: partitionParams, response: one },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: name, partition_id: partition } = request.params
      const topic = await admin.describeTopic(name)
      if (topic.partitions[partition] === undefined) throw new KrestError('PARTITION_NOT_FOUND', `Partition ${partition} of topic ${name} not found.`)
      return reassignmentResource(ctx, topic.name, partition)
    })

    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/topics/-/configs', {
      config: ROUTE,
      schema: { operationId: 'listKafkaAllTopicConfigs', tags, summary: 'The configs of every topic', params: clusterParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const data: Record<string, unknown>[] = []
      for (const t of await admin.listTopics({ includeInternal: true })) {
        for (const e of await admin.describeTopicConfigs(t.name)) data.push(topicConfigResource(ctx, t.name, e))
      }
      return collection('KafkaTopicConfigList', `${ctx.cluster}/topics/-/configs`, data)
    })

    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/acls', {
      config: ROUTE,
      schema: { operationId: 'getKafkaAcls', tags, summary: 'ACLs: none until krest has security (empty list)', params: clusterParams, response: list },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return collection('KafkaAclDataList', `${ctx.cluster}/acls`, [])
    })
  },
}
