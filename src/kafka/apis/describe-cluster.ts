/** DescribeCluster (60), versions 0–1: the cluster id and this one broker (the controller too). */
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const describeClusterMessages: ApiMessages = {
  key: 60,
  name: 'DescribeCluster',
  flexibleFrom: 0,
  request: [
    field('includeClusterAuthorizedOperations', 'bool', '0+'),
    field('endpointType', 'int8', '1+', { default: 1 }),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
    field('endpointType', 'int8', '1+', { default: 1 }),
    field('clusterId', 'string', '0+'),
    field('controllerId', 'int32', '0+', { default: -1 }),
    array('brokers', [
      field('brokerId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '0+', { nullable: '0+', default: null }),
    ], '0+'),
    field('clusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
  ],
}

const BROKERS = 1
/** UNSUPPORTED_ENDPOINT_TYPE: krest has no separate controller endpoints. */
const UNSUPPORTED_ENDPOINT_TYPE = 120

interface DescribeClusterResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  endpointType: number
  clusterId: string
  controllerId: number
  brokers: Array<{ brokerId: number, host: string, port: number, rack: string | null }>
}

export const describeClusterApi = defineApi<{ endpointType: number }, DescribeClusterResponse>({
  messages: describeClusterMessages,
  served: '0-1',
  handle (request, ctx) {
    const { services } = ctx
    const { host, port } = services.advertised()
    const base = { throttleTimeMs: 0, endpointType: request.endpointType, clusterId: services.backend.metadata.clusterId, controllerId: services.nodeId }
    if (request.endpointType !== BROKERS) {
      return { ...base, errorCode: UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Only broker endpoints (type 1) can be described.', brokers: [] }
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, brokers: [{ brokerId: services.nodeId, host, port, rack: null }] }
  },
})
