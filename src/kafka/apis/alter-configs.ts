/**
 * AlterConfigs (33), versions 0–2: replaces a topic's overrides with the given set (configs not named go back to
 * their defaults), as Kafka's legacy API does. Broker settings are static: altering them is refused.
 */
import type { ConfigAlteration } from '../../backend/types.js'
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { ResourceType } from './configs-shared.js'

export const alterConfigsMessages: ApiMessages = {
  key: 33,
  name: 'AlterConfigs',
  flexibleFrom: 2,
  request: [
    array('resources', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
      ], '0+'),
    ], '0+'),
    field('validateOnly', 'bool', '0+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('responses', [
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
    ], '0+'),
  ],
}

export interface AlterResult { errorCode: number, errorMessage: string | null, resourceType: number, resourceName: string }

/** The result for a resource that is not a topic (brokers: static settings; others: unknown). */
export function notATopic (resourceType: number, resourceName: string): AlterResult {
  const message = resourceType === ResourceType.BROKER
    ? 'Broker settings are static in krest (flags, environment or config file); they cannot be altered at run time.'
    : `Resource type ${resourceType} is not supported (topics: 2).`
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, resourceType, resourceName }
}

interface AlterConfigsRequest {
  resources: Array<{ resourceType: number, resourceName: string, configs: Array<{ name: string, value: string | null }> }>
  validateOnly: boolean
}

export const alterConfigsApi = defineApi<AlterConfigsRequest, { throttleTimeMs: number, responses: AlterResult[] }>({
  messages: alterConfigsMessages,
  served: '0-2',
  async handle (request, ctx) {
    const { admin } = ctx.services.backend
    const responses = await Promise.all(request.resources.map(async (r): Promise<AlterResult> => {
      if (r.resourceType !== ResourceType.TOPIC) return notATopic(r.resourceType, r.resourceName)
      try {
        const named = new Set(r.configs.map(c => c.name))
        const current = await admin.describeTopicConfigs(r.resourceName)
        const alterations: ConfigAlteration[] = [
          ...r.configs.map((c): ConfigAlteration => c.value === null ? { name: c.name, operation: 'DELETE' } : { name: c.name, operation: 'SET', value: c.value }),
          ...current.filter(e => e.source === 'DYNAMIC_TOPIC_CONFIG' && !named.has(e.name)).map((e): ConfigAlteration => ({ name: e.name, operation: 'DELETE' })),
        ]
        await admin.alterTopicConfigs(r.resourceName, alterations, { validateOnly: request.validateOnly })
        return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }
      } catch (err) {
        return { errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err), resourceType: r.resourceType, resourceName: r.resourceName }
      }
    }))
    return { throttleTimeMs: 0, responses }
  },
})
