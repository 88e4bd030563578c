/**
 * The one table of krest settings. Names follow Kafka / Confluent REST Proxy property names where one exists,
 * so operators recognise them. Every setting can be given as a flag (when it has one), as an environment
 * variable `KREST_<NAME upper-snaked>`, or in a `--config` file (JSON or .properties).
 *
 * Docs and a JSON Schema for the configuration are meant to be generated from this table: keep every entry's
 * `doc` a full sentence and its bounds in `min` / `max` / `values`.
 */

interface SettingBase {
  doc: string
  /** Command-line flag, without the leading dashes (e.g. `port` for `--port`). */
  flag?: string
  /** Groups settings in generated docs. */
  group: 'server' | 'topics' | 'log' | 'consumer' | 'kafka' | 'registry' | 'operations'
  /** Other environment variables read for this setting (Confluent image names), below `KREST_<NAME>`. */
  envAliases?: readonly string[]
  /** Holds a secret: `krest config` and start-up logs print it redacted. */
  sensitive?: boolean
}

export interface IntSetting extends SettingBase {
  type: 'int'
  default: number
  min?: number
  max?: number
}

export interface StringSetting extends SettingBase {
  type: 'string'
  default: string
}

export interface BooleanSetting extends SettingBase {
  type: 'boolean'
  default: boolean
}

export interface EnumSetting<V extends string = string> extends SettingBase {
  type: 'enum'
  default: V
  values: readonly V[]
}

export type SettingDefinition = IntSetting | StringSetting | BooleanSetting | EnumSetting

const MAX_INT = Number.MAX_SAFE_INTEGER

