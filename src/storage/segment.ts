/**
 * One segment of a partition log: `<base>.log` (RecordBatch v2 batches back to back), a sparse `<base>.index`
 * (relative offset → file position) and `<base>.timeindex` (max timestamp → relative offset), both `SparseIndex`es.
 * Index files are caches: kept in memory, written as they grow, fsynced when the segment is sealed, and rebuilt
 * from the log when missing or implausible.
 *
 * Every read checks what it takes from disk before trusting it: batch lengths (a zero or oversized length fails
 * the read instead of looping or skipping records), offsets (increasing) and, unless turned off, each batch's
 * CRC32C. A failed check is a `StorageError('corrupt-batch')`: a damaged range is answered with an error,
 * never with wrong bytes.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import {
  BATCH_HEADER_SIZE, LOG_OVERHEAD, batchBaseOffsetAt, batchLastOffsetAt, batchMaxTimestampAt, batchSizeAt, checkBatch,
} from '../codec/record-batch.js'
import { readFully, scanBatches, scanPastDamage, type ScannedBatch } from './batch-scan.js'
import { StorageError, ioError } from './errors.js'
import { unlinkIfExists } from './fs-util.js'
import { segmentPaths } from './segment-files.js'
import type { OpenSegmentFiles } from './open-files.js'
import { OFFSET_INDEX, SparseIndex, TIME_INDEX } from './sparse-index.js'

export type { ScannedBatch, ScanStop } from './batch-scan.js'
export { scanBatches } from './batch-scan.js'
export { segmentFileName } from './segment-files.js'

const READ_SLACK = 16 * 1024
/** Bytes of a batch header needed to know its base offset, size and last offset. */
const HEADER_PREFIX = 27

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

export interface SegmentOptions {
  indexInterval: number
  /** Bound on open log files of sealed segments (shared by every segment of a store); unbounded without it. */
  openFiles?: OpenSegmentFiles | undefined
  /** Verify each batch's CRC32C on reads (default true). */
  verifyReads?: boolean
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
  private readonly verifyReads: boolean
  /** Relative offset of a batch's last offset → its position. */
  private readonly offsetIndex: SparseIndex
  /** Max timestamp so far → relative offset of the record holding it. */
  private readonly timeIndex: SparseIndex
  private bytesSinceIndexEntry = 0
  private refs = 1
  private closed = false
  /** The log file, open while active, in use, or not yet closed by the open-files bound. */
  private fd: FileHandle | undefined
  /** Reads in progress on `fd`. */
  private pins = 0
  /** The file was replaced or unlinked: `fd` is the only way to the old inode and stays open until the end. */
  private retired = false
  private readonly openFiles: OpenSegmentFiles | undefined

  private constructor (dir: string, baseOffset: number, fd: FileHandle, options: SegmentOptions, createdAt: number) {
    const paths = segmentPaths(dir, baseOffset)
    this.baseOffset = baseOffset
    this.logPath = paths.log
    this.indexPath = paths.index
    this.timeIndexPath = paths.timeIndex
    this.offsetIndex = new SparseIndex(paths.index, OFFSET_INDEX)
    this.timeIndex = new SparseIndex(paths.timeIndex, TIME_INDEX)
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestamp = baseOffset
    this.indexInterval = options.indexInterval
    this.verifyReads = options.verifyReads ?? true
    this.createdAt = createdAt
    this.fd = fd
    this.openFiles = options.openFiles
  }

  /** The log file, reopened when the open-files bound closed it. */
  private async logFile (): Promise<FileHandle> {
    if (this.closed) throw new StorageError('io', `segment ${this.logPath} is closed`)
    if (this.fd === undefined) {
      try {
        this.fd = await open(this.logPath, 'r+')
      } catch (err) {
        throw ioError(`cannot open ${this.logPath}`, err)
      }
    }
    this.openFiles?.used(this)
    return this.fd
  }

  /** Runs `task` on the log file, which stays open meanwhile. */
  private async withLogFile<T> (task: (fd: FileHandle) => Promise<T>): Promise<T> {
    this.pins++
    try {
      return await task(await this.logFile())
    } finally {
      this.pins--
    }
  }

  /** Called by the open-files bound: closes the log file when nothing needs it open. */
  evict (): boolean {
    if (!this.sealed || this.retired || this.pins > 0 || this.closed) return this.fd === undefined
    const fd = this.fd
    this.fd = undefined
    void fd?.close().catch(() => undefined)
    return true
  }

