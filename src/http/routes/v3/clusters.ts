import { v3MetadataErrorMappings } from '../../errors.js'
import type { ApiPlugin } from '../../deps.js'
import { baseUrl } from '../../urls.js'
import { V3_PRODUCES, errorResponses } from '../common.js'
import { clusterParams, clusterResource, collection, v3Context } from './resources.js'

export const v3ClustersPlugin: ApiPlugin = {
  name: 'v3-clusters',
  register (app, deps) {
    app.get('/v3/clusters', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'listKafkaClusters', tags: ['v3'], summary: 'The one cluster', response: { 200: { $ref: 'V3ClusterList#' }, ...errorResponses } },
    }, async request => {
      const ctx = v3Context(deps, request, deps.backend.metadata.clusterId)
      return collection('KafkaClusterList', `${baseUrl(request, deps.config['advertised.listeners'])}/v3/clusters`, [clusterResource(ctx)])
    })
    app.get<{ Params: { cluster_id: string } }>('/v3/clusters/:cluster_id', {
      config: { produces: V3_PRODUCES, errorMappings: v3MetadataErrorMappings },
      schema: { operationId: 'getKafkaCluster', tags: ['v3'], params: clusterParams, response: { 200: { $ref: 'V3Cluster#' }, ...errorResponses } },
    }, async request => clusterResource(v3Context(deps, request, request.params.cluster_id)))
  },
}
