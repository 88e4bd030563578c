/**
 * A group member of the embedded backend, shaped like a Kafka consumer: subscribe or assign, seek, poll,
 * commit. Positions (next offset to deliver) live here; `poll` is a long poll that reads what is there and,
 * when fewer than `minBytes` are available, waits on the owned partitions' `waitFor` (event-driven, no
 * polling loop) until data arrives, the assignment changes, the caller aborts, or the timeout passes.
 */
import type { Clock, StorageLogger } from '../backend/ports.js'
import { isKrestError, KrestError } from '../util/errors.js'
import type { TopicPartition } from './assignors.js'
import type { GroupCoordinator } from './coordinator.js'
import type { ReadCoalescer } from './read-coalescer.js'
import type { PartitionPort, StoragePort } from '../backend/ports.js'
import type {
  CommittedOffsetInfo, ConsumedRecord, ConsumerOptions, OffsetAndMetadata, OffsetResetPolicy, PollOptions,
  SubscriptionSpec, TimestampSeek,
} from './types.js'

export interface EmbeddedConsumerDeps {
  store: StoragePort
  coordinator: GroupCoordinator
  clock: Clock
  /** Shares identical concurrent reads among consumers (fan-out wake-ups); each consumer reads alone without it. */
  reads?: ReadCoalescer | undefined
  logger?: StorageLogger | undefined
}

