/**
 * The composition root: builds storage, backend, formats and the HTTP app from the config, and owns the
 * open/close order (open bottom-up, close top-down). Nothing else reads config or starts servers.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import { EmbeddedBackend } from './backend/embedded.js'
import type { Backend } from './backend/types.js'
import { logDefaultsFromConfig } from './config/log-defaults.js'
import type { KrestConfig } from './config/settings.js'
import { EmbeddedGroups } from './groups/embedded-groups.js'
import { buildApp } from './http/app.js'
import { ConsumerInstances } from './proxy/consumer-instances.js'
import { buildRegistryApp } from './http/registry-app.js'
import { connectionLimitsFrom } from './http/server-options.js'
import { LogJournal } from './registry/log-journal.js'
import { SchemaRegistry } from './registry/registry.js'
import { FormatRegistry } from './serde/registry.js'
import { avroFormat } from './serde/avro.js'
import { jsonSchemaFormat } from './serde/jsonschema.js'
import { LogStore, Partitioner } from './storage/index.js'
import type { StorageLogger } from './storage/types.js'

export interface GatewayOptions {
  /** Fastify logger option or instance; defaults to pino at `log.level`. */
  logger?: FastifyServerOptions['logger']
}

export interface Gateway {
  readonly config: KrestConfig
  readonly app: FastifyInstance
  readonly store: LogStore
  readonly backend: Backend
  readonly formats: FormatRegistry
  /** The schema registry (state in the internal topic `_schemas`). */
  readonly registry: SchemaRegistry
  /** `http://host:port` of the schema registry listener, or undefined when `schema.registry.port` is -1. */
  readonly registryUrl: string | undefined
  /** `http://host:port` once listening. */
  readonly url: string
  readonly port: number
  /** Graceful: stop accepting, finish in-flight requests and produces, flush and close storage (clean-shutdown marker). Safe to call twice. */
  close(): Promise<void>
}

/** Opens everything and starts listening on `host`:`port` (port 0 picks a free one). */
export async function startGateway (config: KrestConfig, options: GatewayOptions = {}): Promise<Gateway> {
  // The storage engine opens before the app exists; its log lines go to the app's logger once there is one.
  let log: FastifyInstance['log'] | undefined
  const storageLogger: StorageLogger = {
    info: (obj, msg) => { log?.info(obj, msg) },
    warn: (obj, msg) => { log?.warn(obj, msg) },
    error: (obj, msg) => { log?.error(obj, msg) },
  }
  const logDefaults = logDefaultsFromConfig(config)
  const store = await LogStore.open({
    dataDir: config['data.dir'],
    defaults: logDefaults,
    logger: storageLogger,
    retentionCheckIntervalMs: config['log.retention.check.interval.ms'],
  })
  let address: AddressInfo | undefined
  let backend: EmbeddedBackend | undefined
  let groups: EmbeddedGroups | undefined
  let consumers: ConsumerInstances | undefined
  let app: FastifyInstance | undefined
  let registryApp: FastifyInstance | undefined
  try {
    // consumer groups: replays committed offsets from `__consumer_offsets` before anything is served
    const clock = { now: () => Date.now() }
    groups = await EmbeddedGroups.open({ store, clock, logger: storageLogger, offsetsTopicPartitions: config['offsets.topic.num.partitions'] })
    const openedGroups = groups
    backend = new EmbeddedBackend({
      groups,
      onTopicsChanged: () => openedGroups.topicsChanged(),
      store,
      partitioner: new Partitioner(),
      autoCreateTopics: config['auto.create.topics.enable'],
      defaultPartitions: config['num.partitions'],
      defaultReplicationFactor: config['default.replication.factor'],
      logDefaults,
      endpoint: () => ({ host: address?.address ?? config.host, port: address?.port ?? config.port }),
    })
    const formats = FormatRegistry.withBuiltins()
    consumers = new ConsumerInstances({
      groups: backend.groups,
      formats,
      clock,
      instanceTimeoutMs: config['consumer.instance.timeout.ms'],
      requestTimeoutMs: config['consumer.request.timeout.ms'],
      requestMaxBytes: config['consumer.request.max.bytes'],
      fetchMinBytes: config['fetch.min.bytes'],
      maxInstances: config['consumer.instances.max'],
      maxInstancesPerGroup: config['consumer.instances.per.group.max'],
      maxConcurrentPolls: config['consumer.long.polls.max'],
      serverId: config.id,
      logger: storageLogger,
    })
    consumers.open()
    // schema registry: replays `_schemas` before anything is served, so ids are stable across restarts
    const registry = await SchemaRegistry.open({
      journal: await LogJournal.open(store),
      defaultCompatibility: config['schema.compatibility.level'],
    })
    formats.register(avroFormat(registry)).register(jsonSchemaFormat(registry))
    app = await buildApp({ config, backend, formats, registry, consumers, logger: options.logger })
    log = app.log.child({ module: 'storage' })
    await app.listen({ host: config.host, port: config.port })
    address = app.server.address() as AddressInfo
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
    let registryUrl: string | undefined
    if (config['schema.registry.port'] >= 0) {
      registryApp = await buildRegistryApp({ registry, logger: options.logger ?? { level: config['log.level'] }, bodyLimit: config['request.body.max.bytes'], connectionLimits: connectionLimitsFrom(config) })
      await registryApp.listen({ host: config.host, port: config['schema.registry.port'] })
      const ra = registryApp.server.address() as AddressInfo
      registryUrl = `http://${ra.family === 'IPv6' ? `[${ra.address}]` : ra.address}:${ra.port}`
    }

    let closing: Promise<void> | undefined
    const openedApp = app
    const openedRegistryApp = registryApp
    const openedBackend = backend
    const openedConsumers = consumers
    return {
      config,
      app,
      store,
      backend,
      formats,
      registry,
      registryUrl,
      url,
      port: address.port,
      close () {
        closing ??= (async () => {
          try {
            // First end waiting record fetches (they answer at once) so the HTTP server is not held up by long polls;
            // instances leave their groups, committing what they delivered.
            await openedConsumers.close()
            await Promise.all([openedApp.close(), openedRegistryApp?.close()])
          } finally {
            try {
              await openedBackend.close()
              await openedGroups.close()
            } finally {
              await store.close()
            }
          }
        })()
        return closing
      },
    }
  } catch (err) {
    await registryApp?.close().catch(() => undefined)
    await app?.close().catch(() => undefined)
    await consumers?.close().catch(() => undefined)
    await backend?.close().catch(() => undefined)
    await groups?.close().catch(() => undefined)
    await store.close()
    throw err
  }
}
