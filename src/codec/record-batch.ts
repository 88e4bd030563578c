/**
 * Kafka RecordBatch v2 (magic 2): encoder and decoder as pure functions over Buffers.
 * Layout (big-endian): baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 | crc u32 |
 * attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 | producerId i64 |
 * producerEpoch i16 | baseSequence i32 | recordsCount i32 | records…
 * The CRC32C covers attributes to the end, so baseOffset can be stamped without recomputing it.
 */
import { crc32c } from './crc32c.js'
import { readVarint, sizeOfVarint, writeVarint, type VarintCursor } from './varint.js'

export interface RecordHeader {
  key: string
  value: Buffer | null
}

export interface RecordInput {
  key: Buffer | null
  value: Buffer | null
  headers?: RecordHeader[]
  /** ms since epoch; the batch's default timestamp when absent. */
  timestamp?: number
}

export interface DecodedRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: RecordHeader[]
}

export const MAGIC_V2 = 2
/** Size of the fixed batch header, `RECORD_BATCH_OVERHEAD` in Kafka. */
export const BATCH_HEADER_SIZE = 61
/** baseOffset + batchLength: the part of the header not counted in batchLength. */
export const LOG_OVERHEAD = 12

const OFFSET_BATCH_LENGTH = 8
const OFFSET_LEADER_EPOCH = 12
const OFFSET_MAGIC = 16
const OFFSET_CRC = 17
const OFFSET_ATTRIBUTES = 21
const OFFSET_LAST_OFFSET_DELTA = 23
const OFFSET_BASE_TIMESTAMP = 27
const OFFSET_MAX_TIMESTAMP = 35
const OFFSET_PRODUCER_ID = 43
const OFFSET_PRODUCER_EPOCH = 51
const OFFSET_BASE_SEQUENCE = 53
const OFFSET_RECORDS_COUNT = 57

const ATTR_COMPRESSION_MASK = 0x07
const ATTR_TIMESTAMP_TYPE = 0x08
const ATTR_CONTROL = 0x20

export type TimestampType = 'CreateTime' | 'LogAppendTime'

export interface EncodeBatchOptions {
  /** Timestamp for records without one, and the batch timestamp under LogAppendTime. */
  timestamp: number
  timestampType?: TimestampType
  baseOffset?: number
  /** Explicit offset delta per record (compaction keeps original offsets); default 0, 1, 2, … */
  offsetDeltas?: number[]
  /** Defaults to the last record's offset delta. Compaction keeps the original batch's value. */
  lastOffsetDelta?: number
  partitionLeaderEpoch?: number
}

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

function readInt64 (buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4)
}

function writeInt64 (buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 4294967296)
  buf.writeInt32BE(high, pos)
  buf.writeUInt32BE(value - high * 4294967296, pos + 4)
}

