/**
 * v3 read-only consumer-group views (Confluent paths and shapes): groups, their members ("consumers"), the
 * members' assignments, and lag per partition and in summary. Data comes from `backend.groups`.
 */
import { v3MetadataErrorMappings } from '../errors.js'
import type { GroupDescription, GroupMemberDescription, GroupOffsetInfo } from '../../backend/group-consumer.js'
import { EMBEDDED_BROKER_ID } from '../../backend/types.js'
import { KrestError } from '../../util/errors.js'
import type { ApiPlugin, AppDeps } from '../deps.js'
import { V3_PRODUCES, errorResponses } from './common.js'
import { clusterParams, collection, crn, v3Context, type V3Context } from './v3/resources.js'

const enc = encodeURIComponent
const rel = (url: string): { related: string } => ({ related: url })
const str = { type: 'string' } as const
const groupParams = { type: 'object', required: ['cluster_id', 'consumer_group_id'], properties: { cluster_id: str, consumer_group_id: { type: 'string', minLength: 1 } } } as const
const consumerParams = { type: 'object', required: ['cluster_id', 'consumer_group_id', 'consumer_id'], properties: { ...groupParams.properties, consumer_id: { type: 'string', minLength: 1 } } } as const
const partitionId = { type: 'integer', minimum: 0, maximum: 2147483647 } as const
const assignmentParams = { type: 'object', required: [...consumerParams.required, 'topic_name', 'partition_id'], properties: { ...consumerParams.properties, topic_name: { type: 'string', minLength: 1 }, partition_id: partitionId } } as const
const lagParams = { type: 'object', required: [...groupParams.required, 'topic_name', 'partition_id'], properties: { ...groupParams.properties, topic_name: { type: 'string', minLength: 1 }, partition_id: partitionId } } as const

interface GroupP { cluster_id: string, consumer_group_id: string }
interface ConsumerP extends GroupP { consumer_id: string }
interface AssignmentP extends ConsumerP { topic_name: string, partition_id: number }
interface LagP extends GroupP { topic_name: string, partition_id: number }

function groupUrl (ctx: V3Context, group: string): string {
  return `${ctx.cluster}/consumer-groups/${enc(group)}`
}

function groupResource (ctx: V3Context, g: GroupDescription): Record<string, unknown> {
  const self = groupUrl(ctx, g.groupId)
  return {
    kind: 'KafkaConsumerGroup',
    metadata: { self, resource_name: crn(ctx.clusterId, `consumer-group=${g.groupId}`) },
    cluster_id: ctx.clusterId,
    consumer_group_id: g.groupId,
    is_simple: g.protocolType === '',
    partition_assignor: g.protocol,
    state: g.state,
    type: 'CLASSIC',
    is_mixed_consumer_group: false,
    coordinator: rel(`${ctx.cluster}/brokers/${EMBEDDED_BROKER_ID}`),
    consumers: rel(`${self}/consumers`),
    lag_summary: rel(`${self}/lag-summary`),
  }
}

function consumerResource (ctx: V3Context, group: string, m: GroupMemberDescription): Record<string, unknown> {
  const self = `${groupUrl(ctx, group)}/consumers/${enc(m.memberId)}`
  return {
    kind: 'KafkaConsumer',
    metadata: { self, resource_name: crn(ctx.clusterId, `consumer-group=${group}`, `consumer=${m.memberId}`) },
    cluster_id: ctx.clusterId,
    consumer_group_id: group,
    consumer_id: m.memberId,
    instance_id: m.groupInstanceId,
    client_id: m.clientId,
    assignments: rel(`${self}/assignments`),
  }
}

function assignmentResource (ctx: V3Context, group: string, memberId: string, topic: string, partition: number): Record<string, unknown> {
  const g = groupUrl(ctx, group)
  return {
    kind: 'KafkaConsumerAssignment',
    metadata: {
      self: `${g}/consumers/${enc(memberId)}/assignments/${enc(topic)}/partitions/${partition}`,
      resource_name: crn(ctx.clusterId, `consumer-group=${group}`, `consumer=${memberId}`, `assignment=${topic}`, `partition=${partition}`),
    },
    cluster_id: ctx.clusterId,
    consumer_group_id: group,
    consumer_id: memberId,
    topic_name: topic,
    partition_id: partition,
    partition: rel(`${ctx.cluster}/topics/${enc(topic)}/partitions/${partition}`),
    lag: rel(`${g}/lags/${enc(topic)}/partitions/${partition}`),
  }
}