  /**
   * Before the file is replaced (compaction) or unlinked (retention): make sure it is open and keep it open, so
   * readers holding this segment keep reading the old inode.
   */
  async holdFileOpen (): Promise<void> {
    await this.logFile()
    this.retired = true
  }

  /** Creates a new, empty segment (replacing any leftover files of the same base offset). */
  static async create (dir: string, baseOffset: number, options: SegmentOptions, now: number): Promise<Segment> {
    let fd: FileHandle
    try {
      fd = await open(segmentPaths(dir, baseOffset).log, 'w+')
    } catch (err) {
      throw ioError(`cannot create segment ${baseOffset} in ${dir}`, err)
    }
    const seg = new Segment(dir, baseOffset, fd, options, now)
    await seg.offsetIndex.createEmpty()
    await seg.timeIndex.createEmpty()
    return seg
  }

  /**
   * Opens an existing segment. With `recover`, or when its indexes are missing or implausible, every batch is
   * validated (length, CRC32C, offsets) and indexes are rebuilt. Nothing is truncated here: `invalidFrom` says
   * where the valid batches end (undefined when the whole file is valid) and the loader decides what to do.
   */
  static async load (dir: string, baseOffset: number, options: SegmentOptions, recover: boolean, now: number): Promise<{ segment: Segment, invalidFrom: number | undefined, fileSize: number }> {
    const logPath = segmentPaths(dir, baseOffset).log
    let fd: FileHandle
    try {
      fd = await open(logPath, 'r+')
    } catch (err) {
      throw ioError(`cannot open ${logPath}`, err)
    }
    const seg = new Segment(dir, baseOffset, fd, options, (await stat(logPath)).mtimeMs || now)
    const fileSize = (await fd.stat()).size
    seg.openFiles?.used(seg)
    if (!recover && await seg.loadIndexes(fileSize)) {
      // Trusted indexes: scan only the tail after the last index entry, validating it.
      const from = seg.offsetIndex.lastValue ?? 0
      const result = await scanBatches(fd, from, fileSize, baseOffset, true, b => { seg.noteTailBatch(b) })
      if (result.stop === 'end') {
        seg.size = seg.committedSize = seg.syncedSize = fileSize
        seg.nextOffset = Math.max(seg.nextOffset, result.nextOffset)
        if (seg.firstBatchTimestamp === null && fileSize > 0) seg.firstBatchTimestamp = await seg.readFirstBatchTimestamp()
        return { segment: seg, invalidFrom: undefined, fileSize }
      }
      seg.resetIndexes()
    }
    const validEnd = await seg.rebuild(fileSize)
    return { segment: seg, invalidFrom: validEnd < fileSize ? validEnd : undefined, fileSize }
  }

  private resetIndexes (): void {
    this.offsetIndex.clear()
    this.timeIndex.clear()
    this.bytesSinceIndexEntry = 0
    this.maxTimestamp = -1
    this.offsetOfMaxTimestamp = this.baseOffset
    this.firstBatchTimestamp = null
    this.nextOffset = this.baseOffset
  }

  private async readFirstBatchTimestamp (): Promise<number | null> {
    const head = Buffer.allocUnsafe(BATCH_HEADER_SIZE)
    if (await readFully(await this.logFile(), head, 0) < BATCH_HEADER_SIZE) return null
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
    if (!await this.offsetIndex.load(fileSize) || !await this.timeIndex.load(fileSize)) return false
    const lastTs = this.timeIndex.lastKey
    if (lastTs !== undefined) {
      this.maxTimestamp = lastTs
      this.offsetOfMaxTimestamp = this.baseOffset + (this.timeIndex.lastValue as number)
    }
    const lastRel = this.offsetIndex.lastKey
    if (lastRel !== undefined) this.nextOffset = this.baseOffset + lastRel + 1
    return true
  }

  /** Full validation scan: rebuilds indexes; returns where the valid batches end. */
  private async rebuild (fileSize: number): Promise<number> {
    this.resetIndexes()
    const result = await scanBatches(await this.logFile(), 0, fileSize, this.baseOffset, true, b => {
      this.noteBatch(b.position, b.size, b.lastOffset, b.maxTimestamp)
    })
    this.size = this.committedSize = this.syncedSize = result.validEnd
    this.nextOffset = result.nextOffset
    await this.offsetIndex.rewrite()
    await this.timeIndex.rewrite()
    return result.validEnd
  }

  /** What the bytes after damage at `from` (found by `load`) held: see scanPastDamage. */
  async scanPastDamage (from: number, fileSize: number): Promise<{ validAfter: boolean, highestOffset: number | undefined }> {
    return await this.withLogFile(async fd => await scanPastDamage(fd, from, fileSize, this.nextOffset))
  }

