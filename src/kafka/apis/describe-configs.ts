/** DescribeConfigs (32), versions 0–2: topic configs (with sources and synonyms) and the broker's static settings. */
import type { ConfigEntry } from '../../backend/types.js'
import { defineApi } from '../api.js'
import type { ApiMessages } from '../api.js'
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../errors.js'
import { array, field } from '../protocol/schema.js'
import { ResourceType, configSourceId } from './configs-shared.js'

export const describeConfigsMessages: ApiMessages = {
  key: 32,
  name: 'DescribeConfigs',
  flexibleFrom: 4,
  request: [
    array('resources', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configurationKeys', 'string', '0+', { nullable: '0+', default: null }),
    ], '0+'),
    field('includeSynonyms', 'bool', '1+'),
    field('includeDocumentation', 'bool', '3+'),
  ],
  response: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', [
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullable: '0+', default: null }),
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullable: '0+' }),
        field('readOnly', 'bool', '0+'),
        field('isDefault', 'bool', '0'),
        field('configSource', 'int8', '1+', { default: -1 }),
        field('isSensitive', 'bool', '0+'),
        array('synonyms', [
          field('name', 'string', '1+'),
          field('value', 'string', '1+', { nullable: '1+' }),
          field('source', 'int8', '1+'),
        ], '1+'),
        field('configType', 'int8', '3+'),
        field('documentation', 'string', '3+', { nullable: '3+', default: null }),
      ], '0+'),
    ], '0+'),
  ],
}

interface DescribeConfigsRequest {
  resources: Array<{ resourceType: number, resourceName: string, configurationKeys: string[] | null }>
  includeSynonyms: boolean
}

interface DescribedConfig {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  synonyms: Array<{ name: string, value: string | null, source: number }>
}

interface DescribeConfigsResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
  configs: DescribedConfig[]
}

const STATIC_BROKER_CONFIG = 4
const DEFAULT_CONFIG = 5

function topicConfig (e: ConfigEntry, includeSynonyms: boolean): DescribedConfig {
  return {
    name: e.name,
    value: e.isSensitive ? null : e.value,
    readOnly: e.isReadOnly,
    isDefault: e.isDefault,
    configSource: configSourceId(e.source),
    isSensitive: e.isSensitive,
    synonyms: includeSynonyms ? e.synonyms.map(s => ({ name: s.name, value: e.isSensitive ? null : s.value, source: configSourceId(s.source) })) : [],
  }
}

export const describeConfigsApi = defineApi<DescribeConfigsRequest, { throttleTimeMs: number, results: DescribeConfigsResult[] }>({
  messages: describeConfigsMessages,
  served: '0-2',
  async handle (request, ctx) {
    const { services } = ctx
    const results = await Promise.all(request.resources.map(async (r): Promise<DescribeConfigsResult> => {
      const result: DescribeConfigsResult = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] }
      const keep = (name: string): boolean => r.configurationKeys === null || r.configurationKeys.includes(name)
      try {
        if (r.resourceType === ResourceType.TOPIC) {
          const entries = await services.backend.admin.describeTopicConfigs(r.resourceName)
          result.configs = entries.filter(e => keep(e.name)).map(e => topicConfig(e, request.includeSynonyms))
        } else if (r.resourceType === ResourceType.BROKER) {
          if (r.resourceName !== '' && r.resourceName !== String(services.nodeId)) {
            return { ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown broker ${r.resourceName}: this is broker ${services.nodeId}.` }
          }
          result.configs = services.brokerConfigs().filter(c => keep(c.name)).map(c => {
            const source = c.isDefault ? DEFAULT_CONFIG : STATIC_BROKER_CONFIG
            const value = c.isSensitive ? null : c.value
            return {
              name: c.name, value, readOnly: true, isDefault: c.isDefault, configSource: source, isSensitive: c.isSensitive,
              synonyms: request.includeSynonyms ? [{ name: c.name, value, source }] : [],
            }
          })
        } else {
          return { ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Resource type ${r.resourceType} is not supported (topics: 2, brokers: 4).` }
        }
      } catch (err) {
        return { ...result, errorCode: kafkaErrorCode(err), errorMessage: kafkaErrorMessage(err) }
      }
      return result
    }))
    return { throttleTimeMs: 0, results }
  },
})
