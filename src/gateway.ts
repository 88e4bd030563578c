/**
 * The composition root: builds storage, backend, formats and the HTTP apps from the config, and owns the
 * open/close order (open bottom-up, close top-down). Nothing else reads config or opens storage; `cli/main.ts`
 * only calls `buildGateway(config).open()` and turns signals into `close()`.
 *
 * Build and listen are separate steps: `buildGateway` creates the process-wide objects (clock, readiness,
 * metrics, logger) and opens nothing; `open()` binds the listeners first (so /healthy, /ready and /metrics answer
 * during recovery), opens the embedded engine, replays the registry, builds the apps and hands the listening
 * servers over to them.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { openEmbeddedEngine } from './backend/embedded/engine.js'
import type { EmbeddedEngine, EmbeddedLogState } from './backend/embedded/engine.js'
import type { Backend, Clock } from './backend/index.js'
import { EMBEDDED_BROKER_ID } from './backend/types.js'
import { logDefaultsFromConfig } from './config/log-defaults.js'
import { settingDefinitions } from './config/settings.js'
import type { KrestConfig, SettingDefinition, SettingName } from './config/settings.js'
import { KAFKA_APIS } from './kafka/apis/index.js'
import { KafkaListener } from './kafka/listener.js'
import type { KafkaServices } from './kafka/api.js'
import { buildApp } from './http/app.js'
import { ConsumerInstances } from './proxy/consumers/consumer-instances.js'
import { buildRegistryApp } from './http/registry-app.js'
import { connectionLimitsFrom } from './http/server-options.js'
import { HttpLimits } from './http/limits.js'
import { LogJournal } from './registry/log-journal.js'
import { SchemaRegistry } from './registry/registry.js'
import { FormatRegistry } from './serde/registry.js'
import { avroFormat } from './serde/avro.js'
import { jsonSchemaFormat } from './serde/jsonschema.js'
import { protobufFormat } from './serde/protobuf.js'
import type { LogStore, LogStoreOptions } from './storage/index.js'
import type { StorageLogger, StorageProbe } from './storage/types.js'
import { listenBootstrap } from './http/plugins/health-bootstrap.js'
import type { BootstrapServer } from './http/plugins/health-bootstrap.js'
import type { OperationsOptions } from './http/plugins/operations.js'
import { loggerOptions } from './telemetry/logger.js'
import { GatewayMetrics } from './telemetry/metrics.js'
import { meteredGroupConsumers } from './telemetry/metered-consumers.js'
import { Readiness } from './telemetry/readiness.js'
import { readVersion } from './telemetry/version.js'

/** The one wall clock of the process; everything that reads time is given this (tests may pass their own). */
export const systemClock: Clock = { now: () => Date.now() }

export interface GatewayOptions {
  /** Fastify logger option or instance; defaults to pino at `log.level` in `log.format` (telemetry/logger.ts). */
  logger?: FastifyServerOptions['logger']
  /** Called as soon as the listeners accept connections, before storage recovery (they answer /healthy, /ready, /metrics). */
  onListening?: (urls: { url: string, registryUrl: string | undefined }) => void
  /** Opens the storage engine (default `LogStore.open`); tests wrap it to hold recovery open. */
  openStore?: (options: LogStoreOptions) => Promise<LogStore>
  /** prom-client's process/Node.js metrics (default true). */
  defaultMetrics?: boolean
  /** The clock every module reads (default: the system clock). */
  clock?: Clock
}

export interface Gateway {
  readonly config: KrestConfig
  readonly app: FastifyInstance
  /** The registry's own listener app, or undefined when `schema.registry.port` is -1. */
  readonly registryApp: FastifyInstance | undefined
  readonly backend: Backend
  /** The storage engine's state, for start-up logging and telemetry (reads go through `backend`). */
  readonly logs: EmbeddedLogState
  readonly formats: FormatRegistry
  /** The schema registry (state in the internal topic `_schemas`). */
  readonly registry: SchemaRegistry
  /** `http://host:port` of the schema registry listener, or undefined when `schema.registry.port` is -1. */
  readonly registryUrl: string | undefined
  /** `http://host:port` once listening. */
  readonly url: string
  readonly port: number
  /** Port of the Kafka protocol listener, or undefined when `kafka.port` is -1. */
  readonly kafkaPort: number | undefined
  /** `host:port` Kafka clients are given (bootstrap servers), or undefined when the listener is off. */
  readonly kafkaBootstrap: string | undefined
  /** krest's version (package.json). */
  readonly version: string
  /** What `/ready` reports. */
  readonly readiness: Readiness
  /** The gateway's Prometheus registry and probes. */
  readonly metrics: GatewayMetrics
  /** Graceful: stop accepting, finish in-flight requests and produces, flush and close storage (clean-shutdown marker). Safe to call twice. */
  close(): Promise<void>
}

