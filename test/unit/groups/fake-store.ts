/**
 * In-memory stand-in for the few LogStore / PartitionLog methods the groups code calls (`TopicStoreView`),
 * used until tests can run on the real storage engine. waitFor is event-driven like the real one.
 */
import type { PartitionLogView, TopicStoreView } from '../../../src/groups/store-view.js'
import type { AppendResult, ReadResult, RecordInput, StoredRecord, TopicDescription } from '../../../src/storage/types.js'
import { KrestError } from '../../../src/util/errors.js'

export class FakePartition implements PartitionLogView {
  readonly records: StoredRecord[] = []
  logStartOffset = 0
  private waiters = new Set<() => void>()
  constructor (readonly topic: string, readonly partition: number, private readonly now: () => number) {}

  get highWatermark (): number { return this.logStartOffset + this.records.length }

  async append (records: RecordInput[]): Promise<AppendResult> {
    const base = this.highWatermark
    let maxTimestamp = -1
    for (const r of records) {
      const timestamp = r.timestamp ?? this.now()
      maxTimestamp = Math.max(maxTimestamp, timestamp)
      this.records.push({ offset: this.highWatermark, timestamp, key: r.key, value: r.value, headers: r.headers ?? [] })
    }
    for (const w of [...this.waiters]) w()
    return { baseOffset: base, lastOffset: this.highWatermark - 1, logAppendTime: -1, maxTimestamp }
  }

  async read (offset: number, maxBytes: number): Promise<ReadResult> {
    if (offset < this.logStartOffset || offset > this.highWatermark) throw new KrestError('OFFSET_OUT_OF_RANGE', `offset ${offset}`)
    const out: StoredRecord[] = []
    let bytes = 0
    for (let o = offset; o < this.highWatermark; o++) {
      const r = this.records[o - this.logStartOffset]!
      const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + 20
      if (out.length > 0 && bytes + size > maxBytes) break
      out.push(r)
      bytes += size
    }
    return { records: out, nextOffset: offset + out.length, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset }
  }

  async offsetForTimestamp (ts: number): Promise<{ offset: number, timestamp: number } | null> {
    const r = this.records.find(x => x.timestamp >= ts)
    return r === undefined ? null : { offset: r.offset, timestamp: r.timestamp }
  }

  waitFor (offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.highWatermark > offset) return Promise.resolve(true)
    return new Promise(resolve => {
      const done = (v: boolean): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        signal?.removeEventListener('abort', onAbort)
        resolve(v)
      }
      const check = (): void => { if (this.highWatermark > offset) done(true) }
      const onAbort = (): void => done(false)
      const timer = setTimeout(() => done(false), timeoutMs)
      this.waiters.add(check)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

export class FakeStore implements TopicStoreView {
  readonly topics = new Map<string, { internal: boolean, parts: FakePartition[], configs: Record<string, string> }>()
  now = (): number => Date.now()

  listTopics (): TopicDescription[] {
    return [...this.topics].map(([name, t]) => ({ name, topicId: name, partitions: t.parts.length, internal: t.internal, overrides: t.configs, config: {} as TopicDescription['config'] }))
  }

  async createTopic (name: string, options: { partitions: number, configs?: Record<string, string>, internal?: boolean }): Promise<TopicDescription> {
    if (this.topics.has(name)) throw new KrestError('TOPIC_ALREADY_EXISTS', name)
    const parts = Array.from({ length: options.partitions }, (_, p) => new FakePartition(name, p, () => this.now()))
    this.topics.set(name, { internal: options.internal ?? false, parts, configs: options.configs ?? {} })
    return this.listTopics().find(t => t.name === name)!
  }

  addPartitions (name: string, total: number): void {
    const t = this.topics.get(name)!
    while (t.parts.length < total) t.parts.push(new FakePartition(name, t.parts.length, () => this.now()))
  }

  partition (topic: string, partition: number): FakePartition {
    const t = this.topics.get(topic)
    if (t === undefined) throw new KrestError('TOPIC_NOT_FOUND', topic)
    const p = t.parts[partition]
    if (p === undefined) throw new KrestError('PARTITION_NOT_FOUND', `${topic}-${partition}`)
    return p
  }
}
