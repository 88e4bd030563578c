/** Metadata (3), versions 1–9: brokers (this one, advertised), topics and partitions; auto-creates requested topics. */
import type { TopicInfo } from '../../backend/types.js'
import { isKrestError } from '../../util/errors.js'
import { defineApi } from '../api.js'
import type { ApiMessages, RequestContext } from '../api.js'
import { ErrorCode, kafkaErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const metadataMessages: ApiMessages = {
  key: 3,
  name: 'Metadata',
  flexibleFrom: 9,
  request: [
    array('topics', [
      field('topicId', 'uuid', '10+'),
      field('name', 'string', '0+', { nullable: '10+' }),
    ], '0+', { nullable: '1+' }),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    field('includeClusterAuthorizedOperations', 'bool', '8-10'),
    field('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '3+'),
    array('brokers', [
      field('nodeId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '1+', { nullable: '1+', default: null }),
    ], '0+'),
    field('clusterId', 'string', '2+', { nullable: '2+', default: null }),
    field('controllerId', 'int32', '1+', { default: -1 }),
    array('topics', [
      field('errorCode', 'int16', '0+'),
      field('name', 'string', '0+', { nullable: '12+' }),
      field('topicId', 'uuid', '10+'),
      field('isInternal', 'bool', '1+'),
      array('partitions', [
        field('errorCode', 'int16', '0+'),
        field('partitionIndex', 'int32', '0+'),
        field('leaderId', 'int32', '0+'),
        field('leaderEpoch', 'int32', '7+', { default: -1 }),
        array('replicaNodes', 'int32', '0+'),
        array('isrNodes', 'int32', '0+'),
        array('offlineReplicas', 'int32', '5+'),
      ], '0+'),
      field('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
    ], '0+'),
    field('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
  ],
}

interface MetadataRequest {
  topics: Array<{ name: string | null }> | null
  allowAutoTopicCreation: boolean
}

interface MetadataResponseTopic {
  errorCode: number
  name: string
  isInternal: boolean
  partitions: Array<{ errorCode: number, partitionIndex: number, leaderId: number, leaderEpoch: number, replicaNodes: number[], isrNodes: number[], offlineReplicas: number[] }>
}

interface MetadataResponse {
  throttleTimeMs: number
  brokers: Array<{ nodeId: number, host: string, port: number, rack: string | null }>
  clusterId: string | null
  controllerId: number
  topics: MetadataResponseTopic[]
}

/** The leader epoch reported for every partition: none (-1), so clients skip leader-epoch validation. */
export const LEADER_EPOCH = -1

function describeTopic (topic: TopicInfo): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    isInternal: topic.internal,
    partitions: topic.partitions.map(p => {
      const replicas = p.replicas.map(r => r.broker)
      return {
        errorCode: ErrorCode.NONE,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: replicas,
        isrNodes: p.replicas.filter(r => r.inSync).map(r => r.broker),
        offlineReplicas: [],
      }
    }),
  }
}

async function topicOrCreate (name: string, allowCreate: boolean, ctx: RequestContext): Promise<MetadataResponseTopic> {
  const { admin } = ctx.services.backend
  try {
    return describeTopic(await admin.describeTopic(name))
  } catch (err) {
    if (!isKrestError(err, 'TOPIC_NOT_FOUND') || !allowCreate) throw err
  }
  try {
    return describeTopic(await admin.createTopic(name, {}))
  } catch (err) {
    if (isKrestError(err, 'TOPIC_ALREADY_EXISTS')) return describeTopic(await admin.describeTopic(name))
    throw err
  }
}

export const metadataApi = defineApi<MetadataRequest, MetadataResponse>({
  messages: metadataMessages,
  served: '1-9',
  async handle (request, ctx) {
    const { services } = ctx
    const { backend } = services
    let topics: MetadataResponseTopic[]
    if (request.topics === null) {
      topics = (await backend.admin.listTopics({ includeInternal: true })).map(describeTopic)
    } else {
      const allowCreate = services.autoCreateTopics && request.allowAutoTopicCreation
      topics = await Promise.all(request.topics.map(async t => {
        const name = t.name ?? ''
        try {
          return await topicOrCreate(name, allowCreate, ctx)
        } catch (err) {
          const code = kafkaErrorCode(err)
          if (code === ErrorCode.UNKNOWN_SERVER_ERROR) services.log.warn({ err, topic: name }, 'kafka metadata: topic lookup failed')
          return { errorCode: code, name, isInternal: false, partitions: [] }
        }
      }))
    }
    const { host, port } = services.advertised()
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: services.nodeId, host, port, rack: null }],
      clusterId: backend.metadata.clusterId,
      controllerId: services.nodeId,
      topics,
    }
  },
})
