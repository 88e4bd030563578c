/**
 * A partition's log: ordered segments, the write path with group commit, reads by offset and timestamp,
 * event-driven waits for new data, roll, retention and compaction.
 *
 * One writer: appends queue up and are written by a single drain loop; everything that changes the segment list
 * (roll, retention, compaction) runs under the same mutex. Readers take no lock: they work on a snapshot of the
 * segment list and hold a reference on the segment they read.
 *
 * Why one file of ~640 lines: the write path, roll, retention and compaction share the segment list, the mutex,
 * the commit chain and the high watermark, and each must see the others' invariants (a segment is only deleted
 * once fully durable, a swap is only made under the writer's mutex); loading (log-loader.ts), segments and
 * their indexes (segment.ts, sparse-index.ts) and compaction's rewrite (compactor.ts) are already out.
 */
import { mkdir } from 'node:fs/promises'
import { batchMaxTimestampAt, decodeBatchInto, encodeRecordBatch, stampBaseOffset, type DecodedRecord } from '../codec/record-batch.js'
import { KrestError } from '../util/errors.js'
import { compactSegments } from './compactor.js'
import type { DamageReport, MissingRange } from './damage.js'
import { StorageError, ioError } from './errors.js'
import { fsyncDir } from './fs-util.js'
import { loadSegments } from './log-loader.js'
import type { OpenSegmentFiles } from './open-files.js'
import { Segment, type SegmentBatch, type SegmentOptions, type SegmentRead } from './segment.js'
import { SerialQueue } from '../util/serial-queue.js'
import type {
  AppendResult, Clock, LogConfig, PartitionState, RawReadResult, ReadResult, RecordInput, StorageLogger, StorageProbe,
} from './types.js'

interface PendingAppend extends SegmentBatch {
  count: number
  resolve: (result: AppendResult) => void
  reject: (err: unknown) => void
}

interface Waiter {
  offset: number
  resolve: (ready: boolean) => void
}

export interface PartitionLogOptions {
  dir: string
  topic: string
  partition: number
  config: LogConfig
  clock: Clock
  logger?: StorageLogger
  probe?: StorageProbe
  /** Verify each batch's CRC32C when reading (default true). */
  verifyReads?: boolean
  /** The store-wide bound on open sealed-segment files. */
  openFiles?: OpenSegmentFiles | undefined
}

const MAX_SAFE_OFFSET = Number.MAX_SAFE_INTEGER - 2 ** 31

export class PartitionLog {
  readonly topic: string
  readonly partition: number
  readonly dir: string
  private config: LogConfig
  private readonly clock: Clock
  private readonly logger: StorageLogger | undefined
  private readonly probe: StorageProbe | undefined
  private readonly verifyReads: boolean
  private readonly openFiles: OpenSegmentFiles | undefined
  private segments: Segment[] = []
  private nextOffset = 0
  private hw = 0
  private pending: PendingAppend[] = []
  private draining: Promise<void> | undefined
  private readonly mutex = new SerialQueue()
  private readonly waiters = new Set<Waiter>()
  private dirty = false
  /** Acknowledgements wait here for the fsync that covers them, in write order. */
  private commitChain: Promise<void> = Promise.resolve()
  /** Bumped when an fsync fails: groups written before that are rejected. */
  private writeEpoch = 0
  private writeFailed = false
  private flushTimer: NodeJS.Timeout | undefined
  private closed = false
  /** Offsets that cannot be served (damage found at start-up); reads there fail instead of skipping them. */
  private missing: MissingRange[] = []
  /** What start-up found damaged in this partition (quarantined, never deleted). */
  damage: readonly DamageReport[] = []
  /** Offsets below this have been compacted already (in-memory: a restart compacts once more). */
  private cleanedUpTo = 0

  private constructor (options: PartitionLogOptions) {
    this.topic = options.topic
    this.partition = options.partition
    this.dir = options.dir
    this.config = options.config
    this.clock = options.clock
    this.logger = options.logger
    this.probe = options.probe
    this.verifyReads = options.verifyReads ?? true
    this.openFiles = options.openFiles
  }