function utf8Length (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** Bytes of one record's body (what follows its length varint) at the given timestamp and offset deltas. */
function recordBodySize (r: RecordInput, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + sizeOfVarint(timestampDelta) + sizeOfVarint(offsetDelta)
  size += r.key === null ? 1 : sizeOfVarint(r.key.length) + r.key.length
  size += r.value === null ? 1 : sizeOfVarint(r.value.length) + r.value.length
  const headers = r.headers ?? []
  size += sizeOfVarint(headers.length)
  for (const h of headers) {
    const kl = utf8Length(h.key)
    size += sizeOfVarint(kl) + kl
    size += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length
  }
  return size
}

/**
 * Exact size of `record` written alone, uncompressed, as a RecordBatch v2 (what Kafka compares with
 * `max.message.bytes`), without encoding it.
 */
export function singleRecordBatchSize (record: RecordInput): number {
  const body = recordBodySize(record, 0, 0)
  return BATCH_HEADER_SIZE + sizeOfVarint(body) + body
}

/** Encodes one uncompressed RecordBatch v2. `records` must not be empty. */
export function encodeRecordBatch (records: readonly RecordInput[], options: EncodeBatchOptions): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record')
  const appendTime = options.timestampType === 'LogAppendTime'
  const first = records[0] as RecordInput
  const baseTimestamp = appendTime ? options.timestamp : (first.timestamp ?? options.timestamp)
  let maxTimestamp = -Infinity
  const bodySizes = new Array<number>(records.length)
  const headerKeyLengths: number[] = []
  let total = BATCH_HEADER_SIZE
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecordInput
    const ts = appendTime ? options.timestamp : (r.timestamp ?? options.timestamp)
    if (ts > maxTimestamp) maxTimestamp = ts
    const offsetDelta = options.offsetDeltas === undefined ? i : (options.offsetDeltas[i] as number)
    const size = recordBodySize(r, ts - baseTimestamp, offsetDelta)
    if (r.headers !== undefined) for (const h of r.headers) headerKeyLengths.push(utf8Length(h.key))
    bodySizes[i] = size
    total += sizeOfVarint(size) + size
  }
  const lastOffsetDelta = options.lastOffsetDelta ??
    (options.offsetDeltas === undefined ? records.length - 1 : (options.offsetDeltas[records.length - 1] as number))

  const buf = Buffer.allocUnsafe(total)
  writeInt64(buf, 0, options.baseOffset ?? 0)
  buf.writeInt32BE(total - LOG_OVERHEAD, OFFSET_BATCH_LENGTH)
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, OFFSET_LEADER_EPOCH)
  buf.writeInt8(MAGIC_V2, OFFSET_MAGIC)
  buf.writeInt16BE(appendTime ? ATTR_TIMESTAMP_TYPE : 0, OFFSET_ATTRIBUTES)
  buf.writeInt32BE(lastOffsetDelta, OFFSET_LAST_OFFSET_DELTA)
  writeInt64(buf, OFFSET_BASE_TIMESTAMP, baseTimestamp)
  writeInt64(buf, OFFSET_MAX_TIMESTAMP, maxTimestamp)
  writeInt64(buf, OFFSET_PRODUCER_ID, -1)
  buf.writeInt16BE(-1, OFFSET_PRODUCER_EPOCH)
  buf.writeInt32BE(-1, OFFSET_BASE_SEQUENCE)
  buf.writeInt32BE(records.length, OFFSET_RECORDS_COUNT)

  let pos = BATCH_HEADER_SIZE
  let headerIndex = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecordInput
    const ts = appendTime ? options.timestamp : (r.timestamp ?? options.timestamp)
    const offsetDelta = options.offsetDeltas === undefined ? i : (options.offsetDeltas[i] as number)
    pos = writeVarint(buf, pos, bodySizes[i] as number)
    buf[pos++] = 0 // record attributes
    pos = writeVarint(buf, pos, ts - baseTimestamp)
    pos = writeVarint(buf, pos, offsetDelta)
    if (r.key === null) {
      pos = writeVarint(buf, pos, -1)
    } else {
      pos = writeVarint(buf, pos, r.key.length)
      pos += r.key.copy(buf, pos)
    }
    if (r.value === null) {
      pos = writeVarint(buf, pos, -1)
    } else {
      pos = writeVarint(buf, pos, r.value.length)
      pos += r.value.copy(buf, pos)
    }
    const headers = r.headers ?? []
    pos = writeVarint(buf, pos, headers.length)
    for (const h of headers) {
      const kl = headerKeyLengths[headerIndex++] as number
      pos = writeVarint(buf, pos, kl)
      pos += buf.write(h.key, pos, kl, 'utf8')
      if (h.value === null) {
        pos = writeVarint(buf, pos, -1)
      } else {
        pos = writeVarint(buf, pos, h.value.length)
        pos += h.value.copy(buf, pos)
      }
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(OFFSET_ATTRIBUTES)), OFFSET_CRC)
  return buf
}

/** Overwrites the batch's baseOffset in place (not covered by the CRC). */
export function stampBaseOffset (batch: Buffer, baseOffset: number, pos = 0): void {
  writeInt64(batch, pos, baseOffset)
}

/** Reads the 61-byte header of the batch at `pos` (the caller ensures 61 bytes are there). */
export function readBatchHeader (buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos),
    batchLength: buf.readInt32BE(pos + OFFSET_BATCH_LENGTH),
    partitionLeaderEpoch: buf.readInt32BE(pos + OFFSET_LEADER_EPOCH),
    magic: buf.readInt8(pos + OFFSET_MAGIC),
    crc: buf.readUInt32BE(pos + OFFSET_CRC),
    attributes: buf.readInt16BE(pos + OFFSET_ATTRIBUTES),
    lastOffsetDelta: buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(buf, pos + OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, pos + OFFSET_MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + OFFSET_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
    recordsCount: buf.readInt32BE(pos + OFFSET_RECORDS_COUNT),
  }
}

/** Cheap field readers for scans that need only a few header fields. */
export function batchBaseOffsetAt (buf: Buffer, pos: number): number { return readInt64(buf, pos) }
/** Total size in bytes of the batch at `pos` (batchLength + 12). */
export function batchSizeAt (buf: Buffer, pos: number): number { return buf.readInt32BE(pos + OFFSET_BATCH_LENGTH) + LOG_OVERHEAD }
export function batchLastOffsetAt (buf: Buffer, pos: number): number { return readInt64(buf, pos) + buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA) }
export function batchMaxTimestampAt (buf: Buffer, pos: number): number { return readInt64(buf, pos + OFFSET_MAX_TIMESTAMP) }

