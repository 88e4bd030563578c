/**
 * Topic-level log configuration with Kafka's names, defaults and broker-level synonyms.
 * Values arrive as strings (as in Kafka's admin API) and are parsed and range-checked here.
 */
import { KrestError } from '../util/errors.js'
import type { CleanupPolicy, LogConfig } from './types.js'

type Kind = 'int' | 'long' | 'double' | 'boolean' | 'cleanup.policy' | 'enum' | 'throttled.replicas'

/**
 * Whether a setting changes what the embedded engine does. `applied`: it does what Kafka does. `stored`: accepted,
 * validated, persisted and reported exactly as Kafka would, with no effect on one node without replicas,
 * compression codecs or tiered storage (tools that set them at creation keep working).
 */
export type TopicConfigEffect = 'applied' | 'stored'

export interface TopicConfigDefinition {
  name: keyof LogConfig
  /** The broker-wide setting that supplies the default (Kafka's first synonym, e.g. `log.segment.bytes`); none for some. */
  brokerName: string | undefined
  kind: Kind
  default: LogConfig[keyof LogConfig]
  min?: number
  max?: number
  /** Allowed values of an `enum` setting. */
  values?: readonly string[]
  effect: TopicConfigEffect
  doc: string
}

const INT_MAX = 2147483647
const INT_MIN = -2147483648
/** Kafka's Long.MAX_VALUE default ("no limit"): kept as the nearest double and reported as Kafka writes it. */
export const LONG_MAX = 9223372036854775807
const LONG_MAX_TEXT = '9223372036854775807'
const LONG_MIN_BIG = -(2n ** 63n)
const LONG_MAX_BIG = 2n ** 63n - 1n

/** Kafka's compression codecs for `compression.type` (BrokerCompressionType). */
const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const

/**
 * Kafka's topic configs (Kafka 4.0's LogConfig, names, defaults, validators and first broker synonyms from
 * ServerTopicConfigSynonyms), in Kafka's alphabetical listing order. Where krest deviates, the doc says so:
 * `flush.ms` defaults to 0 (fsync before acknowledging), and `segment.bytes` accepts down to 14 bytes.
 */