  /** Creates the directory and first segment of a new partition. */
  static async create (options: PartitionLogOptions): Promise<PartitionLog> {
    await mkdir(options.dir, { recursive: true })
    const log = new PartitionLog(options)
    log.segments.push(await Segment.create(options.dir, 0, log.segmentOptions(), options.clock.now()))
    await fsyncDir(options.dir)
    log.startFlushTimer()
    return log
  }

  /** Opens an existing partition through the log loader (recovery passes: see log-loader.ts). */
  static async open (options: PartitionLogOptions & { dataDir: string, clean: boolean, recoveryPoint: number }): Promise<PartitionLog> {
    const log = new PartitionLog(options)
    const loaded = await loadSegments({ ...options, segmentOptions: log.segmentOptions(), compacted: options.config['cleanup.policy'].includes('compact') })
    log.segments = loaded.segments
    log.missing = loaded.missing
    log.damage = loaded.damage
    if (log.segments.length === 0) {
      log.segments.push(await Segment.create(options.dir, 0, log.segmentOptions(), options.clock.now()))
    }
    log.nextOffset = log.hw = log.active.nextOffset
    await fsyncDir(options.dir)
    log.startFlushTimer()
    return log
  }

  private segmentOptions (): SegmentOptions {
    return { indexInterval: this.config['index.interval.bytes'], verifyReads: this.verifyReads, openFiles: this.openFiles }
  }

  get logStartOffset (): number { return (this.segments[0] as Segment).baseOffset }
  get logEndOffset (): number { return this.hw }
  get highWatermark (): number { return this.hw }
  /** Offsets below this are in sealed, fsynced segments: recovery after a crash starts here. */
  get recoveryPoint (): number { return this.active.baseOffset }

  private get active (): Segment { return this.segments[this.segments.length - 1] as Segment }

  state (): PartitionState {
    let sizeBytes = 0
    for (const s of this.segments) sizeBytes += s.committedSize
    return {
      topic: this.topic,
      partition: this.partition,
      logStartOffset: this.logStartOffset,
      logEndOffset: this.logEndOffset,
      highWatermark: this.hw,
      segments: this.segments.length,
      sizeBytes,
    }
  }

  updateConfig (config: LogConfig): void {
    const flushChanged = config['flush.ms'] !== this.config['flush.ms']
    this.config = config
    if (flushChanged) {
      this.stopFlushTimer()
      this.startFlushTimer()
    }
  }

