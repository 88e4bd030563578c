/**
 * Topic-level log configuration with Kafka's names, defaults and broker-level synonyms.
 * Values arrive as strings (as in Kafka's admin API) and are parsed and range-checked here.
 */
import { KrestError } from '../util/errors.js'
import type { CleanupPolicy, LogConfig, TimestampType } from './types.js'

type Kind = 'int' | 'long' | 'double' | 'cleanup.policy' | 'timestamp.type'

export interface TopicConfigDefinition {
  name: keyof LogConfig
  /** The broker-wide setting that supplies the default (e.g. `log.segment.bytes`). */
  brokerName: string
  kind: Kind
  default: LogConfig[keyof LogConfig]
  min?: number
  max?: number
  doc: string
}

const INT_MAX = 2147483647

export const TOPIC_CONFIG_DEFINITIONS: readonly TopicConfigDefinition[] = [
  { name: 'cleanup.policy', brokerName: 'log.cleanup.policy', kind: 'cleanup.policy', default: 'delete', doc: 'delete: old segments are removed by retention.ms / retention.bytes; compact: keep the newest record per key; or both.' },
  { name: 'delete.retention.ms', brokerName: 'log.cleaner.delete.retention.ms', kind: 'long', default: 86_400_000, min: 0, doc: 'How long tombstones are kept on compacted topics.' },
  { name: 'flush.ms', brokerName: 'log.flush.interval.ms', kind: 'long', default: 0, min: 0, doc: '0: fsync before acknowledging a produce (group commit; survives power loss). N > 0: acknowledge after the page-cache write and fsync at least every N ms (a power loss can drop up to N ms of acknowledged records; kill -9 loses nothing).' },
  { name: 'index.interval.bytes', brokerName: 'log.index.interval.bytes', kind: 'int', default: 4096, min: 0, max: INT_MAX, doc: 'Bytes between offset-index entries.' },
  { name: 'max.message.bytes', brokerName: 'message.max.bytes', kind: 'int', default: 1_048_588, min: 0, max: INT_MAX, doc: 'Largest record batch (one produce request\'s records for a partition) the log accepts.' },
  { name: 'message.timestamp.type', brokerName: 'log.message.timestamp.type', kind: 'timestamp.type', default: 'CreateTime', doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps records with the broker\'s clock.' },
  { name: 'min.cleanable.dirty.ratio', brokerName: 'log.cleaner.min.cleanable.ratio', kind: 'double', default: 0.5, min: 0, max: 1, doc: 'Share of uncompacted bytes that triggers compaction.' },
  { name: 'retention.bytes', brokerName: 'log.retention.bytes', kind: 'long', default: -1, min: -1, doc: 'Per-partition size limit before old segments are deleted; -1: none.' },
  { name: 'retention.ms', brokerName: 'log.retention.ms', kind: 'long', default: 604_800_000, min: -1, doc: 'Age (by record timestamp) after which closed segments are deleted; -1: forever.' },
  { name: 'segment.bytes', brokerName: 'log.segment.bytes', kind: 'int', default: 1_073_741_824, min: 14, max: INT_MAX, doc: 'Segment file size at which the log rolls a new segment.' },
  { name: 'segment.ms', brokerName: 'log.roll.ms', kind: 'long', default: 604_800_000, min: 1, doc: 'Segment age at which the log rolls a new segment.' },
]

const BY_NAME = new Map<string, TopicConfigDefinition>(TOPIC_CONFIG_DEFINITIONS.map(d => [d.name, d]))

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze(
  Object.fromEntries(TOPIC_CONFIG_DEFINITIONS.map(d => [d.name, d.default])) as unknown as LogConfig,
)

export function isTopicConfigName (name: string): name is keyof LogConfig {
  return BY_NAME.has(name)
}

function invalid (name: string, value: string, why: string): KrestError {
  return new KrestError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for configuration ${name}: ${why}`)
}

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
    case 'timestamp.type':
      if (text !== 'CreateTime' && text !== 'LogAppendTime') throw invalid(name, value, 'expected CreateTime or LogAppendTime')
      return text as TimestampType
    default: {
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw invalid(name, value, 'not a number')
      const n = Number(text)
      if ((def.kind === 'int' || def.kind === 'long') && !Number.isSafeInteger(n)) throw invalid(name, value, 'not an integer')
      if (def.min !== undefined && n < def.min) throw invalid(name, value, `must be at least ${def.min}`)
      if (def.max !== undefined && n > def.max) throw invalid(name, value, `must be at most ${def.max}`)
      return n
    }
  }
}

/** Validates string overrides and returns them normalised (same keys, canonical string values). */
export function normaliseOverrides (overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(overrides)) {
    out[name] = String(parseTopicConfigValue(name, value))
  }
  return out
}

/** The effective config: defaults, overlaid with the topic's overrides. */
export function resolveLogConfig (defaults: LogConfig, overrides: Record<string, string>): LogConfig {
  const config: LogConfig = { ...defaults }
  for (const [name, value] of Object.entries(overrides)) {
    (config as unknown as Record<string, unknown>)[name] = parseTopicConfigValue(name, value)
  }
  return config
}