interface Lag {
  topic: string
  partition: number
  currentOffset: number
  logEndOffset: number
  lag: number
  owner: GroupMemberDescription | undefined
}

function lagResource (ctx: V3Context, group: string, l: Lag): Record<string, unknown> {
  return {
    kind: 'KafkaConsumerLag',
    metadata: {
      self: `${groupUrl(ctx, group)}/lags/${enc(l.topic)}/partitions/${l.partition}`,
      resource_name: crn(ctx.clusterId, `consumer-group=${group}`, `lag=${l.topic}`, `partition=${l.partition}`),
    },
    cluster_id: ctx.clusterId,
    consumer_group_id: group,
    topic_name: l.topic,
    partition_id: l.partition,
    current_offset: l.currentOffset,
    log_end_offset: l.logEndOffset,
    lag: l.lag,
    consumer_id: l.owner?.memberId ?? '',
    instance_id: l.owner?.groupInstanceId ?? null,
    client_id: l.owner?.clientId ?? '',
  }
}

async function describe (deps: AppDeps, group: string): Promise<GroupDescription> {
  const g = await deps.backend.groups.describeGroup(group)
  if (g === null) throw new KrestError('CONSUMER_GROUP_NOT_FOUND', `Consumer group ${group} cannot be found.`)
  return g
}

function member (g: GroupDescription, consumerId: string): GroupMemberDescription {
  const m = g.members.find(x => x.memberId === consumerId)
  if (m === undefined) throw new KrestError('CONSUMER_NOT_FOUND', `Consumer ${consumerId} cannot be found.`)
  return m
}

/** Lag per committed partition (as kafka-rest: partitions without a commit are not listed), with the owner if any. */
async function lags (deps: AppDeps, g: GroupDescription): Promise<Lag[]> {
  const offsets: GroupOffsetInfo[] = await deps.backend.groups.groupOffsets(g.groupId)
  const owners = new Map<string, GroupMemberDescription>()
  for (const m of g.members) for (const tp of m.assignment) owners.set(`${tp.topic}\u0000${tp.partition}`, m)
  return offsets.map(o => ({
    topic: o.topic,
    partition: o.partition,
    currentOffset: o.currentOffset,
    logEndOffset: o.logEndOffset,
    lag: o.lag,
    owner: owners.get(`${o.topic}\u0000${o.partition}`),
  }))
}

