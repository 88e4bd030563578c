/**
 * One segment of a partition log: `<base>.log` (RecordBatch v2 batches back to back), a sparse `<base>.index`
 * (int32 relative offset → int32 file position, 8 bytes an entry) and `<base>.timeindex` (int64 max timestamp →
 * int32 relative offset, 12 bytes an entry). Index files are caches: kept in memory, written as they grow,
 * fsynced when the segment is sealed, and rebuilt from the log when missing or implausible.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BATCH_HEADER_SIZE, LOG_OVERHEAD, batchBaseOffsetAt, batchLastOffsetAt, batchMaxTimestampAt, batchSizeAt, checkBatch,
} from '../codec/record-batch.js'
import { readFileIfExists, unlinkIfExists } from './fs-util.js'

const OFFSET_ENTRY_SIZE = 8
const TIME_ENTRY_SIZE = 12
const SCAN_CHUNK = 4 * 1024 * 1024
const READ_SLACK = 16 * 1024
/** Bytes of a batch header needed to know its base offset, size and last offset. */
const HEADER_PREFIX = 27

export function segmentFileName (baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix
}

/** A batch seen during a scan: where it is and what offsets and timestamps it covers. */
export interface ScannedBatch {
  position: number
  size: number
  baseOffset: number
  lastOffset: number
  maxTimestamp: number
  /** The chunk holding the batch, and where in it the batch starts. Valid only until the next batch. */
  chunk: Buffer
  at: number
}

export type ScanStop = 'end' | 'truncated' | 'corrupt'

