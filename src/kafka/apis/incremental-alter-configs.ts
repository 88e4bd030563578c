/** IncrementalAlterConfigs (44), versions 0–1: SET, DELETE, and APPEND/SUBTRACT on list configs (cleanup.policy). */
import type { ConfigAlteration } from '../../backend/types.js'
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { notATopic } from './alter-configs.js'
import type { AlterResult } from './alter-configs.js'
import { ResourceType } from './configs-shared.js'

export const incrementalAlterConfigsMessages: ApiMessages = {
  key: 44,
  name: 'IncrementalAlterConfigs',
  flexibleFrom: 1,
  request: [
    array('resources', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('configOperation', 'int8', '0+'),
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

const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

interface IncrementalAlterConfigsRequest {
  resources: Array<{ resourceType: number, resourceName: string, configs: Array<{ name: string, configOperation: number, value: string | null }> }>
  validateOnly: boolean
}

function listOf (value: string | null | undefined): string[] {
  return (value ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
}

export const incrementalAlterConfigsApi = defineApi<IncrementalAlterConfigsRequest, { throttleTimeMs: number, responses: AlterResult[] }>({
  messages: incrementalAlterConfigsMessages,
  served: '0-1',
  async handle (request, ctx) {
    const { admin } = ctx.services.backend
    const responses = await Promise.all(request.resources.map(async (r): Promise<AlterResult> => {
      if (r.resourceType !== ResourceType.TOPIC) return notATopic(r.resourceType, r.resourceName)
      const result = (errorCode: number, errorMessage: string | null): AlterResult => ({ errorCode, errorMessage, resourceType: r.resourceType, resourceName: r.resourceName })
      try {
        const names = r.configs.map(c => c.name)
        if (new Set(names).size !== names.length) return result(ErrorCode.INVALID_REQUEST, 'A config appears more than once for the same resource.')
        const needsCurrent = r.configs.some(c => c.configOperation === APPEND || c.configOperation === SUBTRACT)
        const current = needsCurrent ? new Map((await admin.describeTopicConfigs(r.resourceName)).map(e => [e.name, e.value])) : new Map<string, string | null>()
        const alterations: ConfigAlteration[] = []
        for (const c of r.configs) {
          switch (c.configOperation) {
            case SET:
              if (c.value === null) return result(ErrorCode.INVALID_REQUEST, `SET of ${c.name} needs a value.`)
              alterations.push({ name: c.name, operation: 'SET', value: c.value })
              break
            case DELETE:
              alterations.push({ name: c.name, operation: 'DELETE' })
              break
            case APPEND:
            case SUBTRACT: {
              if (c.name !== 'cleanup.policy') return result(ErrorCode.INVALID_CONFIG, `${c.name} is not a list config: APPEND and SUBTRACT apply to list configs only (cleanup.policy).`)
              const now = listOf(current.get(c.name))
              const change = listOf(c.value)
              const next = c.configOperation === APPEND ? [...now, ...change.filter(v => !now.includes(v))] : now.filter(v => !change.includes(v))
              if (next.length === 0) alterations.push({ name: c.name, operation: 'DELETE' })
              else alterations.push({ name: c.name, operation: 'SET', value: next.sort().join(',') })
              break
            }
            default:
              return result(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}.`)
          }
        }
        await admin.alterTopicConfigs(r.resourceName, alterations, { validateOnly: request.validateOnly })
        return result(ErrorCode.NONE, null)
      } catch (err) {
        return result(kafkaErrorCode(err), kafkaErrorMessage(err))
      }
    }))
    return { throttleTimeMs: 0, responses }
  },
})