export type BatchCheck =
  | { ok: true, size: number }
  | { ok: false, reason: 'truncated' | 'bad-length' | 'bad-magic' | 'bad-crc' | 'bad-count' }

/**
 * Validates the batch at `pos` within `buf[0, end)`: a sane length that fits, magic 2, CRC32C,
 * and a record count consistent with lastOffsetDelta. Used by recovery to find the last valid byte.
 */
export function checkBatch (buf: Buffer, pos: number, end = buf.length): BatchCheck {
  if (end - pos < LOG_OVERHEAD) return { ok: false, reason: 'truncated' }
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH)
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return { ok: false, reason: 'bad-length' }
  const size = batchLength + LOG_OVERHEAD
  if (end - pos < size) return { ok: false, reason: 'truncated' }
  if (buf.readInt8(pos + OFFSET_MAGIC) !== MAGIC_V2) return { ok: false, reason: 'bad-magic' }
  const crc = buf.readUInt32BE(pos + OFFSET_CRC)
  if (crc32c(buf.subarray(pos + OFFSET_ATTRIBUTES, pos + size)) !== crc) return { ok: false, reason: 'bad-crc' }
  const count = buf.readInt32BE(pos + OFFSET_RECORDS_COUNT)
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA)
  if (count < 0 || lastOffsetDelta < 0 || count > lastOffsetDelta + 1) return { ok: false, reason: 'bad-count' }
  return { ok: true, size }
}

function readBytes (buf: Buffer, c: VarintCursor, end: number): Buffer | null {
  readVarint(buf, c)
  const len = c.value
  if (len < 0) return null
  if (c.pos + len > end) throw new RangeError('record field runs past the end of its batch')
  const out = buf.subarray(c.pos, c.pos + len)
  c.pos += len
  return out
}

/**
 * Decodes the records of the (uncompressed) batch at `pos`, appending those with offset ≥ `minOffset` to `out`.
 * Keys, values and header values are slices of `buf` (no copies). Returns the batch size.
 */
export function decodeBatchInto (buf: Buffer, pos: number, out: DecodedRecord[], minOffset = 0): number {
  const size = batchSizeAt(buf, pos)
  const end = pos + size
  if (end > buf.length) throw new RangeError('batch runs past the end of the buffer')
  const baseOffset = readInt64(buf, pos)
  const attributes = buf.readInt16BE(pos + OFFSET_ATTRIBUTES)
  if ((attributes & ATTR_COMPRESSION_MASK) !== 0) throw new RangeError('compressed record batches are not supported')
  if ((attributes & ATTR_CONTROL) !== 0) return size
  const logAppendTime = (attributes & ATTR_TIMESTAMP_TYPE) !== 0
  const baseTimestamp = readInt64(buf, pos + OFFSET_BASE_TIMESTAMP)
  const maxTimestamp = readInt64(buf, pos + OFFSET_MAX_TIMESTAMP)
  const count = buf.readInt32BE(pos + OFFSET_RECORDS_COUNT)
  const c: VarintCursor = { value: 0, pos: pos + BATCH_HEADER_SIZE }
  for (let i = 0; i < count; i++) {
    readVarint(buf, c)
    const recordEnd = c.pos + c.value
    if (recordEnd > end) throw new RangeError('record runs past the end of its batch')
    c.pos += 1 // attributes
    readVarint(buf, c)
    const timestampDelta = c.value
    readVarint(buf, c)
    const offset = baseOffset + c.value
    if (offset < minOffset) { c.pos = recordEnd; continue }
    const key = readBytes(buf, c, recordEnd)
    const value = readBytes(buf, c, recordEnd)
    readVarint(buf, c)
    const headerCount = c.value
    const headers: RecordHeader[] = []
    for (let h = 0; h < headerCount; h++) {
      const hk = readBytes(buf, c, recordEnd)
      const hv = readBytes(buf, c, recordEnd)
      headers.push({ key: hk === null ? '' : hk.toString('utf8'), value: hv })
    }
    c.pos = recordEnd
    out.push({ offset, timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta, key, value, headers })
  }
  return size
}

/** Decodes every whole batch in `buf` (a trailing partial batch is ignored), keeping records with offset ≥ minOffset. */
export function decodeBatches (buf: Buffer, minOffset = 0): DecodedRecord[] {
  const out: DecodedRecord[] = []
  let pos = 0
  while (buf.length - pos >= BATCH_HEADER_SIZE) {
    const size = batchSizeAt(buf, pos)
    if (pos + size > buf.length) break
    decodeBatchInto(buf, pos, out, minOffset)
    pos += size
  }
  return out
}
