/**
 * The schema registry's own listener (Confluent's conventional port 8081): a fastify instance serving only the
 * Schema Registry API, with registry-shaped 404s. The same routes are also mounted on the REST API's port.
 */
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { SchemaRegistry } from '../registry/registry.js'
import { registryNotFoundHandler, registryRoutes } from './routes/registry.js'

export interface RegistryAppOptions {
  registry: SchemaRegistry
  logger?: FastifyServerOptions['logger']
  bodyLimit?: number
}

export async function buildRegistryApp (opts: RegistryAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024,
    forceCloseConnections: 'idle',
    return503OnClosing: true
  })
  app.setNotFoundHandler(registryNotFoundHandler)
  await app.register(async (instance) => { await registryRoutes(instance, { registry: opts.registry, root: true }) })
  return app
}