/** A gateway built but not yet listening: `open()` listens, opens storage and serves. */
export interface GatewayBuild {
  readonly config: KrestConfig
  readonly clock: Clock
  readonly readiness: Readiness
  /** Listens on `host`:`port` (port 0 picks a free one), opens everything and serves. Call once. */
  open(): Promise<Gateway>
}

/** Builds the gateway's process-wide parts from the config; nothing is opened or bound until `open()`. */
export function buildGateway (config: KrestConfig, options: GatewayOptions = {}): GatewayBuild {
  const clock = options.clock ?? systemClock
  const readiness = new Readiness()
  let opened = false
  const build: GatewayBuild = {
    config,
    clock,
    readiness,
    async open () {
      if (opened) throw new Error('buildGateway(…).open() called twice')
      opened = true
      return await openGateway(build, options)
    },
  }
  return build
}

/** Builds and opens in one step: `buildGateway(config, options).open()`. */
export async function startGateway (config: KrestConfig, options: GatewayOptions = {}): Promise<Gateway> {
  return await buildGateway(config, options).open()
}

async function openGateway ({ config, clock, readiness }: GatewayBuild, options: GatewayOptions): Promise<Gateway> {
  // The storage engine opens before the app exists; its log lines are kept and go to the app's logger once there is one.
  let log: FastifyInstance['log'] | undefined
  const early: Array<{ level: 'info' | 'warn' | 'error', obj: object, msg: string | undefined }> = []
  const storageLogger: StorageLogger = {
    info: (obj, msg) => { if (log === undefined) early.push({ level: 'info', obj, msg }); else log.info(obj, msg) },
    warn: (obj, msg) => { if (log === undefined) early.push({ level: 'warn', obj, msg }); else log.warn(obj, msg) },
    error: (obj, msg) => { if (log === undefined) early.push({ level: 'error', obj, msg }); else log.error(obj, msg) },
  }
  const version = await readVersion()
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
  const address: AddressInfo = restBoot.address
  let engine: EmbeddedEngine
  try {
    engine = await openEmbeddedEngine({
      dataDir: config['data.dir'],
      logDefaults: logDefaultsFromConfig(config),
      clock,
      logger: storageLogger,
      probe,
      retentionCheckIntervalMs: config['log.retention.check.interval.ms'],
      damagePolicy: config['log.damage.policy'],
      maxOpenSegmentFiles: config['log.max.open.segments'],
      offsetsTopicPartitions: config['offsets.topic.num.partitions'],
      groups: {
        offsetsRetentionMs: config['offsets.retention.minutes'] * 60_000,
        offsetsRetentionCheckIntervalMs: config['offsets.retention.check.interval.ms'],
        minSessionTimeoutMs: config['group.min.session.timeout.ms'],
        maxSessionTimeoutMs: config['group.max.session.timeout.ms'],
      },
      autoCreateTopics: config['auto.create.topics.enable'],
      defaultPartitions: config['num.partitions'],
      maxPartitions: config['partitions.max'],
      defaultReplicationFactor: config['default.replication.factor'],
      endpoint: () => ({ host: address.address, port: address.port }),
      ...(options.openStore === undefined ? {} : { openStore: options.openStore }),
      onOpened: {
        storage: logs => {
          readiness.noteStorageDamage(logs.damage.map(d => d.message))
          readiness.mark('storage')
          metrics.attach({ logs })
        },
        groups: groups => { readiness.mark('consumer-offsets'); metrics.attach({ groups }) },
      },
    })
  } catch (err) {
    for (const b of bootstraps) await b.close()
    throw err
  }
  const backend = engine.backend
  let consumers: ConsumerInstances | undefined
  let app: FastifyInstance | undefined
  let registryApp: FastifyInstance | undefined
  let kafka: KafkaListener | undefined
  try {
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
      journal: await LogJournal.open(engine.internalTopics),
      defaultCompatibility: config['schema.compatibility.level'],
      maxSchemaBytes: config['schema.max.bytes'],
    })
    formats.register(avroFormat(registry)).register(jsonSchemaFormat(registry)).register(protobufFormat(registry))
    readiness.mark('schema-registry')
    metrics.attach({ registry, cluster: { brokers: () => backend.metadata.brokers(), topics: () => backend.admin.listTopics({ includeInternal: true }) } })
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
    if (config['kafka.port'] >= 0) {
      kafka = await startKafkaListener(config, backend, app.log.child({ module: 'kafka' }))
    }
    const kafkaBootstrap = kafka === undefined ? undefined : `${advertisedKafkaHost(config)}:${kafka.port}`
    // Ready only now that every listener serves its API (before, the API answered 503 while /ready said 200).
    readiness.mark('listeners')

    let closing: Promise<void> | undefined
    const openedKafka = kafka
    const openedApp = app
    const openedRegistryApp = registryApp
    const openedConsumers = consumers
    return {
      config,
      app,
      registryApp,
      backend,
      logs: engine.logs,
      formats,
      registry,
      registryUrl,
      url,
      port: address.port,
      kafkaPort: kafka?.port,
      kafkaBootstrap,
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
            await openedKafka?.close()
            // Stop accepting; requests in flight finish (late ones get 503 + Connection: close from fastify).
            const drained = Promise.all(bootstraps.map(b => b.drain()))
            await Promise.all([openedApp.close(), openedRegistryApp?.close()])
            await drained
          } finally {
            await engine.close()
          }
        })()
        return closing
      },
    }
  } catch (err) {
    for (const b of bootstraps) await b.close()
    await kafka?.close().catch(() => undefined)
    await registryApp?.close().catch(() => undefined)
    await app?.close().catch(() => undefined)
    await consumers?.close().catch(() => undefined)
    await engine.close()
    throw err
  }
}

