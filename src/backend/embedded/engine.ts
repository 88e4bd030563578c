/**
 * The embedded engine in one call: krest's own storage engine, the consumer groups over it, the Backend adapter
 * and the internal topics the registry journal and the offset store live in. The composition root
 * (`gateway.ts`) opens it and never wires its parts together itself.
 */
import { LogStore, Partitioner } from '../../storage/index.js'
import type { DamageReport, LogStoreOptions } from '../../storage/index.js'
import type { PartitionState, StorageProbe } from '../../storage/types.js'
import { EmbeddedGroups } from '../../groups/embedded-groups.js'
import type { Clock, InternalTopics, LogConfig, StorageLogger } from '../ports.js'
import { EmbeddedBackend } from './embedded-backend.js'
import { storageInternalTopics } from './internal-topics.js'

export interface EmbeddedEngineOptions {
  dataDir: string
  /** Broker-level log defaults (`log.segment.bytes` …) under Kafka's topic-level names. */
  logDefaults: LogConfig
  clock: Clock
  logger?: StorageLogger
  probe?: StorageProbe
  /** `log.retention.check.interval.ms` */
  retentionCheckIntervalMs?: number
  /** `log.max.open.segments` (0 or undefined: derived from the open-file limit). */
  maxOpenSegmentFiles?: number
  /** `log.damage.policy`: start with damage quarantined (default) or refuse. */
  damagePolicy?: 'start' | 'refuse'
  /** `offsets.topic.num.partitions` (used when `__consumer_offsets` is first created). */
  offsetsTopicPartitions?: number
  /** `auto.create.topics.enable` */
  autoCreateTopics: boolean
  /** `num.partitions` */
  defaultPartitions: number
  /** `partitions.max` */
  maxPartitions?: number
  /** `default.replication.factor` (must be 1) */
  defaultReplicationFactor: number
  /** Where the one broker can be reached (known once the listener is bound). */
  endpoint: () => { host: string | null, port: number | null }
  /** Opens the storage engine (default `LogStore.open`); tests wrap it to hold recovery open. */
  openStore?: (options: LogStoreOptions) => Promise<LogStore>
  /** Told as each part finishes opening (readiness and metrics follow the engine's start-up this way). */
  onOpened?: {
    storage?: (logs: EmbeddedLogState) => void
    groups?: (groups: EmbeddedGroups) => void
  }
}

/** What telemetry and start-up logging may see of the storage engine. */
export interface EmbeddedLogState {
  partitionStates (): PartitionState[]
  readonly recoveredFromCleanShutdown: boolean
  /** What start-up quarantined (empty for a healthy data directory). */
  readonly damage: readonly DamageReport[]
}

export interface EmbeddedEngine {
  readonly backend: EmbeddedBackend
  /** Where `_schemas` (and any other internal state of krest's modules) lives. */
  readonly internalTopics: InternalTopics
  readonly logs: EmbeddedLogState
  readonly groups: EmbeddedGroups
  /** Stops the backend (in-flight produces finish), the groups, then flushes and closes storage. Safe to call twice. */
  close (): Promise<void>
}

export async function openEmbeddedEngine (options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
  const store = await (options.openStore ?? (o => LogStore.open(o)))({
    dataDir: options.dataDir,
    defaults: options.logDefaults,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.probe === undefined ? {} : { probe: options.probe }),
    ...(options.retentionCheckIntervalMs === undefined ? {} : { retentionCheckIntervalMs: options.retentionCheckIntervalMs }),
    ...(options.damagePolicy === undefined ? {} : { damagePolicy: options.damagePolicy }),
    ...(options.maxOpenSegmentFiles === undefined || options.maxOpenSegmentFiles === 0 ? {} : { maxOpenSegmentFiles: options.maxOpenSegmentFiles }),
  })
  options.onOpened?.storage?.(store)
  const internalTopics = storageInternalTopics(store)
  let groups: EmbeddedGroups
  try {
    // replays committed offsets from `__consumer_offsets` before anything is served
    groups = await EmbeddedGroups.open({ store, internalTopics, clock: options.clock, logger: options.logger, offsetsTopicPartitions: options.offsetsTopicPartitions })
  } catch (err) {
    await store.close()
    throw err
  }
  options.onOpened?.groups?.(groups)
  let backend: EmbeddedBackend
  try {
    backend = new EmbeddedBackend({
      store,
      groups,
      partitioner: new Partitioner(),
      autoCreateTopics: options.autoCreateTopics,
      defaultPartitions: options.defaultPartitions,
      ...(options.maxPartitions === undefined ? {} : { maxPartitions: options.maxPartitions }),
      defaultReplicationFactor: options.defaultReplicationFactor,
      endpoint: options.endpoint,
      clock: options.clock,
    })
  } catch (err) {
    await groups.close().catch(() => undefined)
    await store.close()
    throw err
  }
  let closing: Promise<void> | undefined
  return {
    backend,
    internalTopics,
    logs: store,
    groups,
    close () {
      closing ??= (async () => {
        try {
          await backend.close()
          await groups.close()
        } finally {
          await store.close()
        }
      })()
      return closing
    },
  }
}