  /** Cuts a torn tail found by `load` (recovery of the active segment only). */
  async truncateInvalidTail (): Promise<void> {
    const fd = await this.logFile()
    await fd.truncate(this.size)
    await fd.datasync()
  }

  /** Index bookkeeping for a batch at `position` (Kafka's rule: an entry once more than index.interval.bytes went by). */
  private noteBatch (position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (this.firstBatchTimestamp === null) this.firstBatchTimestamp = maxTimestamp
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp
      this.offsetOfMaxTimestamp = lastOffset
    }
    if (this.bytesSinceIndexEntry > this.indexInterval) {
      this.offsetIndex.append(lastOffset - this.baseOffset, position)
      this.maybeAddTimeEntry()
      this.bytesSinceIndexEntry = 0
    }
    this.bytesSinceIndexEntry += size
    this.nextOffset = lastOffset + 1
  }

  private maybeAddTimeEntry (): void {
    if (this.maxTimestamp > (this.timeIndex.lastKey ?? -Infinity)) {
      this.timeIndex.append(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset)
    }
  }

  /** Writes index entries added since the last call (no fsync: indexes are rebuilt after an unclean stop). */
  async persistIndexes (): Promise<void> {
    await this.offsetIndex.persist()
    await this.timeIndex.persist()
  }

  private async closeIndexHandles (): Promise<void> {
    await this.offsetIndex.close()
    await this.timeIndex.close()
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
    const fd = await this.logFile()
    try {
      let written = 0
      while (written < total) {
        const rest = written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)]
        const { bytesWritten } = await fd.writev(rest, start + written)
        if (bytesWritten === 0) throw new Error('short write')
        written += bytesWritten
      }
    } catch (err) {
      await fd.truncate(start).catch(() => undefined)
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
    await (await this.logFile()).truncate(size)
    this.size = this.committedSize = size
    this.syncedSize = Math.min(this.syncedSize, size)
    this.nextOffset = nextOffset
    this.offsetIndex.truncateWhile((_rel, position) => position >= size)
    this.timeIndex.truncateWhile((_ts, rel) => this.baseOffset + rel >= nextOffset)
    await this.offsetIndex.truncateFile()
    await this.timeIndex.truncateFile()
  }

  async datasync (): Promise<void> {
    await (await this.logFile()).datasync()
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
    await (await this.logFile()).sync()
    await this.offsetIndex.sync()
    await this.timeIndex.sync()
  }

  /** Position to start scanning from for `offset`: the largest index entry at or below it, else 0. */
  lookupPosition (offset: number): number {
    return this.offsetIndex.floor(offset - this.baseOffset, 0)
  }

  /** Offset to start a timestamp search from: the largest time-index entry at or below `timestamp`, else the base. */
  lookupTimestamp (timestamp: number): number {
    const rel = this.timeIndex.floor(timestamp, -1)
    return rel < 0 ? this.baseOffset : this.baseOffset + rel
  }

  private corrupt (position: number, what: string): StorageError {
    return new StorageError('corrupt-batch', `corrupt record batch at byte ${position} of ${this.logPath}: ${what}`,
      { details: { file: this.logPath, position } })
  }

  /** The size of the batch at `at` in `chunk` (file position `position`), checked against what may be read. */
  private checkedSize (chunk: Buffer, at: number, position: number, limit: number): number {
    const size = batchSizeAt(chunk, at)
    if (size < BATCH_HEADER_SIZE) throw this.corrupt(position, `length ${size - LOG_OVERHEAD} is below the batch header size`)
    if (position + size > limit) throw this.corrupt(position, `length ${size - LOG_OVERHEAD} runs past the end of the committed log (${limit} bytes)`)
    return size
  }

  private verify (chunk: Buffer, at: number, size: number, position: number, previousLast: number): void {
    const base = batchBaseOffsetAt(chunk, at)
    const last = batchLastOffsetAt(chunk, at)
    if (last < base || base <= previousLast || base < this.baseOffset) throw this.corrupt(position, `offsets ${base}..${last} out of order`)
    if (!this.verifyReads) return
    const check = checkBatch(chunk, at, at + size)
    if (!check.ok) throw this.corrupt(position, check.reason)
  }

  /**
   * Whole batches from the one holding `offset`, at most `maxBytes`, within the committed bytes. The first batch
   * comes whole even when it is larger than `maxBytes`, unless `mustFit` (a follow-up read filling a fetch).
   * Returns null when the segment holds nothing at or after `offset`, or the first batch must fit and does not.
   * `nextBatchSize` is the size of the batch after the returned ones when the read saw its header.
   * Throws `StorageError('corrupt-batch')` when a batch on the way fails its checks.
   */
  async read (offset: number, maxBytes: number, mustFit = false): Promise<SegmentRead | null> {
    return await this.withLogFile(async fd => await this.readFrom(fd, offset, maxBytes, mustFit))
  }

  private async readFrom (fd: FileHandle, offset: number, maxBytes: number, mustFit: boolean): Promise<SegmentRead | null> {
    const limit = this.committedSize
    let pos = this.lookupPosition(offset)
    let previousLast = -1
    while (pos < limit) {
      const len = Math.min(limit - pos, Math.max(maxBytes, 0) + READ_SLACK)
      const chunk = Buffer.allocUnsafe(len)
      const got = await readFully(fd, chunk, pos)
      if (got < LOG_OVERHEAD) throw this.corrupt(pos, `the file ends before the committed size ${limit}`)
      let p = 0
      let start = -1
      // Skip the batches below `offset` (headers only: their bytes are not returned).
      while (p + HEADER_PREFIX <= got) {
        const size = this.checkedSize(chunk, p, pos + p, limit)
        const last = batchLastOffsetAt(chunk, p)
        if (last >= offset) { start = p; break }
        previousLast = last
        p += size
      }
      if (start < 0) {
        if (p === 0) throw this.corrupt(pos, 'batch header cut short')
        pos += p
        continue
      }
      let end = start
      let count = 0
      let lastOffset = -1
      while (end + HEADER_PREFIX <= got) {
        const size = this.checkedSize(chunk, end, pos + end, limit)
        if (end + size > got) break
        if ((count > 0 || mustFit) && end + size - start > maxBytes) break
        this.verify(chunk, end, size, pos + end, count === 0 ? previousLast : lastOffset)
        lastOffset = batchLastOffsetAt(chunk, end)
        end += size
        count++
      }
      const nextBatchSize = end + LOG_OVERHEAD <= got ? batchSizeAt(chunk, end) : undefined
      if (count === 0) {
        const size = this.checkedSize(chunk, start, pos + start, limit)
        if (mustFit && size > maxBytes) return null
        // The first batch does not fit in the chunk: read it alone, whole.
        const whole = Buffer.allocUnsafe(size)
        if (await readFully(fd, whole, pos + start) < size) throw this.corrupt(pos + start, 'the file ends inside the batch')
        this.verify(whole, 0, size, pos + start, previousLast)
        return { buf: whole, nextOffset: batchLastOffsetAt(whole, 0) + 1, nextBatchSize: undefined }
      }
      return { buf: chunk.subarray(start, end), nextOffset: lastOffset + 1, nextBatchSize }
    }
    return null
  }

  /**
   * Scans committed batches from the one holding `fromOffset` (timestamp searches and compaction), validating each:
   * a corrupt batch throws rather than being handed on (compaction would otherwise rewrite it with a fresh CRC).
   */
  async scan (fromOffset: number, onBatch: (b: ScannedBatch) => void | 'stop' | Promise<void>): Promise<void> {
    const result = await this.withLogFile(async fd => await scanBatches(fd, this.lookupPosition(fromOffset), this.committedSize, this.baseOffset, true, onBatch))
    if (result.stop !== 'end') throw this.corrupt(result.validEnd, result.stop === 'truncated' ? 'the file ends inside a batch' : 'bad length, magic, CRC or offsets')
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
    this.openFiles?.forget(this)
    await this.closeIndexHandles().catch(() => undefined)
    const fd = this.fd
    this.fd = undefined
    await fd?.close().catch(() => undefined)
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

  /** Closes without writing anything (a segment being quarantined or abandoned at load). */
  async abandon (): Promise<void> {
    this.refs = 0
    await this.closeHandles()
  }

  /** Removes the segment's files; open readers keep working on the unlinked inode until they release it. */
  async deleteFiles (): Promise<void> {
    await this.unlinkFiles()
    this.release()
  }

  /** Removes the segment's files but keeps the caller's reference (released later, after a swap). */
  async unlinkFiles (): Promise<void> {
    await this.holdFileOpen()
    await unlinkIfExists(this.logPath)
    await unlinkIfExists(this.indexPath)
    await unlinkIfExists(this.timeIndexPath)
  }

  get indexEntries (): number { return this.offsetIndex.length }
  get timeIndexEntries (): number { return this.timeIndex.length }
}
