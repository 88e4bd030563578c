import type { RecordInput } from '../storage/types.js'

/** Bytes of a RecordBatch v2 header (baseOffset … recordCount). */
export const recordBatchOverhead = 61

function varintSize (value: number): number {
  // zig-zag, then 7 bits per byte
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  let n = 1
  while (v >= 128) { v = Math.floor(v / 128); n++ }
  return n
}

/**
 * Exact size of `record` written alone, uncompressed, as a RecordBatch v2: what Kafka compares with
 * `max.message.bytes`.
 */
export function singleRecordBatchSize (record: RecordInput): number {
  const keyLen = record.key === null ? -1 : record.key.length
  const valueLen = record.value === null ? -1 : record.value.length
  let body = 1 + 1 + 1 + varintSize(keyLen) + Math.max(keyLen, 0) + varintSize(valueLen) + Math.max(valueLen, 0)
  const headers = record.headers ?? []
  body += varintSize(headers.length)
  for (const h of headers) {
    const hk = Buffer.byteLength(h.key)
    const hv = h.value === null ? -1 : h.value.length
    body += varintSize(hk) + hk + varintSize(hv) + Math.max(hv, 0)
  }
  return recordBatchOverhead + varintSize(body) + body
}
