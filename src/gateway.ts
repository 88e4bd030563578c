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
import { HttpLimits } from './http/limits.js'
import { LogJournal } from './registry/log-journal.js'
import { SchemaRegistry } from './registry/registry.js'
import { FormatRegistry } from './serde/registry.js'
import { avroFormat } from './serde/avro.js'
import { jsonSchemaFormat } from './serde/jsonschema.js'
import { LogStore, Partitioner } from './storage/index.js'
import type { LogStoreOptions } from './storage/index.js'
import type { StorageLogger, StorageProbe } from './storage/types.js'
import { listenBootstrap } from './http/plugins/health-bootstrap.js'
import type { BootstrapServer } from './http/plugins/health-bootstrap.js'
import type { OperationsOptions } from './http/plugins/operations.js'
import { loggerOptions } from './telemetry/logger.js'
import { GatewayMetrics } from './telemetry/metrics.js'
import { meteredGroupConsumers } from './telemetry/metered-consumers.js'
import { Readiness } from './telemetry/readiness.js'
import { readVersion } from './telemetry/version.js'

export interface GatewayOptions {
  /** Fastify logger option or instance; defaults to pino at `log.level` in `log.format` (telemetry/logger.ts). */
  logger?: FastifyServerOptions['logger']
  /** Called as soon as the listeners accept connections, before storage recovery (they answer /healthy, /ready, /metrics). */
  onListening?: (urls: { url: string, registryUrl: string | undefined }) => void
  /** Opens the storage engine (default `LogStore.open`); tests wrap it to hold recovery open. */
  openStore?: (options: LogStoreOptions) => Promise<LogStore>
  /** prom-client's process/Node.js metrics (default true). */
  defaultMetrics?: boolean
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
  /** krest's version (package.json). */
  readonly version: string
  /** What `/ready` reports. */
  readonly readiness: Readiness
  /** The gateway's Prometheus registry and probes. */
  readonly metrics: GatewayMetrics
  /** Graceful: stop accepting, finish in-flight requests and produces, flush and close storage (clean-shutdown marker). Safe to call twice. */
  close(): Promise<void>
}