async function readFully (fd: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0
  while (done < buf.length) {
    const { bytesRead } = await fd.read(buf, done, buf.length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

/**
 * Walks the batches of a log file from `start` to `end`, optionally validating each (length, magic, CRC, offsets).
 * Calls `onBatch` for each valid batch; returns where it stopped and why.
 */
export async function scanBatches (
  fd: FileHandle, start: number, end: number, expectedFirstOffset: number, validate: boolean,
  onBatch: (batch: ScannedBatch) => void | 'stop' | Promise<void>,
): Promise<{ validEnd: number, stop: ScanStop, nextOffset: number }> {
  let pos = start
  let nextOffset = expectedFirstOffset
  while (pos < end) {
    const chunkLen = Math.min(SCAN_CHUNK, end - pos)
    let chunk = Buffer.allocUnsafe(chunkLen)
    const got = await readFully(fd, chunk, pos)
    if (got < chunkLen) chunk = chunk.subarray(0, got)
    let p = 0
    for (;;) {
      const remaining = chunk.length - p
      if (remaining < LOG_OVERHEAD) break
      const size = batchSizeAt(chunk, p)
      if (size < BATCH_HEADER_SIZE) return { validEnd: pos + p, stop: 'corrupt', nextOffset }
      if (pos + p + size > end) return { validEnd: pos + p, stop: 'truncated', nextOffset }
      if (size > remaining) {
        if (p === 0) {
          // A batch larger than the chunk: read it whole.
          chunk = Buffer.allocUnsafe(size)
          if (await readFully(fd, chunk, pos) < size) return { validEnd: pos, stop: 'truncated', nextOffset }
        } else {
          break
        }
      }
      if (validate) {
        const check = checkBatch(chunk, p, p + size)
        if (!check.ok) return { validEnd: pos + p, stop: 'corrupt', nextOffset }
      }
      const baseOffset = batchBaseOffsetAt(chunk, p)
      const lastOffset = batchLastOffsetAt(chunk, p)
      if (validate && (baseOffset < nextOffset || lastOffset < baseOffset)) return { validEnd: pos + p, stop: 'corrupt', nextOffset }
      const verdict = await onBatch({ position: pos + p, size, baseOffset, lastOffset, maxTimestamp: batchMaxTimestampAt(chunk, p), chunk, at: p })
      nextOffset = lastOffset + 1
      p += size
      if (verdict === 'stop') return { validEnd: pos + p, stop: 'end', nextOffset }
    }
    if (p === 0 && chunk.length < LOG_OVERHEAD) return { validEnd: pos, stop: 'truncated', nextOffset }
    pos += p
  }
  return { validEnd: pos, stop: 'end', nextOffset }
}

export interface SegmentRead {
  buf: Buffer
  nextOffset: number
  nextBatchSize: number | undefined
}

export interface SegmentBatch {
  buf: Buffer
  lastOffset: number
  maxTimestamp: number
}

export class Segment {
  readonly baseOffset: number
  readonly logPath: string
  readonly indexPath: string
  readonly timeIndexPath: string
  /** Bytes written to the log file. */
  size = 0
  /** Bytes readers may see (durable per the flush policy). */
  committedSize = 0
  /** Bytes known to be on disk (fdatasync'd). */
  syncedSize = 0
  /** The offset after the last batch written. */
  nextOffset: number
  /** Largest record timestamp in the segment; -1 while empty. */
  maxTimestamp = -1
  offsetOfMaxTimestamp: number
  /** Max timestamp of the first batch, for segment.ms; null while empty. */
  firstBatchTimestamp: number | null = null
  readonly createdAt: number
  sealed = false

  private readonly indexInterval: number
  private readonly idxRelOffsets: number[] = []
  private readonly idxPositions: number[] = []
  private readonly tiTimestamps: number[] = []
  private readonly tiRelOffsets: number[] = []
  private idxPersisted = 0
  private tiPersisted = 0
  private bytesSinceIndexEntry = 0
  private refs = 1
  private closed = false
  private indexFd: FileHandle | undefined
  private timeIndexFd: FileHandle | undefined

  private constructor (dir: string, baseOffset: number, private fd: FileHandle, indexInterval: number, createdAt: number) {
    this.baseOffset = baseOffset
    this.logPath = join(dir, segmentFileName(baseOffset, '.log'))
    this.indexPath = join(dir, segmentFileName(baseOffset, '.index'))
    this.timeIndexPath = join(dir, segmentFileName(baseOffset, '.timeindex'))
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestamp = baseOffset
    this.indexInterval = indexInterval
    this.createdAt = createdAt
  }

  /** Creates a new, empty segment (replacing any leftover files of the same base offset). */
  static async create (dir: string, baseOffset: number, indexInterval: number, now: number): Promise<Segment> {
    const fd = await open(join(dir, segmentFileName(baseOffset, '.log')), 'w+')
    const seg = new Segment(dir, baseOffset, fd, indexInterval, now)
    await (await open(seg.indexPath, 'w')).close()
    await (await open(seg.timeIndexPath, 'w')).close()
    return seg
  }

  /**
   * Opens an existing segment. With `recover`, or when its indexes are missing or implausible, every batch is
   * validated (length, CRC32C, offsets), indexes are rebuilt and a torn or corrupt tail is truncated.
   */
  static async load (dir: string, baseOffset: number, indexInterval: number, recover: boolean, now: number): Promise<{ segment: Segment, truncatedBytes: number }> {
    const logPath = join(dir, segmentFileName(baseOffset, '.log'))
    const fd = await open(logPath, 'r+')
    const seg = new Segment(dir, baseOffset, fd, indexInterval, (await stat(logPath)).mtimeMs || now)
    const fileSize = (await fd.stat()).size
    if (!recover && await seg.loadIndexes(fileSize)) {
      // Trusted indexes: scan only the tail after the last index entry, validating it.
      const from = seg.idxPositions.length > 0 ? seg.idxPositions[seg.idxPositions.length - 1] as number : 0
      const expected = seg.idxRelOffsets.length > 0 ? baseOffset : baseOffset
      const result = await scanBatches(fd, from, fileSize, expected, true, b => { seg.noteTailBatch(b) })
      if (result.stop === 'end') {
        seg.size = seg.committedSize = seg.syncedSize = fileSize
        seg.nextOffset = Math.max(seg.nextOffset, result.nextOffset)
        if (seg.firstBatchTimestamp === null && fileSize > 0) seg.firstBatchTimestamp = await seg.readFirstBatchTimestamp()
        return { segment: seg, truncatedBytes: 0 }
      }
      seg.resetIndexes()
    }
    const truncatedBytes = await seg.rebuild(fileSize)
    return { segment: seg, truncatedBytes }
  }

  private resetIndexes (): void {
    this.idxRelOffsets.length = 0
    this.idxPositions.length = 0
    this.tiTimestamps.length = 0
    this.tiRelOffsets.length = 0
    this.idxPersisted = 0
    this.tiPersisted = 0
    this.bytesSinceIndexEntry = 0
    this.maxTimestamp = -1
    this.offsetOfMaxTimestamp = this.baseOffset
    this.firstBatchTimestamp = null
    this.nextOffset = this.baseOffset
  }

  private async readFirstBatchTimestamp (): Promise<number | null> {
    const head = Buffer.allocUnsafe(BATCH_HEADER_SIZE)
    if (await readFully(this.fd, head, 0) < BATCH_HEADER_SIZE) return null
    return batchMaxTimestampAt(head, 0)
  }

  private noteTailBatch (b: ScannedBatch): void {
    if (this.firstBatchTimestamp === null && b.position === 0) this.firstBatchTimestamp = b.maxTimestamp
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp
      this.offsetOfMaxTimestamp = b.lastOffset
    }
    this.nextOffset = b.lastOffset + 1
  }

  /** Reads and sanity-checks the index files; false when they must be rebuilt. */
  private async loadIndexes (fileSize: number): Promise<boolean> {
    const idx = await readFileIfExists(this.indexPath)
    const ti = await readFileIfExists(this.timeIndexPath)
    if (idx === undefined || ti === undefined) return false
    if (idx.length % OFFSET_ENTRY_SIZE !== 0 || ti.length % TIME_ENTRY_SIZE !== 0) return false
    let lastRel = -1
    let lastPos = -1
    for (let p = 0; p < idx.length; p += OFFSET_ENTRY_SIZE) {
      const rel = idx.readInt32BE(p)
      const pos = idx.readInt32BE(p + 4)
      if (rel <= lastRel || pos <= lastPos || pos >= fileSize) return false
      this.idxRelOffsets.push(rel)
      this.idxPositions.push(pos)
      lastRel = rel
      lastPos = pos
    }
    let lastTs = -Infinity
    let lastTiRel = -1
    for (let p = 0; p < ti.length; p += TIME_ENTRY_SIZE) {
      const ts = ti.readInt32BE(p) * 4294967296 + ti.readUInt32BE(p + 4)
      const rel = ti.readInt32BE(p + 8)
      if (ts <= lastTs || rel < lastTiRel || rel < 0) return false
      this.tiTimestamps.push(ts)
      this.tiRelOffsets.push(rel)
      lastTs = ts
      lastTiRel = rel
    }
    this.idxPersisted = this.idxRelOffsets.length
    this.tiPersisted = this.tiTimestamps.length
    if (this.tiTimestamps.length > 0) {
      this.maxTimestamp = this.tiTimestamps[this.tiTimestamps.length - 1] as number
      this.offsetOfMaxTimestamp = this.baseOffset + (this.tiRelOffsets[this.tiRelOffsets.length - 1] as number)
    }
    if (this.idxRelOffsets.length > 0) this.nextOffset = this.baseOffset + (this.idxRelOffsets[this.idxRelOffsets.length - 1] as number) + 1
    return true
  }

  /** Full validation scan: rebuilds indexes, truncates at the last valid batch. Returns bytes truncated. */
  private async rebuild (fileSize: number): Promise<number> {
    this.resetIndexes()
    const result = await scanBatches(this.fd, 0, fileSize, this.baseOffset, true, b => {
      this.noteBatch(b.position, b.size, b.lastOffset, b.maxTimestamp)
    })
    let truncated = 0
    if (result.validEnd < fileSize) {
      await this.fd.truncate(result.validEnd)
      await this.fd.datasync()
      truncated = fileSize - result.validEnd
    }
    this.size = this.committedSize = this.syncedSize = result.validEnd
    this.nextOffset = result.nextOffset
    await this.rewriteIndexFiles()
    return truncated
  }

  private async rewriteIndexFiles (): Promise<void> {
    await this.closeIndexHandles()
    await unlinkIfExists(this.indexPath)
    await unlinkIfExists(this.timeIndexPath)
    await (await open(this.indexPath, 'w')).close()
    await (await open(this.timeIndexPath, 'w')).close()
    this.idxPersisted = 0
    this.tiPersisted = 0
    await this.persistIndexes()
  }

  /** Index bookkeeping for a batch at `position` (Kafka's rule: an entry once more than index.interval.bytes went by). */
  private noteBatch (position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (this.firstBatchTimestamp === null) this.firstBatchTimestamp = maxTimestamp
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp
      this.offsetOfMaxTimestamp = lastOffset
    }
    if (this.bytesSinceIndexEntry > this.indexInterval) {
      this.idxRelOffsets.push(lastOffset - this.baseOffset)
      this.idxPositions.push(position)
      this.maybeAddTimeEntry()
      this.bytesSinceIndexEntry = 0
    }
    this.bytesSinceIndexEntry += size
    this.nextOffset = lastOffset + 1
  }

  private maybeAddTimeEntry (): void {
    const lastTs = this.tiTimestamps.length > 0 ? this.tiTimestamps[this.tiTimestamps.length - 1] as number : -Infinity
    if (this.maxTimestamp > lastTs) {
      this.tiTimestamps.push(this.maxTimestamp)
      this.tiRelOffsets.push(this.offsetOfMaxTimestamp - this.baseOffset)
    }
  }

  /** Writes index entries added since the last call (no fsync: indexes are rebuilt after an unclean stop). */
  async persistIndexes (): Promise<void> {
    const newIdx = this.idxRelOffsets.length - this.idxPersisted
    if (newIdx > 0) {
      const buf = Buffer.allocUnsafe(newIdx * OFFSET_ENTRY_SIZE)
      for (let i = 0; i < newIdx; i++) {
        buf.writeInt32BE(this.idxRelOffsets[this.idxPersisted + i] as number, i * OFFSET_ENTRY_SIZE)
        buf.writeInt32BE(this.idxPositions[this.idxPersisted + i] as number, i * OFFSET_ENTRY_SIZE + 4)
      }
      const [indexFd] = await this.indexHandles()
      await indexFd.write(buf, 0, buf.length, this.idxPersisted * OFFSET_ENTRY_SIZE)
      this.idxPersisted += newIdx
    }
    const newTi = this.tiTimestamps.length - this.tiPersisted
    if (newTi > 0) {
      const buf = Buffer.allocUnsafe(newTi * TIME_ENTRY_SIZE)
      for (let i = 0; i < newTi; i++) {
        const ts = this.tiTimestamps[this.tiPersisted + i] as number
        const high = Math.floor(ts / 4294967296)
        buf.writeInt32BE(high, i * TIME_ENTRY_SIZE)
        buf.writeUInt32BE(ts - high * 4294967296, i * TIME_ENTRY_SIZE + 4)
        buf.writeInt32BE(this.tiRelOffsets[this.tiPersisted + i] as number, i * TIME_ENTRY_SIZE + 8)
      }
      const [, timeIndexFd] = await this.indexHandles()
      await timeIndexFd.write(buf, 0, buf.length, this.tiPersisted * TIME_ENTRY_SIZE)
      this.tiPersisted += newTi
    }
  }

  private async indexHandles (): Promise<[FileHandle, FileHandle]> {
    this.indexFd ??= await open(this.indexPath, 'r+')
    this.timeIndexFd ??= await open(this.timeIndexPath, 'r+')
    return [this.indexFd, this.timeIndexFd]
  }

  private async closeIndexHandles (): Promise<void> {
    const fds = [this.indexFd, this.timeIndexFd]
    this.indexFd = this.timeIndexFd = undefined
    for (const fd of fds) await fd?.close()
  }

  /**
   * Appends batches (already stamped with their offsets) at the end of the log in one write.
   * On failure the file is cut back to where it was and nothing about the segment changes.
   */
  async append (batches: readonly SegmentBatch[]): Promise<void> {
    const start = this.size
    const buffers = batches.map(b => b.buf)
    let total = 0
    for (const b of buffers) total += b.length
    try {
      let written = 0
      while (written < total) {
        const rest = written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)]
        const { bytesWritten } = await this.fd.writev(rest, start + written)
        if (bytesWritten === 0) throw new Error('short write')
        written += bytesWritten
      }
    } catch (err) {
      await this.fd.truncate(start).catch(() => undefined)
      throw err
    }
    let position = start
    for (const b of batches) {
      this.noteBatch(position, b.buf.length, b.lastOffset, b.maxTimestamp)
      position += b.buf.length
    }
    this.size = position
  }

  /** Cuts the log back to `size` bytes after a failed durable write (the caller restores offsets). */
  async truncateTo (size: number, nextOffset: number): Promise<void> {
    await this.fd.truncate(size)
    this.size = this.committedSize = size
    this.syncedSize = Math.min(this.syncedSize, size)
    this.nextOffset = nextOffset
    while (this.idxPositions.length > 0 && (this.idxPositions[this.idxPositions.length - 1] as number) >= size) {
      this.idxPositions.pop()
      this.idxRelOffsets.pop()
    }
    while (this.tiRelOffsets.length > 0 && this.baseOffset + (this.tiRelOffsets[this.tiRelOffsets.length - 1] as number) >= nextOffset) {
      this.tiRelOffsets.pop()
      this.tiTimestamps.pop()
    }
    if (this.idxPersisted > this.idxPositions.length || this.tiPersisted > this.tiTimestamps.length) {
      this.idxPersisted = Math.min(this.idxPersisted, this.idxPositions.length)
      this.tiPersisted = Math.min(this.tiPersisted, this.tiTimestamps.length)
      const [indexFd, timeIndexFd] = await this.indexHandles()
      await indexFd.truncate(this.idxPersisted * OFFSET_ENTRY_SIZE)
      await timeIndexFd.truncate(this.tiPersisted * TIME_ENTRY_SIZE)
    }
  }

  async datasync (): Promise<void> {
    await this.fd.datasync()
  }

  /** Finalises a segment that stops being active: last time-index entry, indexes written and everything fsynced. */
  async seal (): Promise<void> {
    if (this.sealed) return
    this.maybeAddTimeEntry()
    await this.persistIndexes()
    await this.syncAll()
    this.syncedSize = this.size
    await this.closeIndexHandles() // a sealed segment's indexes only change again if it is rewritten
    this.sealed = true
  }

  private async syncAll (): Promise<void> {
    await this.fd.sync()
    const [indexFd, timeIndexFd] = await this.indexHandles()
    await indexFd.sync()
    await timeIndexFd.sync()
  }

  /** Position to start scanning from for `offset`: the largest index entry at or below it, else 0. */
  lookupPosition (offset: number): number {
    const rel = offset - this.baseOffset
    let lo = 0
    let hi = this.idxRelOffsets.length - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((this.idxRelOffsets[mid] as number) <= rel) {
        found = this.idxPositions[mid] as number
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /** Offset to start a timestamp search from: the largest time-index entry at or below `timestamp`, else the base. */
  lookupTimestamp (timestamp: number): number {
    let lo = 0
    let hi = this.tiTimestamps.length - 1
    let found = this.baseOffset
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((this.tiTimestamps[mid] as number) <= timestamp) {
        found = this.baseOffset + (this.tiRelOffsets[mid] as number)
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /**
   * Whole batches from the one holding `offset`, at most `maxBytes`, within the committed bytes. The first batch
   * comes whole even when it is larger than `maxBytes`, unless `mustFit` (a follow-up read filling a fetch).
   * Returns null when the segment holds nothing at or after `offset`, or the first batch must fit and does not.
   * `nextBatchSize` is the size of the batch after the returned ones when the read saw its header.
   */
  async read (offset: number, maxBytes: number, mustFit = false): Promise<SegmentRead | null> {
    const limit = this.committedSize
    let pos = this.lookupPosition(offset)
    while (pos < limit) {
      const len = Math.min(limit - pos, Math.max(maxBytes, 0) + READ_SLACK)
      const chunk = Buffer.allocUnsafe(len)
      const got = await readFully(this.fd, chunk, pos)
      let p = 0
      let start = -1
      while (p + HEADER_PREFIX <= got) {
        if (batchLastOffsetAt(chunk, p) >= offset) { start = p; break }
        p += batchSizeAt(chunk, p)
      }
      if (start < 0) {
        if (p === 0) return null
        pos += p
        continue
      }
      let end = start
      let count = 0
      let lastOffset = -1
      while (end + HEADER_PREFIX <= got) {
        const size = batchSizeAt(chunk, end)
        if (end + size > got) break
        if ((count > 0 || mustFit) && end + size - start > maxBytes) break
        lastOffset = batchLastOffsetAt(chunk, end)
        end += size
        count++
      }
      const nextBatchSize = end + LOG_OVERHEAD <= got ? batchSizeAt(chunk, end) : undefined
      if (count === 0) {
        const size = batchSizeAt(chunk, start)
        if (mustFit && size > maxBytes) return null
        // The first batch does not fit in the chunk: read it alone, whole.
        const whole = Buffer.allocUnsafe(size)
        if (await readFully(this.fd, whole, pos + start) < size) return null
        return { buf: whole, nextOffset: batchLastOffsetAt(whole, 0) + 1, nextBatchSize: undefined }
      }
      return { buf: chunk.subarray(start, end), nextOffset: lastOffset + 1, nextBatchSize }
    }
    return null
  }

  /** Scans committed batches from the one holding `fromOffset` (for timestamp searches and compaction). */
  async scan (fromOffset: number, onBatch: (b: ScannedBatch) => void | 'stop' | Promise<void>): Promise<void> {
    await scanBatches(this.fd, this.lookupPosition(fromOffset), this.committedSize, this.baseOffset, false, onBatch)
  }

  retain (): void { this.refs++ }

  /** Drops a reference; the file handles close (in the background) when the last one goes. */
  release (): void {
    this.refs--
    if (this.refs === 0) void this.closeHandles()
  }

  private async closeHandles (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.closeIndexHandles().catch(() => undefined)
    await this.fd.close().catch(() => undefined)
  }

  /** Closes the segment for good (clean shutdown): indexes written and everything fsynced. */
  async close (): Promise<void> {
    if (this.closed) return
    this.maybeAddTimeEntry()
    await this.persistIndexes()
    await this.syncAll()
    this.refs--
    if (this.refs === 0) await this.closeHandles()
  }

  /** Removes the segment's files; open readers keep working on the unlinked inode until they release it. */
  async deleteFiles (): Promise<void> {
    await unlinkIfExists(this.logPath)
    await unlinkIfExists(this.indexPath)
    await unlinkIfExists(this.timeIndexPath)
    this.release()
  }

  get indexEntries (): number { return this.idxRelOffsets.length }
  get timeIndexEntries (): number { return this.tiTimestamps.length }
}
