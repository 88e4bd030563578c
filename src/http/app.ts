/**
 * buildApp(deps): the fastify application, built from config and domain objects (no globals), so tests can run
 * many on port 0. API plugins are registered in one place: `apiPlugins` below.
 */
import Fastify, { LogController } from 'fastify'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AjvCompiler } from '@fastify/ajv-compiler'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { ApiPlugin, AppDeps } from './deps.js'
import { installContentTypeParsers } from './plugins/content-types.js'
import { installErrorHandler } from './plugins/error-handler.js'
import { installNegotiation } from './plugins/negotiation.js'
import { installBrowserGuard } from './plugins/browser-guard.js'
import { installBodyLimits } from './plugins/body-limits.js'
import { HttpLimits } from './limits.js'
import { applyConnectionLimits, connectionLimitsFrom, hardenedServerOptions } from './server-options.js'
import { installOperations } from './plugins/operations.js'
import { loadSchemas } from './schemas.js'
import { baseUrl } from './urls.js'
import { v2RootPlugin } from './routes/v2/root.js'
import { v2TopicsPlugin } from './routes/v2/topics.js'
import { v2ProducePlugin } from './routes/v2/produce.js'
import { v2BrokersPlugin } from './routes/v2/brokers.js'
import { v3ClustersPlugin } from './routes/v3/clusters.js'
import { v3TopicsPlugin } from './routes/v3/topics.js'
import { v3TopicConfigsPlugin } from './routes/v3/topic-configs.js'
import { v3PartitionsPlugin } from './routes/v3/partitions.js'
import { v3BrokersPlugin } from './routes/v3/brokers.js'
import { v3ClusterAdminPlugin } from './routes/v3/cluster-admin.js'
import { registryApiPlugin } from './routes/registry.js'
import { consumersPlugin } from './routes/consumers.js'
import { v3ConsumerGroupsPlugin } from './routes/v3-consumer-groups.js'
import { v3RecordsPlugin } from './routes/v3/records.js'

export type { AppDeps, ApiPlugin } from './deps.js'

/**
 * Every API the gateway serves, in registration order. To add one: write an `ApiPlugin` (routes declare params,
 * querystring, body and response schemas by `$ref` to `schemas/`), add it here, then `npm run openapi`.
 */
export const apiPlugins: readonly ApiPlugin[] = [
  v2RootPlugin,
  v2TopicsPlugin,
  v2ProducePlugin,
  v2BrokersPlugin,
  v3ClustersPlugin,
  v3TopicsPlugin,
  v3TopicConfigsPlugin,
  v3PartitionsPlugin,
  v3BrokersPlugin,
  v3ClusterAdminPlugin, // broker configs, replicas per broker, reassignments, all topics' configs, ACLs (issue 16.2)
  consumersPlugin, // v2 consumer instances (issue 4): mounted only when deps.consumers is set
  v3ConsumerGroupsPlugin, // v3 read-only consumer-group views (issue 4)
  v3RecordsPlugin, // v3 produce: single, streaming and batch (issue 8)
  registryApiPlugin, // schema registry (issue 5): mounted only when deps.registry is set
]

export const openApiInfo = {
  title: 'krest',
  description: 'Kafka-style streaming over plain HTTP: Confluent REST Proxy compatible API v2 and v3.',
  version: '0.1.0',
}

const AJV_OPTIONS = { removeAdditional: false, coerceTypes: 'array', useDefaults: true } as const

type BuildValidator = ReturnType<typeof AjvCompiler>

/**
 * Fastify's validator factory with two ajv instances from one pool: bodies without coercion, the other parts of
 * the request (params, querystring, headers) with `coerceTypes: 'array'`.
 */
function strictBodyValidators (): BuildValidator {
  const pool = AjvCompiler()
  return externalSchemas => {
    const coercing = pool(externalSchemas, { customOptions: { ...AJV_OPTIONS, coerceTypes: 'array' } })
    const strict = pool(externalSchemas, { customOptions: { ...AJV_OPTIONS, coerceTypes: false } })
    return route => route.httpPart === 'body' ? strict(route) : coercing(route)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's connection, body and stream accounting (limits.ts). */
    httpLimits: HttpLimits
  }
}

export async function buildApp (appDeps: AppDeps): Promise<FastifyInstance> {
  const { config } = appDeps
  const deps: AppDeps = { ...appDeps, limits: appDeps.limits ?? new HttpLimits(config) }
  const limits = deps.limits as HttpLimits
  const bodyLimit = config['request.body.max.bytes']
  const app = Fastify({
    logger: deps.logger ?? { level: config['log.level'] },
    bodyLimit,
    // Router errors as {error_code, message}; path parameters up to 2048 characters (issue 7).
    ...hardenedServerOptions(),
    // Confluent's JSON binding is strict: unknown fields are an error (400), not silently dropped.
    ajv: { customOptions: AJV_OPTIONS },
    // Bodies are validated without type coercion (a string is not a one-element array, "5" is not 5: issue 16.5);
    // path and query parameters, which are text by nature, are coerced to their declared types.
    schemaController: { compilersFactory: { buildValidator: strictBodyValidators() } },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    // With operations installed, krest writes one line per request at `log.request.level` instead of fastify's two.
    ...(deps.operations === undefined ? {} : { logController: new LogController({ disableRequestLogging: true }) }),
    ...(deps.serverFactory === undefined ? {} : { serverFactory: deps.serverFactory }),
  })
  applyConnectionLimits(app.server, connectionLimitsFrom(config))
  // A gateway counts connections on its listeners (shared with the registry's); an app on its own server counts here.
  if (appDeps.limits === undefined) limits.connections.watch(app.server)
  app.decorate('httpLimits', limits)
  installErrorHandler(app, bodyLimit)
  installContentTypeParsers(app)
  installNegotiation(app)
  installBodyLimits(app, { limits, minBytesPerSecond: config['request.body.min.bytes.per.second'], windowMs: config['request.body.min.rate.window.ms'] })
  installBrowserGuard(app, {
    bindHost: config.host,
    advertisedListeners: config['advertised.listeners'],
    allowedHosts: config['http.allowed.hosts'],
    allowOrigin: config['access.control.allow.origin'],
  })
  for (const schema of await loadSchemas()) app.addSchema(schema)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: openApiInfo,
      servers: [{ url: 'http://localhost:8082' }],
    },
    refResolver: {
      // Components are named by the schema's $id, so the document reads like the schemas/ directory.
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })
  // "Try it out" must call this server as the browser reached it: `servers` is the first of advertised.listeners,
  // else the request's scheme and (validated, browser-guard.ts) Host — not a fixed localhost:8082 (issue 16.8).
  const withServers = (document: Record<string, unknown>, request: FastifyRequest): Record<string, unknown> =>
    ({ ...document, servers: [{ url: baseUrl(request, config['advertised.listeners']) }] })
  await app.register(swaggerUi, { routePrefix: '/docs', transformSpecification: (document, request) => withServers(document as Record<string, unknown>, request) })
  app.get('/openapi.json', { schema: { hide: true } }, async request => withServers(app.swagger() as unknown as Record<string, unknown>, request))
  // After swagger, so /healthy, /ready and /metrics are in the document (issue 16.8).
  if (deps.operations !== undefined) await installOperations(app, deps.operations, 'rest')

  for (const plugin of apiPlugins) {
    await app.register(async instance => { await plugin.register(instance, deps) }, { name: plugin.name } as Record<string, unknown>)
  }
  return app
}
