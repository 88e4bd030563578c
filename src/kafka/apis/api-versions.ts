/** ApiVersions (18): the versions of every API this listener serves. Unsupported versions are answered by the connection (v0 body, error 35). */
import { defineApi } from '../api.js'
import type { ApiMessages, SupportedApi } from '../api.js'
import { ErrorCode } from '../errors.js'
import { array, field } from '../protocol/schema.js'

export const apiVersionsMessages: ApiMessages = {
  key: 18,
  name: 'ApiVersions',
  flexibleFrom: 3,
  request: [
    field('clientSoftwareName', 'string', '3+'),
    field('clientSoftwareVersion', 'string', '3+'),
  ],
  response: [
    field('errorCode', 'int16', '0+'),
    array('apiKeys', [
      field('apiKey', 'int16', '0+'),
      field('minVersion', 'int16', '0+'),
      field('maxVersion', 'int16', '0+'),
    ], '0+'),
    field('throttleTimeMs', 'int32', '1+'),
    array('supportedFeatures', [
      field('name', 'string', '3+'),
      field('minVersion', 'int16', '3+'),
      field('maxVersion', 'int16', '3+'),
    ], '3+', { tag: 0 }),
    field('finalizedFeaturesEpoch', 'int64', '3+', { tag: 1, default: -1 }),
    array('finalizedFeatures', [
      field('name', 'string', '3+'),
      field('maxVersionLevel', 'int16', '3+'),
      field('minVersionLevel', 'int16', '3+'),
    ], '3+', { tag: 2 }),
    field('zkMigrationReady', 'bool', '3+', { tag: 3 }),
  ],
}

export interface ApiVersionsResponse {
  errorCode: number
  apiKeys: readonly SupportedApi[]
  throttleTimeMs: number
}

/** The body of an ApiVersions response (also the v0 body sent with UNSUPPORTED_VERSION). */
export function apiVersionsBody (supported: readonly SupportedApi[], errorCode: number = ErrorCode.NONE): ApiVersionsResponse {
  return { errorCode, apiKeys: supported, throttleTimeMs: 0 }
}

export const apiVersionsApi = defineApi<Record<string, unknown>, ApiVersionsResponse>({
  messages: apiVersionsMessages,
  served: '0-3',
  handle: (_request, ctx) => apiVersionsBody(ctx.supported),
})