export const settingDefinitions = {
  // ---- server -----------------------------------------------------------------------------------------------
  host: {
    type: 'string', default: '127.0.0.1', flag: 'host', group: 'server',
    doc: 'Interface the HTTP server listens on. Use 0.0.0.0 to listen on every interface (e.g. in a container).',
  },
  port: {
    type: 'int', default: 8082, min: 0, max: 65535, flag: 'port', group: 'server',
    doc: 'TCP port of the REST API (Confluent REST Proxy\'s default is 8082). 0 picks a free port.',
  },
  'data.dir': {
    type: 'string', default: './data', flag: 'data-dir', group: 'server',
    doc: 'Directory holding the partition logs, topic metadata and the cluster id.',
  },
  'advertised.listeners': {
    type: 'string', default: '', group: 'server',
    doc: 'Base URL (e.g. http://krest.example.com:8082) used for absolute URLs in responses (v3 metadata.self, consumer base_uri). Empty: taken from the request\'s Host header.',
  },
  id: {
    type: 'string', default: '', group: 'server', envAliases: ['KAFKA_REST_ID'],
    doc: 'Server id; goes into generated consumer instance names. Must be unique per node when several run.',
  },
  'request.body.max.bytes': {
    type: 'int', default: 64 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024, group: 'server',
    doc: 'Largest request body accepted, in bytes; larger bodies get 413.',
  },
  'shutdown.graceful.ms': {
    type: 'int', default: 5000, min: 0, max: MAX_INT, group: 'server',
    doc: 'How long a graceful shutdown (SIGTERM/SIGINT) waits for in-flight requests before closing connections.',
  },
  'api.v3.produce.batch.maximum.entries': {
    type: 'int', default: 1000, min: 1, max: 100000, group: 'server',
    doc: 'Most entries in one v3 records:batch request; more gets 422/42208. Confluent\'s default is 10 (at most 50); krest allows more.',
  },
  'streaming.connection.max.duration.ms': {
    type: 'int', default: 86400000, min: 1, max: MAX_INT, group: 'server',
    doc: 'How long a v3 streaming produce connection may stay open; after it, each new record gets a 408 report and the stream is closed after the grace period.',
  },
  'streaming.connection.max.duration.grace.period.ms': {
    type: 'int', default: 500, min: 0, max: MAX_INT, group: 'server',
    doc: 'Time a v3 streaming produce connection past streaming.connection.max.duration.ms is given before it stops reading and is closed.',
  },
  // ---- limits that protect the process (issue 7) ---------------------------------------------------------------
  'produce.max.records': {
    type: 'int', default: 10000, min: 1, max: 10000000, group: 'server',
    doc: 'Most records in one v2 produce request; more gets 413 with nothing written.',
  },
  'request.headers.timeout.ms': {
    type: 'int', default: 10000, min: 1, max: MAX_INT, group: 'server',
    doc: 'Time a client has to send a complete request line and headers; slower clients (slowloris) get 408 and are disconnected.',
  },
  'request.timeout.ms': {
    type: 'int', default: 0, min: 0, max: MAX_INT, group: 'server',
    doc: 'Time a client has to send a whole request, body included; slower ones get 408. 0 (the default): no limit, because v3 streaming produce requests stay open for streaming.connection.max.duration.ms; stalled bodies are still cut by connections.max.idle.ms.',
  },
  'connections.max.idle.ms': {
    type: 'int', default: 120000, min: 1, max: MAX_INT, group: 'server',
    doc: 'A connection on which nothing is sent or received for this long is closed (also mid-request). Keep it above consumer.request.timeout.ms so long polls are not cut.',
  },
  'connections.keepalive.timeout.ms': {
    type: 'int', default: 30000, min: 1, max: MAX_INT, group: 'server',
    doc: 'How long an idle keep-alive connection is kept open between requests.',
  },
  // ---- limits on connections, bodies and browsers (issue 13) ----------------------------------------------------
  'max.connections': {
    type: 'int', default: 1000, min: 1, max: 1000000, group: 'server',
    doc: 'Most open client connections (Kafka\'s name): over the two HTTP listeners together, and again on the Kafka listener. An HTTP connection past it gets 503 and is closed at once, a Kafka one is closed, so the process keeps descriptors for its own files.',
  },
  'max.connections.per.ip': {
    type: 'int', default: 1000, min: 1, max: 1000000, group: 'server',
    doc: 'Most open connections from one client address over both listeners (Kafka\'s name); one more gets 503 and is closed.',
  },
  'request.body.min.bytes.per.second': {
    type: 'int', default: 1024, min: 0, max: MAX_INT, group: 'server',
    doc: 'A request body (other than a v3 streaming produce, which lives as long as its producer) that arrives slower than this over request.body.min.rate.window.ms gets 408 and its connection is closed, even with request.timeout.ms=0. 0: no minimum.',
  },
  'request.body.min.rate.window.ms': {
    type: 'int', default: 10000, min: 100, max: MAX_INT, group: 'server',
    doc: 'Window over which request.body.min.bytes.per.second is measured.',
  },
  'request.inflight.max.bytes': {
    type: 'int', default: 256 * 1024 * 1024, min: 1024, max: MAX_INT, group: 'server',
    doc: 'Most request-body bytes declared (Content-Length) by requests being read at once; a request past it gets 503/50301 before its body is read. Streams count the records they hold.',
  },
  'api.v3.produce.streams.max': {
    type: 'int', default: 200, min: 1, max: 1000000, group: 'server',
    doc: 'Most v3 streaming produce requests open at once; one more gets 429/42901.',
  },
  'api.v3.produce.stream.reports.max.bytes': {
    type: 'int', default: 1024 * 1024, min: 1024, max: MAX_INT, group: 'server',
    doc: 'Delivery reports one v3 stream may hold unsent while its client does not read them; past it the stream stops reading records until the client reads (backpressure).',
  },
  'api.v3.produce.reports.max.bytes': {
    type: 'int', default: 64 * 1024 * 1024, min: 1024, max: MAX_INT, group: 'server',
    doc: 'Delivery reports all v3 streams together may hold unsent; past it every stream over its fair share stops reading records until its client reads.',
  },
  'http.allowed.hosts': {
    type: 'string', default: '', group: 'server',
    doc: 'Host names (comma-separated) clients may send in the Host header besides IP addresses, localhost and the hosts of advertised.listeners; * for any. Empty: any name when host is not a loopback address, none other when it is (a server on 127.0.0.1 refuses other names with 421: DNS rebinding).',
  },
  'log.level': {
    type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], group: 'server',
    doc: 'Level of the structured (pino) log written to stdout.',
  },
  // ---- topics -----------------------------------------------------------------------------------------------
  'auto.create.topics.enable': {
    type: 'boolean', default: true, group: 'topics',
    doc: 'Produce to a missing topic creates it with num.partitions partitions. When false, such a produce fails at once with 404/40401.',
  },
  'num.partitions': {
    type: 'int', default: 1, min: 1, max: 10000, group: 'topics',
    doc: 'Partition count of auto-created topics and of topics created without partitions_count.',
  },
  'partitions.max': {
    type: 'int', default: 2000, min: 1, max: 1000000, group: 'topics',
    doc: 'Most partitions on this server, internal topics included; a create or produce that would add more gets 400/40002. Each partition keeps three files open: keep it below a third of the open-file limit (ulimit -n).',
  },
  'default.replication.factor': {
    type: 'int', default: 1, min: 1, max: 1, group: 'topics',
    doc: 'Replication factor reported for topics. krest is a single broker, so 1 is the only valid value.',
  },
  // ---- log (broker-level defaults of the per-topic configs) -------------------------------------------------
  'log.segment.bytes': {
    type: 'int', default: 1024 * 1024 * 1024, min: 14, max: 2147483647, group: 'log',
    doc: 'Default segment.bytes: a segment is rolled when it reaches this size.',
  },
  'log.roll.ms': {
    type: 'int', default: 7 * 24 * 3600 * 1000, min: 1, max: MAX_INT, group: 'log',
    doc: 'Default segment.ms: a segment older than this is rolled at the next append.',
  },
  'log.retention.ms': {
    type: 'int', default: 7 * 24 * 3600 * 1000, min: -1, max: MAX_INT, group: 'log',
    doc: 'Default retention.ms: closed segments older than this are deleted. -1 keeps data forever.',
  },
  'log.retention.bytes': {
    type: 'int', default: -1, min: -1, max: MAX_INT, group: 'log',
    doc: 'Default retention.bytes: per partition, oldest closed segments are deleted beyond this size. -1 means no limit.',
  },
  'log.cleanup.policy': {
    type: 'enum', default: 'delete', values: ['delete', 'compact', 'compact,delete'], group: 'log',
    doc: 'Default cleanup.policy of new topics.',
  },
  'message.max.bytes': {
    type: 'int', default: 1048588, min: 0, max: 2147483647, group: 'log',
    doc: 'Default max.message.bytes: largest record batch a partition accepts; a larger record gets 413.',
  },
  'log.flush.interval.ms': {
    type: 'int', default: 0, min: 0, max: MAX_INT, group: 'log',
    doc: 'Default flush.ms. 0: fsync before acknowledging (group commit; no acknowledged record is lost on power loss). N > 0: acknowledge after the page-cache write and fsync at least every N ms.',
  },
  'log.index.interval.bytes': {
    type: 'int', default: 4096, min: 0, max: 2147483647, group: 'log',
    doc: 'Default index.interval.bytes: bytes between entries of the sparse offset index.',
  },
  'log.message.timestamp.type': {
    type: 'enum', default: 'CreateTime', values: ['CreateTime', 'LogAppendTime'], group: 'log',
    doc: 'Default message.timestamp.type: keep the producer\'s timestamp, or stamp records with the append time.',
  },
  'log.cleaner.delete.retention.ms': {
    type: 'int', default: 24 * 3600 * 1000, min: 0, max: MAX_INT, group: 'log',
    doc: 'Default delete.retention.ms: how long compaction keeps tombstones.',
  },
  'log.cleaner.min.cleanable.ratio': {
    type: 'string', default: '0.5', group: 'log',
    doc: 'Default min.cleanable.dirty.ratio of compacted topics (a number between 0 and 1).',
  },
  'log.max.open.segments': {
    type: 'int', default: 0, min: 0, max: MAX_INT, group: 'log',
    doc: 'How many sealed segments may have their log file open at once; the least recently read are closed beyond it. 0: half the process\'s open-file limit (ulimit -n), at least 16.',
  },
  'log.damage.policy': {
    type: 'enum', default: 'start', values: ['start', 'refuse'], group: 'log',
    doc: 'What start-up does with damage it will not repair (a corrupt batch in the middle of a log, missing offsets, unreadable topic metadata): start quarantines it (a copy under <data.dir>/.quarantine, the rest served, reads of damaged offsets refused, listed by /ready), refuse does not start.',
  },
  'log.retention.check.interval.ms': {
    type: 'int', default: 5 * 60 * 1000, min: 1, max: MAX_INT, group: 'log',
    doc: 'How often the retention cleaner looks for segments to delete.',
  },
  // ---- consumer (HTTP consumer instances) -------------------------------------------------------------------
  'consumer.instance.timeout.ms': {
    type: 'int', default: 300000, min: 1, max: MAX_INT, group: 'consumer', envAliases: ['KAFKA_REST_CONSUMER_INSTANCE_TIMEOUT_MS'],
    doc: 'Idle time after which a v2 consumer instance is destroyed and leaves its group.',
  },
  'consumer.request.timeout.ms': {
    type: 'int', default: 1000, min: 0, max: MAX_INT, group: 'consumer', envAliases: ['KAFKA_REST_CONSUMER_REQUEST_TIMEOUT_MS'],
    doc: 'Longest time a records GET waits for data; also caps its ?timeout parameter.',
  },
  'consumer.request.max.bytes': {
    type: 'int', default: 64 * 1024 * 1024, min: 1, max: MAX_INT, group: 'consumer', envAliases: ['KAFKA_REST_CONSUMER_REQUEST_MAX_BYTES'],
    doc: 'Largest key + value bytes in one records response; caps ?max_bytes.',
  },
  'fetch.min.bytes': {
    type: 'int', default: 1, min: -1, max: 10000000, group: 'consumer', envAliases: ['KAFKA_REST_FETCH_MIN_BYTES'],
    doc: 'A records GET returns as soon as this many bytes are available (krest default 1: return as soon as there is data).',
  },
  'offsets.topic.num.partitions': {
    type: 'int', default: 50, min: 1, max: 1000, group: 'consumer',
    doc: 'Partitions of the internal compacted topic __consumer_offsets holding committed offsets (Kafka\'s default 50). Only used when the topic is first created.',
  },
  'offsets.retention.minutes': {
    type: 'int', default: 10080, min: 1, max: MAX_INT, group: 'consumer',
    doc: 'How long a consumer group without members keeps its committed offsets, counted from when it became empty and from its last commit (Kafka\'s default 10080, 7 days); offsets committed outside any group generation expire this long after their commit. A group left without offsets disappears from listings and metrics.',
  },
  'offsets.retention.check.interval.ms': {
    type: 'int', default: 600000, min: 1, max: MAX_INT, group: 'consumer',
    doc: 'How often expired committed offsets are looked for (Kafka\'s default 600000).',
  },
  'group.min.session.timeout.ms': {
    type: 'int', default: 6000, min: 1, max: MAX_INT, group: 'consumer',
    doc: 'Smallest session timeout a Kafka client may ask for in JoinGroup; smaller gets INVALID_SESSION_TIMEOUT (Kafka\'s default 6000).',
  },
  'group.max.session.timeout.ms': {
    type: 'int', default: 1800000, min: 1, max: MAX_INT, group: 'consumer',
    doc: 'Largest session timeout a Kafka client may ask for in JoinGroup (Kafka\'s default 1800000).',
  },
  'consumer.instances.max': {
    type: 'int', default: 1000, min: 1, max: 1000000, group: 'consumer',
    doc: 'Most v2 consumer instances on this server; creating one more gets 429 until some are deleted or expire.',
  },
  'consumer.instances.per.group.max': {
    type: 'int', default: 100, min: 1, max: 1000000, group: 'consumer',
    doc: 'Most v2 consumer instances in one consumer group on this server; one more gets 429.',
  },
  'consumer.long.polls.max': {
    type: 'int', default: 1000, min: 1, max: 1000000, group: 'consumer',
    doc: 'Most records GETs waiting for data at once; one more gets 503 at once (retry later).',
  },
  // ---- Kafka protocol listener (issue 14) ------------------------------------------------------------------
  'kafka.port': {
    type: 'int', default: 9092, min: -1, max: 65535, flag: 'kafka-port', group: 'kafka',
    doc: 'TCP port of the Kafka wire-protocol listener (Kafka clients: kcat, librdkafka, kafkajs, kafka-python), on the same host. 0 picks a free port (logged at start-up); -1 turns the listener off.',
  },
  'kafka.advertised.host': {
    type: 'string', default: '', group: 'kafka',
    doc: 'Host name Kafka clients are told to connect to (Metadata). Empty: the bound host, or this machine\'s host name when host is 0.0.0.0 or ::.',
  },
  'socket.request.max.bytes': {
    type: 'int', default: 100 * 1024 * 1024, min: 1024, max: 2147483647, group: 'kafka',
    doc: 'Largest Kafka protocol request accepted, in bytes (Kafka\'s default 100 MiB); a larger frame closes the connection.',
  },
  'kafka.connection.max.inflight.requests': {
    type: 'int', default: 100, min: 1, max: 100000, group: 'kafka',
    doc: 'Requests in progress on one Kafka protocol connection before krest stops reading from it until responses are written.',
  },
  // ---- schema registry --------------------------------------------------------------------------------------
  'schema.registry.port': {
    type: 'int', default: 8081, min: -1, max: 65535, flag: 'registry-port', group: 'registry',
    doc: 'TCP port of the Schema Registry listener (Confluent\'s default is 8081), on the same host. 0 picks a free port; -1 disables the second listener (the registry API is always served on the REST port too).',
  },
  'schema.compatibility.level': {
    type: 'enum', default: 'BACKWARD', values: ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'], group: 'registry', envAliases: ['SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL'],
    doc: 'Compatibility level of subjects without their own level, until PUT /config changes it.',
  },
  'schema.max.bytes': {
    type: 'int', default: 1_000_000, min: 1024, max: 64 * 1024 * 1024, group: 'registry',
    doc: 'Largest schema the registry accepts, in bytes as stored (the schema text JSON-escaped, with its references); a larger one gets 422/42209. Keep it below the _schemas topic\'s max.message.bytes.',
  },
  // ---- operations (issue 6) ---------------------------------------------------------------------------------
  'log.format': {
    type: 'enum', default: 'auto', values: ['auto', 'json', 'pretty'], group: 'operations',
    doc: 'Log line format: json (one JSON object per line, for collectors), pretty (for people), or auto: pretty when stdout is a terminal, json otherwise (containers, pipes).',
  },
  'log.request.level': {
    type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], group: 'operations',
    doc: 'Level of the one log line written per HTTP request (method, URL, headers with credentials redacted, status, time). silent: no request lines.',
  },
  'access.control.allow.origin': {
    type: 'string', default: '', group: 'operations',
    envAliases: ['KAFKA_REST_ACCESS_CONTROL_ALLOW_ORIGIN', 'SCHEMA_REGISTRY_ACCESS_CONTROL_ALLOW_ORIGIN'],
    doc: 'CORS: comma-separated origins allowed to call the API from a browser, or * for any. Empty (the default) disables CORS.',
  },
  'access.control.allow.methods': {
    type: 'string', default: 'GET,POST,PUT,DELETE,PATCH,HEAD', group: 'operations',
    envAliases: ['KAFKA_REST_ACCESS_CONTROL_ALLOW_METHODS', 'SCHEMA_REGISTRY_ACCESS_CONTROL_ALLOW_METHODS'],
    doc: 'CORS: comma-separated methods allowed in cross-origin requests.',
  },
  'access.control.allow.headers': {
    type: 'string', default: '', group: 'operations',
    envAliases: ['KAFKA_REST_ACCESS_CONTROL_ALLOW_HEADERS', 'SCHEMA_REGISTRY_ACCESS_CONTROL_ALLOW_HEADERS'],
    doc: 'CORS: comma-separated request headers allowed in cross-origin requests. Empty: whatever the preflight asks for.',
  },
  'compression.enable': {
    type: 'boolean', default: true, group: 'operations', envAliases: ['KAFKA_REST_COMPRESSION_ENABLE'],
    doc: 'Compress responses of 1 KiB or more with gzip or deflate when the client sends Accept-Encoding.',
  },
  'metrics.partition.series.enable': {
    type: 'boolean', default: true, group: 'operations',
    doc: 'Export per-partition series on /metrics (partition offsets, per-partition consumer-group lag). Turn off when partitions are very many; per-topic and per-group sums stay.',
  },
} as const satisfies Record<string, SettingDefinition>

export type SettingName = keyof typeof settingDefinitions

type ValueOf<D> =
  D extends { type: 'int' } ? number
    : D extends { type: 'boolean' } ? boolean
      : D extends { type: 'enum', values: readonly (infer V)[] } ? V
        : string

/** The resolved configuration: one typed value per setting, keyed by its dotted name. */
export type KrestConfig = { readonly [K in SettingName]: ValueOf<(typeof settingDefinitions)[K]> }

/** `log.segment.bytes` → `KREST_LOG_SEGMENT_BYTES`. */
export function envName (name: string): string {
  return 'KREST_' + name.toUpperCase().replace(/[.-]/g, '_')
}