/** Opens everything and starts listening on `host`:`port` (port 0 picks a free one). */
export async function startGateway (config: KrestConfig, options: GatewayOptions = {}): Promise<Gateway> {
  // The storage engine opens before the app exists; its log lines are kept and go to the app's logger once there is one.
  let log: FastifyInstance['log'] | undefined
  const early: Array<{ level: 'info' | 'warn' | 'error', obj: object, msg: string | undefined }> = []
  const storageLogger: StorageLogger = {
    info: (obj, msg) => { if (log === undefined) early.push({ level: 'info', obj, msg }); else log.info(obj, msg) },
    warn: (obj, msg) => { if (log === undefined) early.push({ level: 'warn', obj, msg }); else log.warn(obj, msg) },
    error: (obj, msg) => { if (log === undefined) early.push({ level: 'error', obj, msg }); else log.error(obj, msg) },
  }
  const version = await readVersion()
  const readiness = new Readiness()
  const metrics = new GatewayMetrics({ version, perPartition: config['metrics.partition.series.enable'], defaultMetrics: options.defaultMetrics })
  const logger = options.logger ?? loggerOptions({ level: config['log.level'], format: config['log.format'], isTty: process.stdout.isTTY })
  // Connection, body and stream limits over both listeners (max.connections counts them together).
  const httpLimits = new HttpLimits(config)
  // Listen first, so /healthy, /ready (503 with the reason) and /metrics answer during recovery.
  const bootstraps: BootstrapServer[] = []
  let restBoot: BootstrapServer
  let registryBoot: BootstrapServer | undefined
  try {
    restBoot = await listenBootstrap({ host: config.host, port: config.port, readiness, metrics, connections: httpLimits.connections })
    bootstraps.push(restBoot)
    if (config['schema.registry.port'] >= 0) {
      registryBoot = await listenBootstrap({ host: config.host, port: config['schema.registry.port'], readiness, metrics, connections: httpLimits.connections })
      bootstraps.push(registryBoot)
    }
  } catch (err) {
    for (const b of bootstraps) await b.close()
    throw err
  }
  options.onListening?.({ url: restBoot.url, registryUrl: registryBoot?.url })
  const probe: StorageProbe = {
    ...metrics.storageProbe,
    recovered: (topic, partition, truncatedBytes) => {
      readiness.partitionRecovered()
      metrics.storageProbe.recovered?.(topic, partition, truncatedBytes)
    },
  }
  const logDefaults = logDefaultsFromConfig(config)
  let store: LogStore
  try {
    store = await (options.openStore ?? (o => LogStore.open(o)))({
      dataDir: config['data.dir'],
      defaults: logDefaults,
      logger: storageLogger,
      probe,
      retentionCheckIntervalMs: config['log.retention.check.interval.ms'],
    })
  } catch (err) {
    for (const b of bootstraps) await b.close()
    throw err
  }
  readiness.mark('storage')
  metrics.attach({ logs: store })
  const address: AddressInfo = restBoot.address
  let backend: EmbeddedBackend | undefined
  let groups: EmbeddedGroups | undefined
  let consumers: ConsumerInstances | undefined
  let app: FastifyInstance | undefined
  let registryApp: FastifyInstance | undefined
  try {
    // consumer groups: replays committed offsets from `__consumer_offsets` before anything is served
    const clock = { now: () => Date.now() }
    groups = await EmbeddedGroups.open({ store, clock, logger: storageLogger, offsetsTopicPartitions: config['offsets.topic.num.partitions'] })
    readiness.mark('consumer-offsets')
    metrics.attach({ groups })
    const openedGroups = groups
    backend = new EmbeddedBackend({
      groups,
      onTopicsChanged: () => openedGroups.topicsChanged(),
      store,
      partitioner: new Partitioner(),
      autoCreateTopics: config['auto.create.topics.enable'],
      defaultPartitions: config['num.partitions'],
      maxPartitions: config['partitions.max'],
      defaultReplicationFactor: config['default.replication.factor'],
      logDefaults,
      endpoint: () => ({ host: address.address, port: address.port }),
    })
    const formats = FormatRegistry.withBuiltins()
    consumers = new ConsumerInstances({
      groups: meteredGroupConsumers(backend.groups, metrics.consumerProbe),
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
    metrics.attach({ consumers })
    // schema registry: replays `_schemas` before anything is served, so ids are stable across restarts
    const registry = await SchemaRegistry.open({
      journal: await LogJournal.open(store),
      defaultCompatibility: config['schema.compatibility.level'],
    })
    formats.register(avroFormat(registry)).register(jsonSchemaFormat(registry))
    readiness.mark('schema-registry')
    metrics.attach({ registry })
    const operations: OperationsOptions = {
      readiness,
      metrics,
      requestLogLevel: config['log.request.level'],
      allowOrigin: config['access.control.allow.origin'],
      allowMethods: config['access.control.allow.methods'],
      allowHeaders: config['access.control.allow.headers'],
      compression: config['compression.enable'],
    }
    // The listeners already accept connections: the apps take over their servers (no second listen).
    const restServer = restBoot
    app = await buildApp({ config, backend, formats, registry, consumers, logger, operations, limits: httpLimits, serverFactory: handler => restServer.handOver(handler) })
    await app.ready()
    restBoot.activate()
    log = app.log.child({ module: 'storage' })
    for (const e of early.splice(0)) log[e.level](e.obj, e.msg)
    const url = restBoot.url
    const registryUrl = registryBoot?.url
    if (registryBoot !== undefined) {
      const registryServer = registryBoot
      registryApp = await buildRegistryApp({ registry, logger, bodyLimit: config['request.body.max.bytes'], connectionLimits: connectionLimitsFrom(config), operations, serverFactory: handler => registryServer.handOver(handler) })
      await registryApp.ready()
      registryServer.activate()
    }
    // Ready only now that every listener serves its API (before, the API answered 503 while /ready said 200).
    readiness.mark('listeners')

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
      version,
      readiness,
      metrics,
      close () {
        closing ??= (async () => {
          try {
            readiness.markClosing()
            // First end waiting record fetches (they answer at once) so the HTTP server is not held up by long polls;
            // instances leave their groups, committing what they delivered.
            await openedConsumers.close()
            // Stop accepting; requests in flight finish (late ones get 503 + Connection: close from fastify).
            const drained = Promise.all(bootstraps.map(b => b.drain()))
            await Promise.all([openedApp.close(), openedRegistryApp?.close()])
            await drained
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
    for (const b of bootstraps) await b.close()
    await registryApp?.close().catch(() => undefined)
    await app?.close().catch(() => undefined)
    await consumers?.close().catch(() => undefined)
    await backend?.close().catch(() => undefined)
    await groups?.close().catch(() => undefined)
    await store.close()
    throw err
  }
}
