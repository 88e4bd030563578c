/** Builders of Confluent v3 resource shapes: `kind`, `metadata.self` (absolute), CRN `resource_name`, `related` links. */
import type { FastifyRequest } from 'fastify'
import type { BrokerInfo, ConfigEntry, TopicInfo } from '../../../backend/types.js'
import { KrestError } from '../../../util/errors.js'
import type { AppDeps } from '../../deps.js'
import { baseUrl } from '../../urls.js'

export interface V3Context {
  /** `<base>/v3/clusters/<cid>` */
  cluster: string
  clusterId: string
}

/** Checks the path's cluster id (404 for any other) and returns the URL context for building resources. */
export function v3Context (deps: AppDeps, request: FastifyRequest, clusterId: string): V3Context {
  const cid = deps.backend.metadata.clusterId
  if (clusterId !== cid) throw new KrestError('CLUSTER_NOT_FOUND', `Cluster ${clusterId} cannot be found.`)
  return { cluster: `${baseUrl(request, deps.config['advertised.listeners'])}/v3/clusters/${encodeURIComponent(cid)}`, clusterId: cid }
}

const enc = encodeURIComponent
const rel = (url: string): { related: string } => ({ related: url })

export function crn (clusterId: string, ...parts: string[]): string {
  return `crn:///kafka=${clusterId}${parts.map(p => '/' + p).join('')}`
}

export function collection<T> (kind: string, self: string, data: T[]): { kind: string, metadata: { self: string, next: null }, data: T[] } {
  return { kind, metadata: { self, next: null }, data }
}

export function clusterResource (ctx: V3Context): Record<string, unknown> {
  const c = ctx.cluster
  return {
    kind: 'KafkaCluster',
    metadata: { self: c, resource_name: crn(ctx.clusterId) },
    cluster_id: ctx.clusterId,
    controller: rel(`${c}/brokers/0`),
    acls: rel(`${c}/acls`),
    brokers: rel(`${c}/brokers`),
    broker_configs: rel(`${c}/broker-configs`),
    consumer_groups: rel(`${c}/consumer-groups`),
    topics: rel(`${c}/topics`),
    partition_reassignments: rel(`${c}/topics/-/partitions/-/reassignment`),
  }
}

export function topicResource (ctx: V3Context, t: TopicInfo): Record<string, unknown> {
  const self = `${ctx.cluster}/topics/${enc(t.name)}`
  return {
    kind: 'KafkaTopic',
    metadata: { self, resource_name: crn(ctx.clusterId, `topic=${t.name}`) },
    cluster_id: ctx.clusterId,
    topic_name: t.name,
    is_internal: t.internal,
    replication_factor: t.replicationFactor,
    partitions_count: t.partitions.length,
    partitions: rel(`${self}/partitions`),
    configs: rel(`${self}/configs`),
    partition_reassignments: rel(`${self}/partitions/-/reassignment`),
    authorized_operations: [],
  }
}

export function topicConfigResource (ctx: V3Context, topic: string, e: ConfigEntry): Record<string, unknown> {
  return {
    kind: 'KafkaTopicConfig',
    metadata: { self: `${ctx.cluster}/topics/${enc(topic)}/configs/${enc(e.name)}`, resource_name: crn(ctx.clusterId, `topic=${topic}`, `config=${e.name}`) },
    cluster_id: ctx.clusterId,
    topic_name: topic,
    name: e.name,
    value: e.value,
    is_default: e.isDefault,
    is_read_only: e.isReadOnly,
    is_sensitive: e.isSensitive,
    source: e.source,
    synonyms: e.synonyms,
  }
}

export function partitionResource (ctx: V3Context, topic: string, partition: number, leader: number): Record<string, unknown> {
  const self = `${ctx.cluster}/topics/${enc(topic)}/partitions/${partition}`
  return {
    kind: 'KafkaPartition',
    metadata: { self, resource_name: crn(ctx.clusterId, `topic=${topic}`, `partition=${partition}`) },
    cluster_id: ctx.clusterId,
    topic_name: topic,
    partition_id: partition,
    leader: rel(`${self}/replicas/${leader}`),
    replicas: rel(`${self}/replicas`),
    reassignment: rel(`${self}/reassignment`),
  }
}

export function replicaResource (ctx: V3Context, topic: string, partition: number, broker: number, leader: boolean, inSync: boolean): Record<string, unknown> {
  return {
    kind: 'KafkaReplica',
    metadata: { self: `${ctx.cluster}/topics/${enc(topic)}/partitions/${partition}/replicas/${broker}`, resource_name: crn(ctx.clusterId, `topic=${topic}`, `partition=${partition}`, `replica=${broker}`) },
    cluster_id: ctx.clusterId,
    topic_name: topic,
    partition_id: partition,
    broker_id: broker,
    is_leader: leader,
    is_in_sync: inSync,
    broker: rel(`${ctx.cluster}/brokers/${broker}`),
  }
}

export function brokerResource (ctx: V3Context, b: BrokerInfo): Record<string, unknown> {
  const self = `${ctx.cluster}/brokers/${b.brokerId}`
  return {
    kind: 'KafkaBroker',
    metadata: { self, resource_name: crn(ctx.clusterId, `broker=${b.brokerId}`) },
    cluster_id: ctx.clusterId,
    broker_id: b.brokerId,
    host: b.host,
    port: b.port,
    rack: b.rack,
    configs: rel(`${self}/configs`),
    partition_replicas: rel(`${self}/partition-replicas`),
  }
}

export const clusterParams = { type: 'object', required: ['cluster_id'], properties: { cluster_id: { type: 'string' } } } as const
export const topicParams = { type: 'object', required: ['cluster_id', 'topic_name'], properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string', minLength: 1 } } } as const
export const partitionParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'partition_id'],
  properties: { cluster_id: { type: 'string' }, topic_name: { type: 'string', minLength: 1 }, partition_id: { type: 'integer', minimum: 0, maximum: 2147483647 } },
} as const