function key (topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5000
/** Abort reason for internal wake-ups: a plain string, because abort() without one builds a DOMException (with a stack) each time. */
const WOKEN = 'woken'
/** How stale topic metadata may be when a poll starts (changes made through the backend apply at once). */
const METADATA_MAX_AGE_MS = 1000

export class EmbeddedConsumer {
  readonly groupId: string
  readonly clientId: string
  private readonly autoOffsetReset: OffsetResetPolicy
  private readonly autoCommit: boolean
  private readonly autoCommitIntervalMs: number
  private readonly assignors: ConsumerOptions['assignors']
  private readonly clientHost: string | undefined
  private readonly deps: EmbeddedConsumerDeps

  private mode: 'none' | 'subscribed' | 'assigned' = 'none'
  private spec: SubscriptionSpec | null = null
  private member = ''
  /** Owned partitions, in assignment order. */
  private owned = new Map<string, TopicPartition>()
  /** Next offset to deliver per owned partition; absent until first needed (then committed offset or reset). */
  private readonly positions = new Map<string, number>()
  /** Last offsets this consumer committed, so auto-commit writes only what changed. */
  private readonly lastCommitted = new Map<string, number>()
  private nextAutoCommitAt: number
  private rotation = 0
  /** Aborted (and replaced) whenever the assignment or positions change under a waiting poll. */
  private wake = new AbortController()
  private closed = false

  constructor (options: ConsumerOptions, deps: EmbeddedConsumerDeps) {
    this.groupId = options.groupId
    this.clientId = options.clientId
    this.autoOffsetReset = options.autoOffsetReset
    this.autoCommit = options.autoCommit
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS
    this.assignors = options.assignors
    this.clientHost = options.clientHost
    this.deps = deps
    this.nextAutoCommitAt = deps.clock.now() + this.autoCommitIntervalMs
  }

  /** Group member id once subscribed ('' before, as Kafka's). */
  get memberId (): string {
    return this.member
  }

  private ensureOpen (): void {
    if (this.closed) throw new KrestError('CLOSED', 'consumer is closed')
  }

  private notify (): void {
    const old = this.wake
    this.wake = new AbortController()
    old.abort(WOKEN)
  }

  // ---- subscription and assignment -------------------------------------------------------------------------

  async subscribe (spec: SubscriptionSpec): Promise<void> {
    this.ensureOpen()
    if (this.mode === 'assigned') {
      throw new KrestError('ILLEGAL_CONSUMER_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive.')
    }
    if ('topics' in spec && spec.topics.length === 0) {
      await this.unsubscribe()
      return
    }
    const copy: SubscriptionSpec = 'topics' in spec ? { topics: [...new Set(spec.topics)] } : { pattern: spec.pattern }
    if (this.mode === 'subscribed') {
      await this.deps.coordinator.updateSubscription(this.groupId, this.member, copy)
      this.spec = copy
      return
    }
    this.mode = 'subscribed'
    this.spec = copy
    try {
      this.member = await this.deps.coordinator.join(this.groupId, {
        clientId: this.clientId,
        clientHost: this.clientHost,
        subscription: copy,
        assignors: this.assignors ?? ['range'],
        hooks: {
          revoke: partitions => this.onRevoke(partitions),
          assign: partitions => { this.onAssign(partitions) },
        },
      })
    } catch (err) {
      this.mode = 'none'
      this.spec = null
      throw err
    }
  }

  subscription (): SubscriptionSpec | null {
    return this.spec === null ? null : ('topics' in this.spec ? { topics: [...this.spec.topics] } : { pattern: this.spec.pattern })
  }

  async unsubscribe (): Promise<void> {
    this.ensureOpen()
    if (this.mode === 'subscribed') {
      const member = this.member
      await this.deps.coordinator.leave(this.groupId, member)
      this.member = ''
    } else if (this.mode === 'assigned') {
      await this.autoCommitNow()
    }
    this.mode = 'none'
    this.spec = null
    this.owned = new Map()
    this.positions.clear()
    this.notify()
  }

  async assign (partitions: TopicPartition[]): Promise<void> {
    this.ensureOpen()
    if (this.mode === 'subscribed') {
      throw new KrestError('ILLEGAL_CONSUMER_STATE', 'Subscription to topics, partitions and pattern are mutually exclusive.')
    }
    if (partitions.length === 0) {
      await this.unsubscribe()
      return
    }
    for (const tp of partitions) this.deps.store.partition(tp.topic, tp.partition) // TOPIC/PARTITION_NOT_FOUND
    const next = new Map(partitions.map(tp => [key(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition }]))
    const dropped = [...this.owned.keys()].filter(k => !next.has(k))
    if (this.autoCommit && dropped.length > 0) await this.commitPositions(dropped)
    for (const k of dropped) this.positions.delete(k)
    this.owned = next
    this.mode = 'assigned'
    this.initPositions()
    this.notify()
  }

  /**
   * Fixes the position of newly owned partitions at once (committed offset, else the reset policy), so
   * `latest` means "from when the partition was assigned", not "from the first fetch". With `none` and no
   * commit the position stays unknown and the first poll reports it.
   */
  private initPositions (): void {
    for (const [k, tp] of this.owned) {
      if (this.positions.has(k)) continue
      try {
        this.positionOf(k, tp)
      } catch (err) {
        if (!isKrestError(err)) throw err
      }
    }
  }

  assignment (): TopicPartition[] {
    return [...this.owned.values()].map(tp => ({ ...tp }))
  }

  /** Coordinator hook: stop delivering `partitions` now, then (auto-commit) commit what was delivered. */
  private async onRevoke (partitions: TopicPartition[]): Promise<void> {
    const keys = partitions.map(tp => key(tp.topic, tp.partition))
    const toCommit: OffsetAndMetadata[] = []
    for (const k of keys) {
      const tp = this.owned.get(k)
      const pos = this.positions.get(k)
      if (tp !== undefined && pos !== undefined && this.lastCommitted.get(k) !== pos) toCommit.push({ ...tp, offset: pos })
      this.owned.delete(k)
      this.positions.delete(k)
    }
    this.notify()
    if (this.autoCommit && toCommit.length > 0) await this.commitExisting(toCommit)
  }

  private onAssign (partitions: TopicPartition[]): void {
    const next = new Map(partitions.map(tp => [key(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition }]))
    for (const k of this.positions.keys()) if (!next.has(k)) this.positions.delete(k)
    this.owned = next
    this.initPositions()
    this.notify()
  }

  // ---- positions ------------------------------------------------------------------------------------------

  private ownedOrThrow (tp: TopicPartition): string {
    const k = key(tp.topic, tp.partition)
    if (!this.owned.has(k)) {
      throw new KrestError('ILLEGAL_CONSUMER_STATE', `No current assignment for partition ${tp.topic}-${tp.partition}`)
    }
    return k
  }

  seek (tp: TopicPartition, offset: number): void {
    this.ensureOpen()
    if (!Number.isSafeInteger(offset) || offset < 0) throw new KrestError('INVALID_REQUEST', `invalid offset ${offset}`)
    const k = this.ownedOrThrow(tp)
    this.positions.set(k, offset)
    this.notify()
  }

  seekToBeginning (partitions: TopicPartition[]): void {
    this.ensureOpen()
    const keys = partitions.map(tp => this.ownedOrThrow(tp))
    partitions.forEach((tp, i) => this.positions.set(keys[i]!, this.log(tp).logStartOffset))
    this.notify()
  }

  seekToEnd (partitions: TopicPartition[]): void {
    this.ensureOpen()
    const keys = partitions.map(tp => this.ownedOrThrow(tp))
    partitions.forEach((tp, i) => this.positions.set(keys[i]!, this.log(tp).highWatermark))
    this.notify()
  }

  /** Seeks each partition to the first offset whose timestamp is ≥ the given one (the end when there is none). */
  async seekToTimestamps (entries: TimestampSeek[]): Promise<void> {
    this.ensureOpen()
    for (const e of entries) this.ownedOrThrow(e)
    const targets = await Promise.all(entries.map(async e => {
      const log = this.log(e)
      const found = await log.offsetForTimestamp(e.timestamp)
      return found === null ? log.highWatermark : found.offset
    }))
    entries.forEach((e, i) => {
      const k = key(e.topic, e.partition)
      if (this.owned.has(k)) this.positions.set(k, targets[i]!)
    })
    this.notify()
  }

  /** The next offset to deliver for an owned partition (initialising it from the committed offset or the reset policy). */
  position (tp: TopicPartition): number {
    const k = this.ownedOrThrow(tp)
    return this.positionOf(k, tp)
  }

  private log (tp: TopicPartition): PartitionPort {
    return this.deps.store.partition(tp.topic, tp.partition)
  }

  private positionOf (k: string, tp: TopicPartition): number {
    const known = this.positions.get(k)
    if (known !== undefined) return known
    const log = this.log(tp)
    const committed = this.deps.coordinator.offsets.committed(this.groupId, tp.topic, tp.partition)
    let pos: number
    if (committed !== undefined && committed.offset >= log.logStartOffset && committed.offset <= log.highWatermark) {
      pos = committed.offset
      this.lastCommitted.set(k, pos)
    } else {
      pos = this.resetOffset(tp, log)
    }
    this.positions.set(k, pos)
    return pos
  }

  private resetOffset (tp: TopicPartition, log: PartitionPort): number {
    switch (this.autoOffsetReset) {
      case 'earliest': return log.logStartOffset
      case 'latest': return log.highWatermark
      default: throw new KrestError('NO_OFFSET_FOR_PARTITION', `Undefined offset with no reset policy for partition ${tp.topic}-${tp.partition}`)
    }
  }

  // ---- poll -------------------------------------------------------------------------------------------------

  async poll (options: PollOptions): Promise<ConsumedRecord[]> {
    this.ensureOpen()
    if (this.mode === 'none') {
      throw new KrestError('ILLEGAL_CONSUMER_STATE', 'Consumer is not subscribed to any topics or assigned any partitions')
    }
    if (this.mode === 'subscribed') await this.deps.coordinator.refreshMetadata({ maxAgeMs: METADATA_MAX_AGE_MS })
    if (this.autoCommit && this.deps.clock.now() >= this.nextAutoCommitAt) await this.autoCommitNow()

    const deadline = Date.now() + Math.max(0, options.timeoutMs)
    const maxBytes = Math.max(1, options.maxBytes)
    const out: ConsumedRecord[] = []
    /** Per partition: position when this poll started reading it, and the local read position. */
    const started = new Map<string, number>()
    const local = new Map<string, number>()
    let bytes = 0
    let full = false

    for (;;) {
      const owned = [...this.owned.entries()]
      const n = owned.length
      const first = n === 0 ? 0 : this.rotation++ % n
      for (let i = 0; i < n && !full; i++) {
        const [k, tp] = owned[(first + i) % n]!
        if (!this.owned.has(k)) continue
        let log: PartitionPort
        let pos: number
        try {
          log = this.log(tp)
          pos = local.get(k) ?? this.positionOf(k, tp)
        } catch (err) {
          if (isKrestError(err, 'TOPIC_NOT_FOUND') || isKrestError(err, 'PARTITION_NOT_FOUND')) continue
          throw err
        }
        if (!started.has(k)) started.set(k, pos)
        if (pos === log.highWatermark) continue
        if (pos > log.highWatermark || pos < log.logStartOffset) {
          if (local.has(k)) continue
          pos = this.outOfRange(k, tp, log)
          started.set(k, pos)
          if (pos >= log.highWatermark) continue
        }
        // Read this partition until it is drained or the response is full.
        while (!full && pos < log.highWatermark && this.owned.has(k)) {
          let res
          try {
            res = await (this.deps.reads === undefined ? log.read(pos, maxBytes - bytes) : this.deps.reads.read(log, pos, maxBytes - bytes))
          } catch (err) {
            if (isKrestError(err, 'OFFSET_OUT_OF_RANGE') && !local.has(k) && this.owned.has(k)) {
              const reset = this.outOfRange(k, tp, log)
              started.set(k, reset)
              break
            }
            if (isKrestError(err, 'TOPIC_NOT_FOUND') || isKrestError(err, 'PARTITION_NOT_FOUND')) break
            throw err
          }
          let next = pos
          for (const r of res.records) {
            if (r.offset < pos) continue
            const size = (r.key?.length ?? 0) + (r.value?.length ?? 0)
            if (out.length > 0 && bytes + size > maxBytes) { full = true; break }
            out.push({ topic: tp.topic, partition: tp.partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })
            bytes += size
            next = r.offset + 1
            if (bytes >= maxBytes) { full = true; break }
          }
          if (!full && res.nextOffset > next) next = res.nextOffset // gaps (compaction, control batches)
          local.set(k, next)
          if (next <= pos) break
          pos = next
        }
      }
      if (full || options.signal?.aborted === true) break
      if (options.minBytes === 0) break
      if (options.minBytes > 0 && out.length > 0 && (bytes >= options.minBytes || options.minBytes <= 1)) break
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      await this.waitForData(local, remaining, options.signal)
      if (this.closed) break
    }
    return this.deliver(out, started, local)
  }

  private outOfRange (k: string, tp: TopicPartition, log: PartitionPort): number {
    const pos = this.resetOffset(tp, log)
    this.positions.set(k, pos)
    return pos
  }

  /** Keeps only records of partitions still owned at an unchanged position, and advances those positions. */
  private deliver (out: ConsumedRecord[], started: Map<string, number>, local: Map<string, number>): ConsumedRecord[] {
    const ok = new Set<string>()
    for (const [k, from] of started) {
      if (this.owned.has(k) && this.positions.get(k) === from) ok.add(k)
    }
    for (const k of ok) {
      const to = local.get(k)
      if (to !== undefined) this.positions.set(k, to)
    }
    if (ok.size === started.size) return out
    return out.filter(r => ok.has(key(r.topic, r.partition)))
  }

  private async waitForData (local: Map<string, number>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return
    const ac = new AbortController()
    const wake = this.wake.signal
    const onAbort = (): void => ac.abort(WOKEN)
    wake.addEventListener('abort', onAbort, { once: true })
    signal?.addEventListener('abort', onAbort, { once: true })
    const waits: Promise<unknown>[] = []
    for (const [k, tp] of this.owned) {
      let log: PartitionPort
      try { log = this.log(tp) } catch { continue }
      const pos = local.get(k) ?? this.positions.get(k)
      if (pos === undefined) continue
      waits.push(log.waitFor(pos, timeoutMs, ac.signal).catch(() => false))
    }
    let timer: NodeJS.Timeout | undefined
    waits.push(new Promise<void>(resolve => {
      timer = setTimeout(resolve, timeoutMs)
      ac.signal.addEventListener('abort', () => resolve(), { once: true })
    }))
    try {
      await Promise.race(waits)
    } finally {
      clearTimeout(timer)
      wake.removeEventListener('abort', onAbort)
      signal?.removeEventListener('abort', onAbort)
      ac.abort(WOKEN)
    }
  }

  // ---- commits ------------------------------------------------------------------------------------------------

  /** Commits `offsets` (next offsets to read), or, without an argument, the positions of every owned partition. */
  async commit (offsets?: OffsetAndMetadata[]): Promise<void> {
    this.ensureOpen()
    let entries: OffsetAndMetadata[]
    if (offsets === undefined) {
      entries = []
      for (const [k, tp] of this.owned) {
        const pos = this.positions.get(k)
        if (pos !== undefined) entries.push({ ...tp, offset: pos })
      }
    } else {
      // As Kafka's UNKNOWN_TOPIC_OR_PARTITION: commits are for partitions that exist.
      for (const e of offsets) this.deps.store.partition(e.topic, e.partition)
      entries = offsets
    }
    await this.commitExisting(entries)
  }

  /** Commits the entries whose partition still exists (a deleted topic's positions are dropped, not committed). */
  private async commitExisting (entries: OffsetAndMetadata[]): Promise<void> {
    const existing = entries.filter(e => {
      try {
        this.deps.store.partition(e.topic, e.partition)
        return true
      } catch {
        return false
      }
    })
    await this.deps.coordinator.offsets.commit(this.groupId, existing)
    for (const e of existing) this.lastCommitted.set(key(e.topic, e.partition), e.offset)
  }

  private async commitPositions (keys: string[]): Promise<void> {
    const entries: OffsetAndMetadata[] = []
    for (const k of keys) {
      const tp = this.owned.get(k)
      const pos = this.positions.get(k)
      if (tp !== undefined && pos !== undefined && this.lastCommitted.get(k) !== pos) entries.push({ ...tp, offset: pos })
    }
    if (entries.length > 0) await this.commitExisting(entries)
  }

  private async autoCommitNow (): Promise<void> {
    this.nextAutoCommitAt = this.deps.clock.now() + this.autoCommitIntervalMs
    if (!this.autoCommit) return
    await this.commitPositions([...this.owned.keys()])
  }

  committed (partitions: TopicPartition[]): CommittedOffsetInfo[] {
    const out: CommittedOffsetInfo[] = []
    for (const tp of partitions) {
      const c = this.deps.coordinator.offsets.committed(this.groupId, tp.topic, tp.partition)
      if (c !== undefined) out.push({ topic: tp.topic, partition: tp.partition, offset: c.offset, metadata: c.metadata })
    }
    return out
  }

  /** Leaves the group (auto-commit commits what was delivered first). Safe to call twice. */
  async close (): Promise<void> {
    if (this.closed) return
    try {
      if (this.mode === 'subscribed') {
        await this.deps.coordinator.leave(this.groupId, this.member)
      } else if (this.mode === 'assigned') {
        await this.autoCommitNow()
      }
    } finally {
      this.closed = true
      this.mode = 'none'
      this.owned = new Map()
      this.positions.clear()
      this.notify()
    }
  }
}
