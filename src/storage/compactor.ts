/**
 * Log compaction for cleanup.policy=compact: keep the newest record per key among the closed segments, drop
 * records without a key and tombstones older than delete.retention.ms. Offsets never change (batches keep their
 * base offset and lastOffsetDelta, so offset gaps appear), order is preserved.
 *
 * Each segment is rewritten on its own and swapped in crash-safely:
 *   write `<base>.log.cleaned` → fsync → rename to `<base>.log.swap` (the commit point) → remove the old indexes →
 *   rename the swap over `<base>.log` → rebuild indexes. At start-up a `.cleaned` file is deleted and a `.swap`
 *   file completes its rename (see PartitionLog.open). A segment left empty is deleted, except the log's first,
 *   so that compaction never moves the log start offset.
 */
import { open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeBatchInto, encodeRecordBatch, readBatchHeader, type DecodedRecord } from '../codec/record-batch.js'
import { fsyncDir, unlinkIfExists } from './fs-util.js'
import { CLEANED_SUFFIX, SWAP_SUFFIX, segmentFileName } from './segment-files.js'
import { Segment, type SegmentOptions } from './segment.js'

export interface CompactionInput {
  dir: string
  segments: readonly Segment[]
  segmentOptions: SegmentOptions
  deleteRetentionMs: number
  now: number
}

export interface CompactionResult {
  /** The segments that replace the input (same order; emptied ones removed). */
  segments: Segment[]
  /**
   * Input segments no longer in `segments` (rewritten or emptied; their files are already replaced or unlinked).
   * The caller releases them once `segments` is swapped in, so that a reader that picked the old list up before
   * the swap still holds an open file: swapping is invisible to readers.
   */
  retired: Segment[]
}

export async function compactSegments (input: CompactionInput): Promise<CompactionResult> {
  // Pass 1: the last offset of every key in the closed part of the log.
  const latest = new Map<string, number>()
  for (const seg of input.segments) {
    await seg.scan(seg.baseOffset, b => {
      const records: DecodedRecord[] = []
      decodeBatchInto(b.chunk, b.at, records)
      for (const r of records) {
        if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset)
      }
    })
  }
  const result: Segment[] = []
  const retired: Segment[] = []
  let changedAny = false
  // Pass 2: rewrite each segment keeping only the surviving records.
  for (const seg of input.segments) {
    const out: Buffer[] = []
    let dropped = 0
    await seg.scan(seg.baseOffset, b => {
      const batch = b.chunk.subarray(b.at, b.at + b.size)
      const records: DecodedRecord[] = []
      decodeBatchInto(batch, 0, records)
      const kept = records.filter(r => {
        if (r.key === null) return false
        if (latest.get(r.key.toString('latin1')) !== r.offset) return false
        if (r.value === null && input.now - r.timestamp > input.deleteRetentionMs) return false
        return true
      })
      dropped += records.length - kept.length
      if (kept.length === records.length) { out.push(Buffer.from(batch)); return }
      if (kept.length === 0) return
      const header = readBatchHeader(batch, 0)
      const logAppendTime = (header.attributes & 0x08) !== 0
      out.push(encodeRecordBatch(kept, {
        baseOffset: header.baseOffset,
        timestamp: header.maxTimestamp,
        timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
        offsetDeltas: kept.map(r => r.offset - header.baseOffset),
        lastOffsetDelta: header.lastOffsetDelta,
        partitionLeaderEpoch: header.partitionLeaderEpoch,
      }))
    })
    if (dropped === 0) { result.push(seg); continue }
    changedAny = true
    const cleanedPath = join(input.dir, segmentFileName(seg.baseOffset, CLEANED_SUFFIX))
    const swapPath = join(input.dir, segmentFileName(seg.baseOffset, SWAP_SUFFIX))
    // An emptied segment goes, except the log's first: the log start offset stays where it was, as in Kafka.
    if (out.length === 0 && seg !== input.segments[0]) {
      await seg.unlinkFiles()
      retired.push(seg)
      continue
    }
    const fd = await open(cleanedPath, 'w')
    try {
      if (out.length > 0) await fd.writev(out)
      await fd.sync()
    } finally {
      await fd.close()
    }
    await rename(cleanedPath, swapPath)
    await fsyncDir(input.dir)
    await seg.holdFileOpen() // readers holding the old segment keep its inode through this handle
    await unlinkIfExists(seg.indexPath)
    await unlinkIfExists(seg.timeIndexPath)
    await rename(swapPath, seg.logPath)
    await fsyncDir(input.dir)
    retired.push(seg) // released by the caller after the swap; its open handle keeps reading the old inode
    const { segment } = await Segment.load(input.dir, seg.baseOffset, input.segmentOptions, true, input.now)
    await segment.seal()
    result.push(segment)
  }
  if (changedAny) await fsyncDir(input.dir)
  return { segments: result, retired }
}