  /**
   * Appends records as one batch. Resolves once they are durable per the flush policy (default: fsynced), with
   * their offsets. Invalid or oversized input rejects before anything is written.
   */
  append (records: readonly RecordInput[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new KrestError('CLOSED', `partition ${this.topic}-${this.partition} is closed`))
    if (records.length === 0) return Promise.reject(new KrestError('INVALID_RECORD', 'no records to append'))
    if (this.config['cleanup.policy'] !== 'delete' && records.some(r => r.key === null)) {
      return Promise.reject(new KrestError('INVALID_RECORD', `Compacted topic ${this.topic} cannot accept a record without a key`))
    }
    let batch: Buffer
    const timestampType = this.config['message.timestamp.type']
    try {
      batch = encodeRecordBatch(records, { timestamp: this.clock.now(), timestampType })
    } catch (err) {
      return Promise.reject(new KrestError('INVALID_RECORD', `cannot encode records: ${(err as Error).message}`, { cause: err }))
    }
    const limit = Math.min(this.config['max.message.bytes'], this.config['segment.bytes'])
    if (batch.length > limit) {
      return Promise.reject(new KrestError('RECORD_TOO_LARGE',
        `The record batch is ${batch.length} bytes, larger than the maximum of ${limit} bytes (max.message.bytes) for ${this.topic}`,
        { details: { size: batch.length, limit } }))
    }
    const maxTimestamp = batchMaxTimestampAt(batch, 0)
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ buf: batch, count: records.length, lastOffset: -1, maxTimestamp, resolve, reject })
      if (this.draining === undefined) this.draining = this.drain()
    })
  }

  /** The single writer: writes whatever queued up meanwhile, back to back, until the queue is empty. */
  private async drain (): Promise<void> {
    // Let appends of the same event-loop turn join this write.
    await new Promise<void>(resolve => setImmediate(resolve))
    try {
      while (this.pending.length > 0) {
        const cycle = this.pending
        this.pending = []
        await this.mutex.run(() => this.writeCycle(cycle))
      }
    } finally {
      this.draining = undefined
    }
  }

  private shouldRoll (seg: Segment, projectedSize: number, incoming: PendingAppend, firstTs: number | null): boolean {
    if (projectedSize === 0) return false
    if (projectedSize > this.config['segment.bytes'] - incoming.buf.length) return true
    if (firstTs !== null && incoming.maxTimestamp - firstTs > this.config['segment.ms']) return true
    if (firstTs === null && this.clock.now() - seg.createdAt > this.config['segment.ms']) return true
    // Relative offsets and positions in the indexes are int32.
    if (this.nextOffset - seg.baseOffset + incoming.count > 2 ** 31 - 1) return true
    // Kafka's segment.index.bytes: roll when the offset index (8 bytes an entry) or the time index (12) is full.
    const indexBytes = this.config['segment.index.bytes']
    if (seg.indexEntries >= Math.floor(indexBytes / 8) || seg.timeIndexEntries >= Math.floor(indexBytes / 12)) return true
    return false
  }

  private async writeCycle (cycle: PendingAppend[]): Promise<void> {
    let i = 0
    while (i < cycle.length) {
      let seg = this.active
      if (this.shouldRoll(seg, seg.size, cycle[i] as PendingAppend, seg.firstBatchTimestamp)) {
        try {
          seg = await this.roll()
        } catch (err) {
          const failure = ioError(`cannot roll a new segment for ${this.topic}-${this.partition}`, err)
          for (const p of cycle.slice(i)) p.reject(failure)
          return
        }
      }
      // The group that fits in the current segment.
      let projected = seg.size
      let firstTs = seg.firstBatchTimestamp
      let j = i
      while (j < cycle.length) {
        const p = cycle[j] as PendingAppend
        if (j > i && this.shouldRoll(seg, projected, p, firstTs)) break
        projected += p.buf.length
        if (firstTs === null) firstTs = p.maxTimestamp
        j++
      }
      await this.writeGroup(seg, cycle.slice(i, j))
      i = j
    }
  }

  /**
   * Writes a group of appends to `seg` in one write. Under the fsync policy the fdatasync that makes them durable
   * runs on the commit chain, so the next group's write overlaps this group's fsync (one fsync covers every
   * byte written before it started); acknowledgements and the high watermark follow in order.
   */
  private async writeGroup (seg: Segment, group: PendingAppend[]): Promise<void> {
    if (this.writeFailed) await this.recoverFromFailedWrite()
    const startSize = seg.size
    const startOffset = this.nextOffset
    let next = startOffset
    for (const p of group) {
      if (next + p.count > MAX_SAFE_OFFSET) {
        p.reject(new KrestError('STORAGE_ERROR', 'offset space exhausted'))
        continue
      }
      stampBaseOffset(p.buf, next)
      next += p.count
      p.lastOffset = next - 1
    }
    const live = group.filter(p => p.lastOffset >= 0)
    if (live.length === 0) return
    try {
      await seg.append(live)
      await seg.persistIndexes()
    } catch (err) {
      // Nothing of this group becomes visible: cut the file back and reuse the offsets.
      await seg.truncateTo(startSize, startOffset).catch(e => {
        this.logger?.error({ err: e, topic: this.topic, partition: this.partition }, 'cannot truncate after a failed write')
      })
      const failure = new KrestError('STORAGE_ERROR', `write to ${this.topic}-${this.partition} failed: ${(err as Error).message}`, { cause: err })
      for (const p of live) p.reject(failure)
      return
    }
    this.nextOffset = next
    const endSize = seg.size
    if (this.config['flush.ms'] > 0) {
      this.dirty = true
      this.commit(seg, endSize, next, live)
      return
    }
    const epoch = this.writeEpoch
    this.commitChain = this.commitChain.then(async () => {
      if (epoch !== this.writeEpoch) {
        this.rejectAll(live, new KrestError('STORAGE_ERROR', `an earlier fsync of ${this.topic}-${this.partition} failed; retry`))
        return
      }
      try {
        if (seg.syncedSize < endSize) {
          const target = seg.size
          const started = performance.now()
          await seg.datasync()
          this.probe?.fsync?.(performance.now() - started, target - seg.syncedSize)
          seg.syncedSize = target
        }
      } catch (err) {
        // What reached the disk is unknown: everything after the last durable byte is dropped before the next write.
        this.writeEpoch++
        this.writeFailed = true
        this.rejectAll(live, new KrestError('STORAGE_ERROR', `fsync of ${this.topic}-${this.partition} failed: ${(err as Error).message}`, { cause: err }))
        return
      }
      this.commit(seg, endSize, next, live)
    })
  }

  private rejectAll (group: readonly PendingAppend[], err: KrestError): void {
    for (const p of group) p.reject(err)
  }

  /** Called under the mutex before the next write after an fsync failure: cut back to what is durable. */
  private async recoverFromFailedWrite (): Promise<void> {
    await this.commitChain
    const seg = this.active
    await seg.truncateTo(seg.committedSize, this.hw)
    seg.syncedSize = seg.committedSize
    this.nextOffset = this.hw
    this.writeFailed = false
  }

  private commit (seg: Segment, endSize: number, nextOffset: number, group: readonly PendingAppend[]): void {
    seg.committedSize = Math.max(seg.committedSize, endSize)
    const timestampType = this.config['message.timestamp.type']
    let bytes = 0
    let records = 0
    for (const p of group) {
      bytes += p.buf.length
      records += p.count
      p.resolve({
        baseOffset: p.lastOffset - p.count + 1,
        lastOffset: p.lastOffset,
        logAppendTime: timestampType === 'LogAppendTime' ? p.maxTimestamp : -1,
        maxTimestamp: p.maxTimestamp,
      })
    }
    this.probe?.appended?.(this.topic, this.partition, records, bytes)
    this.advanceHighWatermark(nextOffset)
  }

  private advanceHighWatermark (hw: number): void {
    this.hw = hw
    if (this.waiters.size === 0) return
    for (const w of this.waiters) {
      if (w.offset < hw) {
        this.waiters.delete(w)
        w.resolve(true)
      }
    }
  }

  /** Seals the active segment and starts a new one at the log end offset. Call under the mutex. */
  private async roll (): Promise<Segment> {
    const old = this.active
    await old.seal()
    const seg = await Segment.create(this.dir, this.nextOffset, this.segmentOptions(), this.clock.now())
    await fsyncDir(this.dir)
    this.segments = [...this.segments, seg]
    this.probe?.segmentRolled?.(this.topic, this.partition, seg.baseOffset)
    return seg
  }

  private startFlushTimer (): void {
    const flushMs = this.config['flush.ms']
    if (flushMs <= 0 || this.closed) return
    this.flushTimer = setInterval(() => { this.flushNow().catch(() => undefined) }, flushMs)
    this.flushTimer.unref()
  }

  private stopFlushTimer (): void {
    if (this.flushTimer !== undefined) clearInterval(this.flushTimer)
    this.flushTimer = undefined
  }

  /** fsyncs data written since the last flush (used under a flush.ms > 0 policy). */
  async flushNow (): Promise<void> {
    if (!this.dirty) return
    await this.mutex.run(async () => {
      if (!this.dirty) return
      this.dirty = false
      const started = performance.now()
      try {
        await this.active.datasync()
        this.probe?.fsync?.(performance.now() - started, 0)
      } catch (err) {
        this.dirty = true
        this.logger?.error({ err, topic: this.topic, partition: this.partition }, 'periodic fsync failed')
      }
    })
  }

  private checkReadOffset (offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < this.logStartOffset || offset > this.hw) {
      throw new KrestError('OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range for ${this.topic}-${this.partition} (log start offset ${this.logStartOffset}, high watermark ${this.hw})`,
        { details: { offset, logStartOffset: this.logStartOffset, highWatermark: this.hw } })
    }
  }

  private findSegmentIndex (segments: readonly Segment[], offset: number): number {
    let lo = 0
    let hi = segments.length - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((segments[mid] as Segment).baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /**
   * Whole batches from the one holding `offset`, up to `maxBytes` (at least one batch when any exists),
   * never beyond the high watermark.
   */
  async readRaw (offset: number, maxBytes: number): Promise<RawReadResult & { nextOffset: number }> {
    this.checkReadOffset(offset)
    if (this.missing.length > 0) this.checkNotMissing(offset)
    // Hold every segment of the snapshot from the start: retention or compaction may replace them meanwhile, and
    // a held segment keeps its file handle open on the old inode.
    const start = this.findSegmentIndex(this.segments, offset)
    const segments = this.segments.slice(start)
    for (const seg of segments) seg.retain()
    const parts: Buffer[] = []
    let total = 0
    let nextOffset = offset
    try {
      for (let i = 0; i < segments.length && nextOffset < this.hw; i++) {
        const seg = segments[i] as Segment
        if (nextOffset < seg.baseOffset && this.missing.length > 0 && this.missingAt(nextOffset) !== undefined) {
          if (parts.length > 0) break // return what comes before the damage; the next read reports it
          this.checkNotMissing(nextOffset)
        }
        const chunk = await seg.read(nextOffset, maxBytes - total, parts.length > 0)
        if (chunk === null) {
          if (parts.length > 0 && nextOffset < seg.nextOffset) break // the next batch does not fit
          continue
        }
        parts.push(chunk.buf)
        total += chunk.buf.length
        nextOffset = chunk.nextOffset
        if (total >= maxBytes) break
        if (chunk.nextBatchSize !== undefined && total + chunk.nextBatchSize > maxBytes) break
        // Stay in this segment if it may hold more.
        if (nextOffset < seg.nextOffset) i--
      }
    } catch (err) {
      throw this.readFailure(err)
    } finally {
      for (const seg of segments) seg.release()
    }
    return {
      batches: parts.length === 1 ? parts[0] as Buffer : Buffer.concat(parts, total),
      highWatermark: this.hw,
      logStartOffset: this.logStartOffset,
      nextOffset,
    }
  }

  private missingAt (offset: number): MissingRange | undefined {
    return this.missing.find(m => offset >= m.from && offset < m.to)
  }

  private checkNotMissing (offset: number): void {
    const range = this.missingAt(offset)
    if (range === undefined) return
    this.probe?.readFailed?.(this.topic, this.partition, 'missing-offsets')
    throw new StorageError('missing-offsets',
      `offsets ${range.from}..${range.to - 1} of ${this.topic}-${this.partition} cannot be served: ${range.reason}`,
      { details: { from: range.from, to: range.to } })
  }

  /** Names the partition in a storage error found while reading, and counts it. */
  private readFailure (err: unknown): unknown {
    if (!(err instanceof StorageError)) return err
    if (err.reason === 'missing-offsets') return err // counted where it is thrown
    this.probe?.readFailed?.(this.topic, this.partition, err.reason)
    this.logger?.error({ topic: this.topic, partition: this.partition, reason: err.reason, details: err.details }, err.message)
    return new StorageError(err.reason, `cannot read ${this.topic}-${this.partition}: ${err.message}`,
      { cause: err, details: { ...err.details, topic: this.topic, partition: this.partition } })
  }

  /** Records from `offset` onwards, at least one when any exists, about `maxBytes` of batches at most. */
  async read (offset: number, maxBytes: number): Promise<ReadResult> {
    const raw = await this.readRaw(offset, maxBytes)
    const records: DecodedRecord[] = []
    let pos = 0
    const buf = raw.batches
    while (pos < buf.length) pos += decodeBatchInto(buf, pos, records, offset)
    return { records, nextOffset: raw.nextOffset, highWatermark: raw.highWatermark, logStartOffset: raw.logStartOffset }
  }

  /** The first offset whose record timestamp is ≥ `timestamp`, or null when there is none (Kafka's ListOffsets). */
  async offsetForTimestamp (timestamp: number): Promise<{ offset: number, timestamp: number } | null> {
    const segments = this.segments.slice()
    for (const seg of segments) seg.retain()
    try {
      for (const seg of segments) {
        if (seg.maxTimestamp < timestamp || seg.committedSize === 0) continue
        const from = Math.max(seg.lookupTimestamp(timestamp), this.logStartOffset)
        let found: { offset: number, timestamp: number } | null = null
        await seg.scan(from, b => {
          if (b.maxTimestamp < timestamp || b.lastOffset < from) return
          const records: DecodedRecord[] = []
          decodeBatchInto(b.chunk, b.at, records, from)
          for (const r of records) {
            if (r.timestamp >= timestamp && r.offset < this.hw) { found = { offset: r.offset, timestamp: r.timestamp }; return 'stop' }
          }
        })
        if (found !== null) return found
      }
      return null
    } catch (err) {
      throw this.readFailure(err)
    } finally {
      for (const seg of segments) seg.release()
    }
  }

  /**
   * Resolves true as soon as the high watermark passes `offset` (data at `offset` is readable), false on timeout,
   * abort or close. Event-driven: woken by the append that makes the data visible.
   */
  waitFor (offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.hw > offset) return Promise.resolve(true)
    if (this.closed || signal?.aborted === true || timeoutMs <= 0) return Promise.resolve(false)
    return new Promise<boolean>(resolve => {
      const finish = (ready: boolean): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.waiters.delete(waiter)
        resolve(ready)
      }
      const waiter: Waiter = { offset, resolve: finish }
      const onAbort = (): void => finish(false)
      const timer = setTimeout(() => finish(false), timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.add(waiter)
    })
  }

  /** Deletes closed segments past retention.ms / retention.bytes. Returns how many were deleted. */
  async enforceRetention (): Promise<number> {
    if (!this.config['cleanup.policy'].includes('delete') || this.closed) return 0
    return await this.mutex.run(async () => {
      await this.commitChain
      const now = this.clock.now()
      const retentionMs = this.config['retention.ms']
      const retentionBytes = this.config['retention.bytes']
      const expired = (seg: Segment): boolean => retentionMs >= 0 && seg.committedSize > 0 &&
        now - (seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.createdAt) > retentionMs
      let total = 0
      for (const s of this.segments) total += s.size
      const doomed: Array<{ seg: Segment, reason: 'retention.ms' | 'retention.bytes' }> = []
      let remaining = total
      for (let i = 0; i < this.segments.length - 1; i++) {
        const seg = this.segments[i] as Segment
        const upper = (this.segments[i + 1] as Segment).baseOffset
        if (upper > this.hw) break
        if (expired(seg)) doomed.push({ seg, reason: 'retention.ms' })
        else if (retentionBytes >= 0 && remaining - seg.size >= retentionBytes) doomed.push({ seg, reason: 'retention.bytes' })
        else break
        remaining -= seg.size
      }
      // Kafka rolls the active segment when everything, including it, has expired, so idle topics empty out too.
      if (doomed.length === this.segments.length - 1 && expired(this.active) && this.pending.length === 0 && this.nextOffset === this.hw) {
        const old = this.active
        await this.roll()
        doomed.push({ seg: old, reason: 'retention.ms' })
      }
      if (doomed.length === 0) return 0
      const doomedSet = new Set(doomed.map(d => d.seg))
      this.segments = this.segments.filter(s => !doomedSet.has(s))
      for (const { seg } of doomed) await seg.deleteFiles()
      await fsyncDir(this.dir)
      const byMs = doomed.filter(d => d.reason === 'retention.ms').length
      if (byMs > 0) this.probe?.segmentsDeleted?.(this.topic, this.partition, byMs, 'retention.ms')
      if (doomed.length - byMs > 0) this.probe?.segmentsDeleted?.(this.topic, this.partition, doomed.length - byMs, 'retention.bytes')
      this.logger?.info({ topic: this.topic, partition: this.partition, deleted: doomed.length, logStartOffset: this.logStartOffset }, 'retention deleted segments')
      return doomed.length
    })
  }

  /**
   * Compacts closed segments (cleanup.policy includes compact): keeps the newest record per key, drops tombstones
   * older than delete.retention.ms. Runs when enough of the closed log is new since the last pass, or when forced.
   */
  async compact (force = false): Promise<boolean> {
    if (!this.config['cleanup.policy'].includes('compact') || this.closed) return false
    return await this.mutex.run(async () => {
      await this.commitChain
      const now = this.clock.now()
      // Kafka's min.compaction.lag.ms: the cleanable part ends at the first segment holding a record younger than the lag.
      const minLag = this.config['min.compaction.lag.ms']
      let cleanable = this.segments.length - 1
      for (let i = 0; i < cleanable && minLag > 0; i++) {
        if (now - (this.segments[i] as Segment).maxTimestamp < minLag) cleanable = i
      }
      const closedSegments = this.segments.slice(0, cleanable)
      if (closedSegments.length === 0) return false
      let dirtyBytes = 0
      let totalBytes = 0
      let overdue = false
      for (const s of closedSegments) {
        totalBytes += s.size
        if (s.baseOffset < this.cleanedUpTo) continue
        dirtyBytes += s.size
        // Kafka's max.compaction.lag.ms: a dirty record older than the lag makes the log cleanable whatever the ratio.
        const firstTimestamp = s.firstBatchTimestamp ?? s.maxTimestamp
        if (firstTimestamp >= 0 && now - firstTimestamp > this.config['max.compaction.lag.ms']) overdue = true
      }
      if (!force && !overdue && (dirtyBytes === 0 || dirtyBytes / Math.max(totalBytes, 1) < this.config['min.cleanable.dirty.ratio'])) return false
      const { segments: replaced, retired } = await compactSegments({
        dir: this.dir,
        segments: closedSegments,
        segmentOptions: this.segmentOptions(),
        deleteRetentionMs: this.config['delete.retention.ms'],
        now,
      })
      const uncleaned = this.segments.slice(cleanable)
      // Swap first, then let go of the old segments: readers that took the old list hold references.
      this.segments = [...replaced, ...uncleaned]
      for (const seg of retired) seg.release()
      this.cleanedUpTo = (uncleaned[0] as Segment).baseOffset
      return true
    })
  }

  /** Finishes queued appends, fsyncs and closes every segment. Pending waits resolve false. */
  async close (): Promise<void> {
    if (this.closed) return
    while (this.draining !== undefined) await this.draining
    await this.commitChain
    this.closed = true
    this.stopFlushTimer()
    await this.mutex.run(async () => {
      for (const seg of this.segments) await seg.close()
    })
    for (const w of [...this.waiters]) w.resolve(false)
    this.waiters.clear()
  }

  /** Closes without flushing and removes the partition's files (topic deletion). */
  async destroy (): Promise<void> {
    await this.close()
  }
}