export const TOPIC_CONFIG_DEFINITIONS: readonly TopicConfigDefinition[] = [
  { name: 'cleanup.policy', brokerName: 'log.cleanup.policy', kind: 'cleanup.policy', default: 'delete', effect: 'applied', doc: 'delete: old segments are removed by retention.ms / retention.bytes; compact: keep the newest record per key; or both.' },
  { name: 'compression.gzip.level', brokerName: 'compression.gzip.level', kind: 'int', default: -1, min: -1, max: 9, effect: 'stored', doc: 'gzip level for compression.type=gzip (-1: the codec\'s default, else 1–9). krest stores batches as produced: no effect.' },
  { name: 'compression.lz4.level', brokerName: 'compression.lz4.level', kind: 'int', default: 9, min: 1, max: 17, effect: 'stored', doc: 'lz4 level for compression.type=lz4. No effect (batches are stored as produced).' },
  { name: 'compression.type', brokerName: 'compression.type', kind: 'enum', values: COMPRESSION_TYPES, default: 'producer', effect: 'stored', doc: 'Codec the broker re-compresses batches with; producer keeps the producer\'s. krest always keeps batches as produced (producer): no effect.' },
  { name: 'compression.zstd.level', brokerName: 'compression.zstd.level', kind: 'int', default: 3, min: -131072, max: 22, effect: 'stored', doc: 'zstd level for compression.type=zstd. No effect (batches are stored as produced).' },
  { name: 'delete.retention.ms', brokerName: 'log.cleaner.delete.retention.ms', kind: 'long', default: 86_400_000, min: 0, effect: 'applied', doc: 'How long tombstones are kept on compacted topics.' },
  { name: 'file.delete.delay.ms', brokerName: 'log.segment.delete.delay.ms', kind: 'long', default: 60_000, min: 0, effect: 'stored', doc: 'Delay before a deleted segment\'s files are removed from disk. krest removes them at once: no effect yet.' },
  { name: 'flush.messages', brokerName: 'log.flush.interval.messages', kind: 'long', default: LONG_MAX, min: 1, effect: 'stored', doc: 'Records between forced fsyncs. krest\'s flush policy is flush.ms (0: fsync every append before acknowledging): no effect.' },
  { name: 'flush.ms', brokerName: 'log.flush.interval.ms', kind: 'long', default: 0, min: 0, effect: 'applied', doc: '0: fsync before acknowledging a produce (group commit; survives power loss). N > 0: acknowledge after the page-cache write and fsync at least every N ms (a power loss can drop up to N ms of acknowledged records; kill -9 loses nothing). Kafka\'s default is Long.MAX (the OS flushes).' },
  { name: 'follower.replication.throttled.replicas', brokerName: undefined, kind: 'throttled.replicas', default: '', effect: 'stored', doc: 'Replicas whose follower replication is throttled ("partition:broker,…" or "*"). One node has no followers: no effect.' },
  { name: 'index.interval.bytes', brokerName: 'log.index.interval.bytes', kind: 'int', default: 4096, min: 0, max: INT_MAX, effect: 'applied', doc: 'Bytes between offset-index entries.' },
  { name: 'leader.replication.throttled.replicas', brokerName: undefined, kind: 'throttled.replicas', default: '', effect: 'stored', doc: 'Replicas whose leader-side replication is throttled ("partition:broker,…" or "*"). One node replicates nothing: no effect.' },
  { name: 'local.retention.bytes', brokerName: 'log.local.retention.bytes', kind: 'long', default: -2, min: -2, effect: 'stored', doc: 'Local size limit when tiered storage is on (-2: retention.bytes). krest has no tiered storage: no effect.' },
  { name: 'local.retention.ms', brokerName: 'log.local.retention.ms', kind: 'long', default: -2, min: -2, effect: 'stored', doc: 'Local age limit when tiered storage is on (-2: retention.ms). krest has no tiered storage: no effect.' },
  { name: 'max.compaction.lag.ms', brokerName: 'log.cleaner.max.compaction.lag.ms', kind: 'long', default: LONG_MAX, min: 1, effect: 'applied', doc: 'Longest time a record may stay uncompacted: a dirty segment whose first record is older makes the log cleanable whatever min.cleanable.dirty.ratio says.' },
  { name: 'max.message.bytes', brokerName: 'message.max.bytes', kind: 'int', default: 1_048_588, min: 0, max: INT_MAX, effect: 'applied', doc: 'Largest record batch (one produce request\'s records for a partition) the log accepts.' },
  { name: 'message.timestamp.after.max.ms', brokerName: 'log.message.timestamp.after.max.ms', kind: 'long', default: 3_600_000, min: 0, effect: 'applied', doc: 'How far in the future (after the broker\'s clock) a CreateTime timestamp may be; a record further ahead is refused (INVALID_TIMESTAMP). Ignored under LogAppendTime.' },
  { name: 'message.timestamp.before.max.ms', brokerName: 'log.message.timestamp.before.max.ms', kind: 'long', default: LONG_MAX, min: 0, effect: 'applied', doc: 'How far in the past (before the broker\'s clock) a CreateTime timestamp may be; an older record is refused (INVALID_TIMESTAMP). Ignored under LogAppendTime.' },
  { name: 'message.timestamp.type', brokerName: 'log.message.timestamp.type', kind: 'enum', values: ['CreateTime', 'LogAppendTime'], default: 'CreateTime', effect: 'applied', doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps records with the broker\'s clock.' },
  { name: 'min.cleanable.dirty.ratio', brokerName: 'log.cleaner.min.cleanable.ratio', kind: 'double', default: 0.5, min: 0, max: 1, effect: 'applied', doc: 'Share of uncompacted bytes that triggers compaction.' },
  { name: 'min.compaction.lag.ms', brokerName: 'log.cleaner.min.compaction.lag.ms', kind: 'long', default: 0, min: 0, effect: 'applied', doc: 'Shortest time a record stays uncompacted: compaction stops at the first segment holding a younger record (not above max.compaction.lag.ms).' },
  { name: 'min.insync.replicas', brokerName: 'min.insync.replicas', kind: 'int', default: 1, min: 1, max: INT_MAX, effect: 'stored', doc: 'In-sync replicas an acks=all write needs. One node has one replica, always in sync: no effect.' },
  { name: 'preallocate', brokerName: 'log.preallocate', kind: 'boolean', default: false, effect: 'stored', doc: 'Preallocate segment files on disk. No effect.' },
  { name: 'remote.log.copy.disable', brokerName: undefined, kind: 'boolean', default: false, effect: 'stored', doc: 'Tiered storage: stop copying to remote storage. No effect (no tiered storage).' },
  { name: 'remote.log.delete.on.disable', brokerName: undefined, kind: 'boolean', default: false, effect: 'stored', doc: 'Tiered storage: delete remote data when it is turned off. No effect (no tiered storage).' },
  { name: 'remote.storage.enable', brokerName: undefined, kind: 'boolean', default: false, effect: 'stored', doc: 'Tiered storage for the topic. No effect (krest has none).' },
  { name: 'retention.bytes', brokerName: 'log.retention.bytes', kind: 'long', default: -1, effect: 'applied', doc: 'Per-partition size limit before old segments are deleted; negative: none.' },
  { name: 'retention.ms', brokerName: 'log.retention.ms', kind: 'long', default: 604_800_000, min: -1, effect: 'applied', doc: 'Age (by record timestamp) after which closed segments are deleted; -1: forever.' },
  { name: 'segment.bytes', brokerName: 'log.segment.bytes', kind: 'int', default: 1_073_741_824, min: 14, max: INT_MAX, effect: 'applied', doc: 'Segment file size at which the log rolls a new segment (Kafka 4 requires at least 1 MiB; krest accepts down to 14 bytes).' },
  { name: 'segment.index.bytes', brokerName: 'log.index.size.max.bytes', kind: 'int', default: 10_485_760, min: 4, max: INT_MAX, effect: 'applied', doc: 'Largest index of a segment: the log rolls a new segment when the offset index (8 bytes an entry) or the time index (12 bytes) would exceed it.' },
  { name: 'segment.jitter.ms', brokerName: 'log.roll.jitter.ms', kind: 'long', default: 0, min: 0, effect: 'stored', doc: 'Random jitter subtracted from segment.ms. No effect.' },
  { name: 'segment.ms', brokerName: 'log.roll.ms', kind: 'long', default: 604_800_000, min: 1, effect: 'applied', doc: 'Segment age at which the log rolls a new segment.' },
  { name: 'unclean.leader.election.enable', brokerName: 'unclean.leader.election.enable', kind: 'boolean', default: false, effect: 'stored', doc: 'Let an out-of-sync replica become leader. One node is always the leader: no effect.' },
]

