/** Walking the record batches of a log file, with every length read from disk checked before it is used. */
import type { FileHandle } from 'node:fs/promises'
import {
  BATCH_HEADER_SIZE, LOG_OVERHEAD, batchBaseOffsetAt, batchLastOffsetAt, batchMaxTimestampAt, batchSizeAt, checkBatch,
} from '../codec/record-batch.js'

const SCAN_CHUNK = 4 * 1024 * 1024

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

export async function readFully (fd: FileHandle, buf: Buffer, position: number): Promise<number> {
  let done = 0
  while (done < buf.length) {
    const { bytesRead } = await fd.read(buf, done, buf.length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

/**
 * Walks the batches of a log file from `start` to `end`. Lengths are always bounds-checked (a length below the
 * batch header or past `end` stops the scan); with `validate` each batch's magic, CRC and offsets are checked too.
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

/**
 * After damage at `from`, looks for what the rest of the file held: the highest last offset of any batch that
 * passes every check (found by trying each position whose magic byte is right), and whether there was one.
 * The header of the damaged batch itself counts when it continues the log at `expectedOffset` (its offsets are
 * known even if its bytes are not). Used to tell a torn tail (nothing valid after it) from damage in the middle,
 * and to never hand out again offsets the damaged bytes held.
 */
export async function scanPastDamage (fd: FileHandle, from: number, end: number, expectedOffset: number): Promise<{ validAfter: boolean, highestOffset: number | undefined }> {
  let highestOffset: number | undefined
  let validAfter = false
  const head = Buffer.allocUnsafe(BATCH_HEADER_SIZE)
  if (await readFully(fd, head, from) === BATCH_HEADER_SIZE && batchBaseOffsetAt(head, 0) === expectedOffset) {
    const last = batchLastOffsetAt(head, 0)
    if (last >= expectedOffset && last - expectedOffset < 2 ** 31) highestOffset = last
  }
  const WINDOW = SCAN_CHUNK
  for (let start = from + 1; start < end; start += WINDOW) {
    const len = Math.min(WINDOW + BATCH_HEADER_SIZE, end - start)
    const window = Buffer.allocUnsafe(len)
    const got = await readFully(fd, window, start)
    for (let p = 0; p < Math.min(WINDOW, got); p++) {
      if (window[p + 16] !== 2 || p + BATCH_HEADER_SIZE > got) continue
      const size = batchSizeAt(window, p)
      if (size < BATCH_HEADER_SIZE || start + p + size > end) continue
      let batch = window
      let at = p
      if (p + size > got) {
        batch = Buffer.allocUnsafe(size)
        if (await readFully(fd, batch, start + p) < size) continue
        at = 0
      }
      if (!checkBatch(batch, at, at + size).ok) continue
      const last = batchLastOffsetAt(batch, at)
      if (batchBaseOffsetAt(batch, at) < expectedOffset) continue
      validAfter = true
      if (highestOffset === undefined || last > highestOffset) highestOffset = last
    }
  }
  return { validAfter, highestOffset }
}
