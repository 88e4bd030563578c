/**
 * The schema registry's own listener (Confluent's conventional port 8081): a fastify instance serving only the
 * Schema Registry API, with registry-shaped 404s. The same routes are also mounted on the REST API's port.
 */
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { SchemaRegistry } from '../registry/registry.js'
import { registryNotFoundHandler, registryRoutes } from './routes/registry.js'
import { applyConnectionLimits, defaultConnectionLimits, hardenedServerOptions } from './server-options.js'
import type { ConnectionLimits } from './server-options.js'

export interface RegistryAppOptions {
  registry: SchemaRegistry
  logger?: FastifyServerOptions['logger']
  bodyLimit?: number
  /** Timeouts against slow and idle clients (issue 7); the config table's defaults when absent. */
  connectionLimits?: ConnectionLimits
}

export async function buildRegistryApp (opts: RegistryAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    forceCloseConnections: 'idle',
    ...hardenedServerOptions(),
    return503OnClosing: true
  })
  applyConnectionLimits(app.server, opts.connectionLimits ?? defaultConnectionLimits)
  app.setNotFoundHandler(registryNotFoundHandler)
  await app.register(async (instance) => { await registryRoutes(instance, { registry: opts.registry, root: true }) })
  return app
}
