/**
 * The schema registry's own listener (Confluent's conventional port 8081): a fastify instance serving only the
 * Schema Registry API, with registry-shaped 404s. The same routes are also mounted on the REST API's port.
 */
import Fastify, { LogController } from 'fastify'
import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify'
import type { SchemaRegistry } from '../registry/registry.js'
import { registryNotFoundHandler, registryRoutes } from './routes/registry.js'
import { applyConnectionLimits, defaultConnectionLimits, hardenedServerOptions } from './server-options.js'
import type { ConnectionLimits } from './server-options.js'
import { installOperations } from './plugins/operations.js'
import type { OperationsOptions } from './plugins/operations.js'

export interface RegistryAppOptions {
  registry: SchemaRegistry
  logger?: FastifyServerOptions['logger']
  bodyLimit?: number
  /** Timeouts against slow and idle clients (issue 7); the config table's defaults when absent. */
  connectionLimits?: ConnectionLimits
  /** Health, readiness, metrics, request log, CORS and compression (issue 6); installed when present. */
  operations?: OperationsOptions
  /** Serve on an existing server (the gateway's start-up listener); then do not `listen`. */
  serverFactory?: FastifyServerOptions['serverFactory']
}

export async function buildRegistryApp (opts: RegistryAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    forceCloseConnections: 'idle',
    ...hardenedServerOptions(),
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    ...(opts.operations === undefined ? {} : { logController: new LogController({ disableRequestLogging: true }) }),
    ...(opts.serverFactory === undefined ? {} : { serverFactory: opts.serverFactory }),
  })
  if (opts.operations !== undefined) await installOperations(app, opts.operations, 'registry')
  applyConnectionLimits(app.server, opts.connectionLimits ?? defaultConnectionLimits)
  // Errors raised outside the registry plugin (a body that fails to parse on an unknown path or a wrong method)
  // in the registry's {error_code, message} shape, never fastify's own (issue 7).
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status >= 500) request.log.error({ err }, 'registry request failed')
    return reply.code(status).type('application/vnd.schemaregistry.v1+json').serializer(JSON.stringify)
      .send({ error_code: status, message: status >= 500 ? 'Internal Server Error' : err.message })
  })
  app.setNotFoundHandler(registryNotFoundHandler)
  await app.register(async (instance) => { await registryRoutes(instance, { registry: opts.registry, root: true }) })
  return app
}
