/**
 * FindCoordinator (10), versions 0–4 (v4 takes a list of keys): this broker coordinates every group. Transaction
 * coordinators (key type 1) do not exist: transactions are not supported.
 */
import { defineApi } from '../api.js'
import type { ApiMessages, RequestContext } from '../api.js'
import { array, field } from '../protocol/schema.js'

export const findCoordinatorMessages: ApiMessages = {
  key: 10,
  name: 'FindCoordinator',
  flexibleFrom: 3,
  request: [
    field('key', 'string', '0-3'),
    field('keyType', 'int8', '1+', { default: 0 }),
    array('coordinatorKeys', 'string', '4+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '1+'),
    field('errorCode', 'int16', '0-3'),
    field('errorMessage', 'string', '1-3', { nullable: '1-3', default: null }),
    field('nodeId', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
    array('coordinators', [
      field('key', 'string', '4+'),
      field('nodeId', 'int32', '4+'),
      field('host', 'string', '4+'),
      field('port', 'int32', '4+'),
      field('errorCode', 'int16', '4+'),
      field('errorMessage', 'string', '4+', { nullable: '4+', default: null }),
    ], '4+'),
  ],
}

interface FindCoordinatorRequest {
  key: string
  keyType: number
  coordinatorKeys: string[]
}

interface Coordinator {
  key: string
  nodeId: number
  host: string
  port: number
  errorCode: number
  errorMessage: string | null
}

const GROUP_KEY = 0
const COORDINATOR_NOT_AVAILABLE = 15
const INVALID_REQUEST = 42

function coordinatorFor (key: string, keyType: number, ctx: RequestContext): Coordinator {
  const { host, port } = ctx.services.advertised()
  if (keyType === GROUP_KEY) return { key, nodeId: ctx.services.nodeId, host, port, errorCode: 0, errorMessage: null }
  const message = keyType === 1 ? 'transactions are not supported' : `unknown coordinator key type ${keyType}`
  return { key, nodeId: -1, host: '', port: -1, errorCode: keyType === 1 ? COORDINATOR_NOT_AVAILABLE : INVALID_REQUEST, errorMessage: message }
}

export const findCoordinatorApi = defineApi<FindCoordinatorRequest, object>({
  messages: findCoordinatorMessages,
  served: '0-4',
  handle (request, ctx) {
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(key => coordinatorFor(key, request.keyType, ctx)) }
    }
    const c = coordinatorFor(request.key, request.keyType, ctx)
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port }
  },
})
