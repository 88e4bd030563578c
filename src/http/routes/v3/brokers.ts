import { v3MetadataErrorMappings } from '../../errors.js'
import { KrestError } from '../../../util/errors.js'
import type { ApiPlugin } from '../../deps.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { brokerResource, clusterParams, collection, v3Context } from './resources.js'

export const v3BrokersPlugin: ApiPlugin = {
  name: 'v3-brokers',
  register (app, deps) {
    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id/brokers', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'listKafkaBrokers', tags: ['v3'], params: clusterParams, response: { 200: { $ref: 'V3BrokerList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      return collection('KafkaBrokerList', `${ctx.cluster}/brokers`, deps.backend.metadata.brokers().map(b => brokerResource(ctx, b)))
    })
    app.get<{ Params: { cluster_id: string, broker_id: number } }>('/v3/clusters/:cluster_id/brokers/:broker_id', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: {
        operationId: 'getKafkaBroker',
        tags: ['v3'],
        params: { type: 'object', required: ['cluster_id', 'broker_id'], properties: { cluster_id: { type: 'string' }, broker_id: { type: 'integer' } } },
        response: { 200: { $ref: 'V3Broker#' }, ...errorResponses },
      },
    }, async request => {
      const ctx = v3Context(deps, request, request.params.cluster_id)
      const broker = deps.backend.metadata.brokers().find(b => b.brokerId === request.params.broker_id)
      if (broker === undefined) throw new KrestError('BROKER_NOT_FOUND', `Broker ${request.params.broker_id} cannot be found.`)
      return brokerResource(ctx, broker)
    })
  },
}
