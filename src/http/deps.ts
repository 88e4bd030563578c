import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { Backend } from '../backend/types.js'
import type { KrestConfig } from '../config/settings.js'
import type { FormatRegistry } from '../serde/registry.js'
import type { SchemaRegistry } from '../registry/registry.js'
import type { ConsumerInstances } from '../proxy/consumers/consumer-instances.js'
import type { OperationsOptions } from './plugins/operations.js'
import type { HttpLimits } from './limits.js'

/**
 * What the HTTP layer is given: configuration and domain objects, built by the composition root (`gateway.ts`).
 * Features that plug in (consumer instances, the schema registry) add their domain object here as a field and
 * their routes to `apiPlugins` in `app.ts`.
 */
export interface AppDeps {
  config: KrestConfig
  backend: Backend
  formats: FormatRegistry
  /** The schema registry (issue 5); its API is mounted when present. */
  registry?: SchemaRegistry
  /** v2 consumer instances (issue 4); the consumer routes are mounted when present. */
  consumers?: ConsumerInstances
  /** Fastify logger option or instance; defaults to pino at `log.level`. */
  logger?: FastifyServerOptions['logger']
  /** Health, readiness, metrics, request log, CORS and compression (issue 6); installed when present. */
  operations?: OperationsOptions
  /** Connection, body and stream limits shared by the gateway's listeners; built from `config` when absent. */
  limits?: HttpLimits
  /** Serve on an existing server (the gateway's start-up listener) instead of creating one; then do not `listen`. */
  serverFactory?: FastifyServerOptions['serverFactory']
}

/** One API's routes, registered in its own encapsulated fastify context. */
export interface ApiPlugin {
  name: string
  register(app: FastifyInstance, deps: AppDeps): void | Promise<void>
}