const BY_NAME = new Map<string, TopicConfigDefinition>(TOPIC_CONFIG_DEFINITIONS.map(d => [d.name, d]))

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(
  Object.fromEntries(TOPIC_CONFIG_DEFINITIONS.map(d => [d.name, d.default])) as unknown as LogConfig,
)

export function isTopicConfigName (name: string): name is keyof LogConfig {
  return BY_NAME.has(name)
}

/** A config value as Kafka reports it: `Long.MAX_VALUE` spelled out, booleans and numbers as their text. */
export function configValueText (value: LogConfig[keyof LogConfig]): string {
  if (typeof value === 'number' && value >= LONG_MAX) return LONG_MAX_TEXT
  return String(value)
}

function invalid (name: string, value: string, why: string): KrestError {
  return new KrestError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for configuration ${name}: ${why}`)
}

/** Kafka's ThrottledReplicaListValidator: empty, `*`, or `partition:broker` pairs. */
const THROTTLED_REPLICAS = /^(\*|\d+:\d+(,\d+:\d+)*)?$/

/** Parses one config value given as a string; throws INVALID_CONFIG with a message naming it. */
export function parseTopicConfigValue (name: string, value: string): LogConfig[keyof LogConfig] {
  const def = BY_NAME.get(name)
  if (def === undefined) throw new KrestError('INVALID_CONFIG', `Unknown topic config name: ${name}`)
  const text = String(value).trim()
  switch (def.kind) {
    case 'cleanup.policy': {
      const parts = text.split(',').map(s => s.trim()).filter(s => s !== '')
      const set = new Set(parts)
      if (parts.length === 0 || [...set].some(p => p !== 'delete' && p !== 'compact')) throw invalid(name, value, 'expected delete, compact or compact,delete')
      return (set.size === 2 ? 'compact,delete' : parts[0]) as CleanupPolicy
    }
    case 'enum':
      if (!(def.values ?? []).includes(text)) throw invalid(name, value, `expected one of ${(def.values ?? []).join(', ')}`)
      return text as LogConfig[keyof LogConfig]
    case 'boolean': {
      const lower = text.toLowerCase()
      if (lower !== 'true' && lower !== 'false') throw invalid(name, value, 'expected true or false')
      return lower === 'true'
    }
    case 'throttled.replicas': {
      const list = text.split(',').map(s => s.trim()).join(',')
      if (!THROTTLED_REPLICAS.test(list)) throw invalid(name, value, 'expected "*" or a list of partition:broker pairs')
      return list
    }
    case 'long': {
      if (!/^[-+]?\d+$/.test(text)) throw invalid(name, value, 'not an integer')
      const big = BigInt(text)
      if (big < LONG_MIN_BIG || big > LONG_MAX_BIG) throw invalid(name, value, 'out of the range of a 64-bit integer')
      if (def.min !== undefined && big < BigInt(def.min)) throw invalid(name, value, `must be at least ${def.min}`)
      // Beyond 2^53 a double cannot hold the exact value; such limits mean "practically none" and are kept as Long.MAX.
      return big > BigInt(Number.MAX_SAFE_INTEGER) ? LONG_MAX : Number(big)
    }
    default: {
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw invalid(name, value, 'not a number')
      const n = Number(text)
      if (def.kind === 'int' && (!Number.isInteger(n) || n < INT_MIN || n > INT_MAX)) throw invalid(name, value, 'not a 32-bit integer')
      if (def.min !== undefined && n < def.min) throw invalid(name, value, `must be at least ${def.min}`)
      if (def.max !== undefined && n > def.max) throw invalid(name, value, `must be at most ${def.max}`)
      if (name === 'compression.gzip.level' && n === 0) throw invalid(name, value, 'expected -1 or 1–9')
      return n
    }
  }
}

/** Validates string overrides and returns them normalised (same keys, canonical string values). */
export function normaliseOverrides (overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(overrides)) {
    out[name] = configValueText(parseTopicConfigValue(name, value))
  }
  return out
}

/** The effective config: defaults, overlaid with the topic's overrides. */
export function resolveLogConfig (defaults: LogConfig, overrides: Record<string, string>): LogConfig {
  const config: LogConfig = { ...defaults }
  for (const [name, value] of Object.entries(overrides)) {
    (config as unknown as Record<string, unknown>)[name] = parseTopicConfigValue(name, value)
  }
  // Kafka's LogConfig.validateValues: the compaction lags must be ordered.
  if (config['min.compaction.lag.ms'] > config['max.compaction.lag.ms']) {
    throw new KrestError('INVALID_CONFIG', `conflict topic config setting min.compaction.lag.ms (${configValueText(config['min.compaction.lag.ms'])}) > max.compaction.lag.ms (${configValueText(config['max.compaction.lag.ms'])})`)
  }
  return config
}
