/** Config sources and resource types as the config APIs (DescribeConfigs, AlterConfigs, CreateTopics) encode them. */
import type { ConfigSource } from '../../backend/types.js'

/** ConfigResource types (org.apache.kafka.common.config.ConfigResource.Type). */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const

const SOURCE_IDS: Record<ConfigSource, number> = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
}

export function configSourceId (source: ConfigSource): number {
  return SOURCE_IDS[source]
}