/** The settings a Kafka admin client sees on the BROKER resource: those with Kafka broker meaning, plus broker.id. */
function brokerConfigs (config: KrestConfig): Array<{ name: string, value: string, isSensitive: boolean, isDefault: boolean }> {
  const out = [{ name: 'broker.id', value: String(EMBEDDED_BROKER_ID), isSensitive: false, isDefault: false }]
  for (const [name, def] of Object.entries(settingDefinitions) as Array<[SettingName, SettingDefinition]>) {
    if (def.group !== 'topics' && def.group !== 'log' && def.group !== 'kafka') continue
    const value = config[name]
    out.push({ name, value: String(value), isSensitive: def.sensitive === true, isDefault: value === def.default })
  }
  return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
}

/** `kafka.advertised.host`, else the bound host unless it is a wildcard (then this machine's host name). */
function advertisedKafkaHost (config: KrestConfig): string {
  if (config['kafka.advertised.host'] !== '') return config['kafka.advertised.host']
  const host = config.host
  return host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host
}

async function startKafkaListener (config: KrestConfig, backend: Backend, log: KafkaServices['log']): Promise<KafkaListener> {
  let listener: KafkaListener | undefined
  const host = advertisedKafkaHost(config)
  const services: KafkaServices = {
    backend,
    nodeId: EMBEDDED_BROKER_ID,
    advertised: () => ({ host, port: listener?.port ?? config['kafka.port'] }),
    autoCreateTopics: config['auto.create.topics.enable'],
    log,
    now: () => Date.now(),
    brokerConfigs: () => brokerConfigs(config),
  }
  listener = await KafkaListener.listen({
    host: config.host,
    port: config['kafka.port'],
    apis: KAFKA_APIS,
    services,
    maxRequestBytes: config['socket.request.max.bytes'],
    maxInFlightPerConnection: config['kafka.connection.max.inflight.requests'],
    maxConnections: config['max.connections'],
    closeGraceMs: config['shutdown.graceful.ms'],
  })
  log.info({ host: config.host, port: listener.port, advertised: `${host}:${listener.port}` }, 'kafka listener started')
  return listener
}
