/**
 * The embedded backend's consumer-group part: builds members over the coordinator and serves group views.
 */
import type { Clock, InternalTopics, StorageLogger, StoragePort } from '../backend/ports.js'
import { GroupCoordinator } from './coordinator.js'
import { EmbeddedConsumer } from './embedded-consumer.js'
import { OffsetStore } from './offset-store.js'
import { ReadCoalescer } from './read-coalescer.js'
import type { ClassicGroupProtocol, ConsumerOptions, GroupDescription } from './types.js'

export interface EmbeddedGroupsOptions {
  store: StoragePort
  /** Where the offsets topic `__consumer_offsets` lives. */
  internalTopics: InternalTopics
  clock: Clock
  logger?: StorageLogger | undefined
  /** `offsets.topic.num.partitions` (used when the offsets topic is first created). */
  offsetsTopicPartitions?: number
  /** `group.min.session.timeout.ms` / `group.max.session.timeout.ms` (Kafka: 6000 / 1800000). */
  minSessionTimeoutMs?: number
  maxSessionTimeoutMs?: number
  /** `offsets.retention.minutes` in ms: how long empty groups keep their committed offsets (Kafka: 7 days). */
  offsetsRetentionMs?: number
  /** `offsets.retention.check.interval.ms` (Kafka: 600000); 0 turns the periodic check off. */
  offsetsRetentionCheckIntervalMs?: number
}

export interface EmbeddedGroupOffset {
  topic: string
  partition: number
  currentOffset: number
  logEndOffset: number
  /** Log end minus committed offset, never negative (the one place lag is computed). */
  lag: number
}

export class EmbeddedGroups {
  private readonly reads = new ReadCoalescer()
  private expiryTimer: NodeJS.Timeout | null = null
  private expiring: Promise<void> | null = null
  /** Kafka clients' side of the same groups (the wire protocol's group handlers call this). */
  readonly classic: ClassicGroupProtocol

  private constructor (
    readonly coordinator: GroupCoordinator,
    private readonly store: StoragePort,
    private readonly clock: Clock,
    private readonly logger: StorageLogger | undefined,
  ) {
    const c = coordinator
    this.classic = {
      joinGroup: request => c.joinGroup(request),
      syncGroup: request => c.syncGroup(request),
      heartbeat: request => c.heartbeat(request),
      leaveGroup: (groupId, members) => c.leaveGroup(groupId, members),
      commitOffsets: request => c.commitOffsets(request),
      committedOffsets: groupId => c.offsets.groupOffsets(groupId).map(o => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata })),
      describeGroup: groupId => c.describeClassic(groupId),
      listGroups: () => c.listClassic(),
      deleteGroup: groupId => c.deleteGroup(groupId),
    }
  }

  /** Creates `__consumer_offsets` when missing and replays it. */
  static async open (options: EmbeddedGroupsOptions): Promise<EmbeddedGroups> {
    const offsets = await OffsetStore.open({
      internalTopics: options.internalTopics,
      clock: options.clock,
      partitions: options.offsetsTopicPartitions,
      topicExists: topic => options.store.hasTopic(topic),
    })
    const coordinator = new GroupCoordinator({
      store: options.store,
      offsets,
      clock: options.clock,
      logger: options.logger,
      minSessionTimeoutMs: options.minSessionTimeoutMs,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs,
      offsetsRetentionMs: options.offsetsRetentionMs,
    })
    const groups = new EmbeddedGroups(coordinator, options.store, options.clock, options.logger)
    const interval = options.offsetsRetentionCheckIntervalMs ?? 600_000
    if (interval > 0) {
      groups.expiryTimer = setInterval(() => { void groups.expireOffsets() }, interval)
      groups.expiryTimer.unref()
    }
    return groups
  }

  /** One retention check (also run every `offsets.retention.check.interval.ms`); never two at once. */
  async expireOffsets (): Promise<void> {
    if (this.expiring !== null) return await this.expiring
    this.expiring = this.coordinator.expireOffsets().finally(() => { this.expiring = null })
    await this.expiring
  }

  createConsumer (options: ConsumerOptions): EmbeddedConsumer {
    return new EmbeddedConsumer(options, { store: this.store, coordinator: this.coordinator, clock: this.clock, logger: this.logger, reads: this.reads })
  }

  listGroups (): GroupDescription[] {
    return this.coordinator.listGroups()
  }

  describeGroup (groupId: string): GroupDescription | null {
    return this.coordinator.describe(groupId)
  }

  groupOffsets (groupId: string): EmbeddedGroupOffset[] {
    const out: EmbeddedGroupOffset[] = []
    for (const c of this.coordinator.offsets.groupOffsets(groupId)) {
      let logEndOffset: number
      try {
        logEndOffset = this.store.partition(c.topic, c.partition).highWatermark
      } catch {
        continue // topic or partition gone
      }
      out.push({ topic: c.topic, partition: c.partition, currentOffset: c.offset, logEndOffset, lag: Math.max(0, logEndOffset - c.offset) })
    }
    return out
  }

  /** Tell the coordinator topics changed (created, grown, deleted) so subscribed groups rebalance now. */
  async topicsChanged (): Promise<void> {
    await this.coordinator.refreshMetadata()
  }

  async close (): Promise<void> {
    if (this.expiryTimer !== null) clearInterval(this.expiryTimer)
    this.expiryTimer = null
    await this.expiring
    await this.coordinator.close()
    this.coordinator.offsets.close()
  }
}
