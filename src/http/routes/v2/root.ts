import type { ApiPlugin } from '../../deps.js'
import { V2_PRODUCES, errorResponses } from '../common.js'

/** `GET /` and `POST /`: Confluent's no-op root resource (liveness). */
export const v2RootPlugin: ApiPlugin = {
  name: 'v2-root',
  register (app) {
    app.get('/', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'getRoot', tags: ['v2'], produces: V2_PRODUCES, summary: 'No-op; answers {}', response: { 200: { $ref: 'EmptyObject#' }, ...errorResponses } },
    }, async () => ({}))
    app.post('/', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'postRoot', tags: ['v2'], produces: V2_PRODUCES, summary: 'No-op accepting a JSON object of strings; answers {}', body: { $ref: 'V2RootRequest#' }, response: { 200: { $ref: 'EmptyObject#' }, ...errorResponses } },
    }, async () => ({}))
  },
}
