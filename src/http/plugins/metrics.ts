/**
 * Prometheus metrics for one listener: an `onResponse` hook counting requests by route pattern and status and
 * timing them, and `GET /metrics` serving the gateway's own registry in the text exposition format.
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayMetrics, HttpSurface } from '../../telemetry/metrics.js'

export const METRICS_PATH = '/metrics'

export function installMetrics (app: FastifyInstance, metrics: GatewayMetrics, surface: HttpSurface): void {
  // Callback style (not async): this runs on every request, and a promise per request is measurable at produce rates.
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern keeps the label bounded; requests that matched no route share one label value.
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.observeHttp(surface, request.method, route, reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  app.get(METRICS_PATH, {
    schema: { operationId: 'metrics', tags: ['operations'], summary: 'Prometheus metrics in the text exposition format', produces: ['text/plain'], response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' } } },
    logLevel: 'warn',
  }, async (_request, reply) => {
    const { contentType, body } = await metrics.render()
    return await reply.type(contentType).send(body)
  })
}
