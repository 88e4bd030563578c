/**
 * Committed consumer offsets, durable in the internal compacted topic `__consumer_offsets` (one record per
 * group/topic/partition, Kafka's key/value layout) and kept in memory for reads. `open` replays the topic, so
 * offsets survive restarts through the same storage engine and recovery path as every other topic.
 */
import { replayPartition, type Clock, type InternalTopic, type InternalTopics } from '../backend/ports.js'
import { KrestError } from '../util/errors.js'
import {
  decodeGroupMetadataKey, decodeGroupMetadataValue, decodeOffsetKey, decodeOffsetValue, encodeGroupMetadataKey,
  encodeGroupMetadataValue, encodeOffsetKey, encodeOffsetValue, offsetsPartitionFor, type GroupMetadataValue,
} from './offset-records.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

export interface CommittedOffset {
  topic: string
  partition: number
  /** The next offset to read (last processed + 1), as Kafka stores it. */
  offset: number
  metadata: string
  commitTimestamp: number
}

export interface OffsetCommitEntry {
  topic: string
  partition: number
  offset: number
  metadata?: string | undefined
}

export interface OffsetStoreOptions {
  /** Where `__consumer_offsets` lives (the backend's internal topics). */
  internalTopics: InternalTopics
  clock: Clock
  /** `offsets.topic.num.partitions`; Kafka's default is 50. Only used when the topic is created. */
  partitions?: number
  /** Segment size of the offsets topic (Kafka: `offsets.topic.segment.bytes`, 100 MiB). */
  segmentBytes?: number
  /**
   * Whether a topic exists now. When given, committed offsets of topics that do not exist are tombstoned at open
   * (a crash between a topic's deletion and its offset tombstones must not hand them to a re-created topic).
   */
  topicExists?: (topic: string) => boolean
}

interface Entry extends CommittedOffset {
  /** Order of the commit call, so a late-acknowledged older commit never overwrites a newer one. */
  seq: number
}

