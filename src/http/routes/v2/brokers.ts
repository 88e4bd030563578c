import type { ApiPlugin } from '../../deps.js'
import { V2_PRODUCES, errorResponses } from '../common.js'

export const v2BrokersPlugin: ApiPlugin = {
  name: 'v2-brokers',
  register (app, deps) {
    app.get('/brokers', {
      config: { produces: V2_PRODUCES },
      schema: { operationId: 'listBrokersV2', tags: ['v2'], produces: V2_PRODUCES, summary: 'Broker ids', response: { 200: { $ref: 'V2BrokerList#' }, ...errorResponses } },
    }, async () => ({ brokers: deps.backend.metadata.brokers().map(b => b.brokerId) }))
  },
}