export const v3ConsumerGroupsPlugin: ApiPlugin = {
  name: 'v3-consumer-groups',
  register (app, deps) {
    const tags = ['v3 consumer groups']
    const config = { produces: V3_PRODUCES }

    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/consumer-groups', {
      config,
      schema: { operationId: 'listKafkaConsumerGroups', tags, params: clusterParams, response: { 200: { $ref: 'V3ConsumerGroupList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const groups = await deps.backend.groups.listGroups()
      return collection('KafkaConsumerGroupList', `${ctx.cluster}/consumer-groups`, groups.map(g => groupResource(ctx, g)))
    })

    app.get<{ Params: GroupP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id', {
      config,
      schema: { operationId: 'getKafkaConsumerGroup', tags, params: groupParams, response: { 200: { $ref: 'V3ConsumerGroup#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return groupResource(ctx, await describe(deps, request.params.consumer_group_id))
    })

    app.get<{ Params: GroupP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers', {
      config,
      schema: { operationId: 'listKafkaConsumers', tags, params: groupParams, response: { 200: { $ref: 'V3ConsumerList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      return collection('KafkaConsumerList', `${groupUrl(ctx, g.groupId)}/consumers`, g.members.map(m => consumerResource(ctx, g.groupId, m)))
    })

    app.get<{ Params: ConsumerP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id', {
      config,
      schema: { operationId: 'getKafkaConsumer', tags, params: consumerParams, response: { 200: { $ref: 'V3Consumer#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      return consumerResource(ctx, g.groupId, member(g, request.params.consumer_id))
    })

    app.get<{ Params: ConsumerP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id/assignments', {
      config,
      schema: { operationId: 'listKafkaConsumerAssignments', tags, params: consumerParams, response: { 200: { $ref: 'V3ConsumerAssignmentList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      const m = member(g, request.params.consumer_id)
      return collection('KafkaConsumerAssignmentList', `${groupUrl(ctx, g.groupId)}/consumers/${enc(m.memberId)}/assignments`,
        m.assignment.map(tp => assignmentResource(ctx, g.groupId, m.memberId, tp.topic, tp.partition)))
    })

    app.get<{ Params: AssignmentP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/consumers/:consumer_id/assignments/:topic_name/partitions/:partition_id', {
      config,
      schema: { operationId: 'getKafkaConsumerAssignment', tags, params: assignmentParams, response: { 200: { $ref: 'V3ConsumerAssignment#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const { topic_name: topic, partition_id: partition } = request.params
      const g = await describe(deps, request.params.consumer_group_id)
      const m = member(g, request.params.consumer_id)
      if (!m.assignment.some(tp => tp.topic === topic && tp.partition === partition)) {
        throw new KrestError('CONSUMER_NOT_FOUND', `Consumer assignment ${topic}-${partition} of ${m.memberId} cannot be found.`)
      }
      return assignmentResource(ctx, g.groupId, m.memberId, topic, partition)
    })

    app.get<{ Params: GroupP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags', {
      config,
      schema: { operationId: 'listKafkaConsumerLags', tags, params: groupParams, response: { 200: { $ref: 'V3ConsumerLagList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      return collection('KafkaConsumerLagList', `${groupUrl(ctx, g.groupId)}/lags`, (await lags(deps, g)).map(l => lagResource(ctx, g.groupId, l)))
    })

    app.get<{ Params: LagP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lags/:topic_name/partitions/:partition_id', {
      config,
      schema: { operationId: 'getKafkaConsumerLag', tags, params: lagParams, response: { 200: { $ref: 'V3ConsumerLag#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      const { topic_name: topic, partition_id: partition } = request.params
      const l = (await lags(deps, g)).find(x => x.topic === topic && x.partition === partition)
      if (l === undefined) throw new KrestError('CONSUMER_LAG_NOT_FOUND', `Consumer lag for ${topic}-${partition} in group ${g.groupId} cannot be found.`)
      return lagResource(ctx, g.groupId, l)
    })

    app.get<{ Params: GroupP }>('/v3/clusters/:cluster_id/consumer-groups/:consumer_group_id/lag-summary', {
      config,
      schema: { operationId: 'getKafkaConsumerGroupLagSummary', tags, params: groupParams, response: { 200: { $ref: 'V3ConsumerGroupLagSummary#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const g = await describe(deps, request.params.consumer_group_id)
      const all = await lags(deps, g)
      let max: Lag | undefined
      let total = 0
      for (const l of all) {
        total += l.lag
        if (max === undefined || l.lag > max.lag) max = l
      }
      if (max === undefined) throw new KrestError('CONSUMER_LAG_NOT_FOUND', `Consumer group ${g.groupId} has no committed offsets, so no lag summary.`)
      const self = groupUrl(ctx, g.groupId)
      const consumerId = max.owner?.memberId ?? ''
      return {
        kind: 'KafkaConsumerGroupLagSummary',
        metadata: { self: `${self}/lag-summary`, resource_name: crn(ctx.clusterId, `consumer-group=${g.groupId}`, 'lag-summary') },
        cluster_id: ctx.clusterId,
        consumer_group_id: g.groupId,
        max_lag_consumer_id: consumerId,
        max_lag_instance_id: max.owner?.groupInstanceId ?? null,
        max_lag_client_id: max.owner?.clientId ?? '',
        max_lag_topic_name: max.topic,
        max_lag_partition_id: max.partition,
        max_lag: max.lag,
        total_lag: total,
        max_lag_consumer: rel(`${self}/consumers/${enc(consumerId)}`),
        max_lag_partition: rel(`${ctx.cluster}/topics/${enc(max.topic)}/partitions/${max.partition}`),
      }
    })
  },
}