function tpKey (topic: string, partition: number): string {
  return `${partition}\u0000${topic}`
}

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Entry>>()
  /** Group metadata records (type 2) replayed at open: protocol type, generation, assignor. */
  private readonly metadata = new Map<string, GroupMetadataValue>()
  private seq = 0
  private closed = false

  private constructor (
    private readonly topic: InternalTopic,
    private readonly clock: Clock,
  ) {}

  private get partitions (): number {
    return this.topic.partitions
  }

  static async open (options: OffsetStoreOptions): Promise<OffsetStore> {
    const topic = await options.internalTopics.open(OFFSETS_TOPIC, {
      partitions: options.partitions ?? 50,
      configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(options.segmentBytes ?? 100 * 1024 * 1024) },
    })
    const offsets = new OffsetStore(topic, options.clock)
    await offsets.replay()
    if (options.topicExists !== undefined) await offsets.dropOffsetsOfMissingTopics(options.topicExists)
    return offsets
  }

  /**
   * A crash between a topic's deletion and its offset tombstones leaves committed offsets of a topic that no
   * longer exists; a re-created topic of the same name would then start from them. They are tombstoned here.
   */
  private async dropOffsetsOfMissingTopics (topicExists: (topic: string) => boolean): Promise<void> {
    const gone = new Set<string>()
    for (const m of this.byGroup.values()) for (const e of m.values()) if (!topicExists(e.topic)) gone.add(e.topic)
    for (const topic of gone) await this.deleteTopic(topic)
  }

  private async replay (): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      await replayPartition(this.topic, p, r => {
        if (r.key === null) return
        let key
        try { key = decodeOffsetKey(r.key) } catch { return }
        if (key === null) {
          this.replayGroupMetadata(r.key, r.value)
          return
        }
        if (r.value === null) {
          this.remove(key.group, key.topic, key.partition)
          return
        }
        try {
          const v = decodeOffsetValue(r.value)
          this.put(key.group, { topic: key.topic, partition: key.partition, offset: v.offset, metadata: v.metadata, commitTimestamp: v.commitTimestamp, seq: ++this.seq })
        } catch { /* an unreadable value is skipped, as a tombstone would be */ }
      })
    }
  }

  private replayGroupMetadata (key: Buffer, value: Buffer | null): void {
    let group: string | null
    try { group = decodeGroupMetadataKey(key) } catch { return }
    if (group === null) return
    if (value === null) {
      this.metadata.delete(group)
      return
    }
    try { this.metadata.set(group, decodeGroupMetadataValue(value)) } catch { /* unreadable: ignored */ }
  }

  /** Durably records a group's protocol type, generation and assignor (Kafka's GroupMetadata record, no members). */
  async storeGroupMetadata (group: string, value: GroupMetadataValue): Promise<void> {
    if (this.closed) throw new KrestError('CLOSED', 'offset store is closed')
    await this.topic.append(offsetsPartitionFor(group, this.partitions),
      [{ key: encodeGroupMetadataKey(group), value: encodeGroupMetadataValue(value), timestamp: this.clock.now() }])
    this.metadata.set(group, { ...value })
  }

  /** Group metadata replayed at open (or stored since). */
  groupMetadata (): Map<string, GroupMetadataValue> {
    return new Map(this.metadata)
  }

  private put (group: string, e: Entry): void {
    let m = this.byGroup.get(group)
    if (m === undefined) this.byGroup.set(group, m = new Map())
    const k = tpKey(e.topic, e.partition)
    const old = m.get(k)
    if (old === undefined || old.seq < e.seq) m.set(k, e)
  }

  private remove (group: string, topic: string, partition: number): void {
    const m = this.byGroup.get(group)
    if (m === undefined) return
    m.delete(tpKey(topic, partition))
    if (m.size === 0) this.byGroup.delete(group)
  }

  /** Durably commits `entries` for `group` (one append, acknowledged when the storage engine says durable). */
  async commit (group: string, entries: readonly OffsetCommitEntry[]): Promise<void> {
    if (this.closed) throw new KrestError('CLOSED', 'offset store is closed')
    if (entries.length === 0) return
    const now = this.clock.now()
    const pending: Entry[] = []
    const records = entries.map(e => {
      if (!Number.isSafeInteger(e.offset) || e.offset < 0) throw new KrestError('INVALID_REQUEST', `invalid offset ${e.offset} for ${e.topic}-${e.partition}`)
      const metadata = e.metadata ?? ''
      pending.push({ topic: e.topic, partition: e.partition, offset: e.offset, metadata, commitTimestamp: now, seq: ++this.seq })
      return {
        key: encodeOffsetKey({ group, topic: e.topic, partition: e.partition }),
        value: encodeOffsetValue({ offset: e.offset, metadata, commitTimestamp: now }),
        timestamp: now,
      }
    })
    await this.topic.append(offsetsPartitionFor(group, this.partitions), records)
    for (const e of pending) this.put(group, e)
  }

  /** Writes tombstones for every committed offset of `topic` (Kafka drops a deleted topic's offsets at once). */
  async deleteTopic (topic: string): Promise<void> {
    for (const [group, m] of [...this.byGroup]) {
      const gone = [...m.values()].filter(e => e.topic === topic)
      if (gone.length === 0) continue
      const records = gone.map(e => ({ key: encodeOffsetKey({ group, topic, partition: e.partition }), value: null }))
      await this.topic.append(offsetsPartitionFor(group, this.partitions), records)
      for (const e of gone) this.remove(group, topic, e.partition)
    }
  }

  committed (group: string, topic: string, partition: number): CommittedOffset | undefined {
    const e = this.byGroup.get(group)?.get(tpKey(topic, partition))
    return e === undefined ? undefined : strip(e)
  }

  /** Every committed offset of a group, sorted by topic then partition. */
  groupOffsets (group: string): CommittedOffset[] {
    const m = this.byGroup.get(group)
    if (m === undefined) return []
    return [...m.values()].map(strip).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  /** Groups that have at least one committed offset. */
  groups (): string[] {
    return [...this.byGroup.keys()]
  }

  close (): void {
    this.closed = true
  }
}

function strip (e: Entry): CommittedOffset {
  return { topic: e.topic, partition: e.partition, offset: e.offset, metadata: e.metadata, commitTimestamp: e.commitTimestamp }
}
