import { DEFAULT_LOG_CONFIG } from '../storage/log-config.js'
import type { LogConfig } from '../storage/types.js'
import type { KrestConfig } from './settings.js'

/**
 * Broker-level `log.*` settings → the storage engine's per-topic defaults (Kafka's topic-level names). Topic
 * configs without a krest broker setting keep Kafka's default.
 */
export function logDefaultsFromConfig (config: KrestConfig): LogConfig {
  return {
    ...DEFAULT_LOG_CONFIG,
    'cleanup.policy': config['log.cleanup.policy'],
    'segment.bytes': config['log.segment.bytes'],
    'segment.ms': config['log.roll.ms'],
    'retention.ms': config['log.retention.ms'],
    'retention.bytes': config['log.retention.bytes'],
    'max.message.bytes': config['message.max.bytes'],
    'flush.ms': config['log.flush.interval.ms'],
    'index.interval.bytes': config['log.index.interval.bytes'],
    'message.timestamp.type': config['log.message.timestamp.type'],
    'delete.retention.ms': config['log.cleaner.delete.retention.ms'],
    'min.cleanable.dirty.ratio': Number(config['log.cleaner.min.cleanable.ratio']),
  }
}
