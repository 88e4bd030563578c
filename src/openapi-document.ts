/**
 * The OpenAPI document exactly as a default gateway serves it at /openapi.json, as stable JSON text, built from
 * `buildApp` alone: no storage, no data dir, no port. The document is made from the routes' schemas, so the app
 * gets domain objects that need no I/O (a schema registry over an in-memory journal, the built-in formats,
 * consumer instances that are never opened) and a backend that refuses every call: no request is ever served.
 */
import type { Backend } from './backend/index.js'
import { resolveConfig } from './config/load.js'
import { systemClock } from './gateway.js'
import { buildApp } from './http/app.js'
import { ConsumerInstances } from './proxy/consumers/consumer-instances.js'
import { MemoryJournal } from './registry/memory-journal.js'
import { SchemaRegistry } from './registry/registry.js'
import { avroFormat } from './serde/avro.js'
import { jsonSchemaFormat } from './serde/jsonschema.js'
import { FormatRegistry } from './serde/registry.js'
import { GatewayMetrics } from './telemetry/metrics.js'
import { Readiness } from './telemetry/readiness.js'
import { KrestError } from './util/errors.js'

/** A part of the Backend whose every member throws: the document is built, never served. */
function refusing<T extends object> (part: string): T {
  return new Proxy({}, {
    get: (_target, member) => {
      if (member === 'then') return undefined // not a thenable
      return () => { throw new KrestError('CLOSED', `${part}.${String(member)}: this app only builds the OpenAPI document`) }
    },
  }) as T
}

export async function generateOpenApiDocument (): Promise<string> {
  const config = resolveConfig({ overrides: { 'log.level': 'silent', 'schema.registry.port': -1 } })
  const backend: Backend = {
    producer: refusing('producer'),
    admin: refusing('admin'),
    metadata: refusing('metadata'),
    batches: refusing('batches'),
    groups: refusing('groups'),
    close: async () => undefined,
  }
  const formats = FormatRegistry.withBuiltins()
  const registry = await SchemaRegistry.open({ journal: new MemoryJournal(), defaultCompatibility: config['schema.compatibility.level'] })
  formats.register(avroFormat(registry)).register(jsonSchemaFormat(registry))
  const consumers = new ConsumerInstances({
    groups: backend.groups,
    formats,
    clock: systemClock,
    instanceTimeoutMs: config['consumer.instance.timeout.ms'],
    requestTimeoutMs: config['consumer.request.timeout.ms'],
    requestMaxBytes: config['consumer.request.max.bytes'],
    fetchMinBytes: config['fetch.min.bytes'],
    maxInstances: config['consumer.instances.max'],
    maxInstancesPerGroup: config['consumer.instances.per.group.max'],
    maxConcurrentPolls: config['consumer.long.polls.max'],
    serverId: config.id,
  })
  const operations = {
    readiness: new Readiness(),
    metrics: new GatewayMetrics({ version: '', perPartition: false, defaultMetrics: false }),
    requestLogLevel: config['log.request.level'],
    allowOrigin: config['access.control.allow.origin'],
    allowMethods: config['access.control.allow.methods'],
    allowHeaders: config['access.control.allow.headers'],
    compression: config['compression.enable'],
  }
  const app = await buildApp({ config, backend, formats, registry, consumers, logger: false, operations })
  try {
    await app.ready()
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}
