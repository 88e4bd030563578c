import { describe, expect, it } from 'vitest'
import {
  BATCH_HEADER_SIZE, checkBatch, decodeBatches, encodeRecordBatch, readBatchHeader, stampBaseOffset,
} from '../../../src/codec/record-batch.js'
import { crc32c } from '../../../src/codec/crc32c.js'

describe('RecordBatch v2', () => {
  it('encodes the smallest record exactly as Kafka sizes it (69-byte batch, batchLength 57)', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('a') }], { timestamp: 1000 })
    expect(batch.length).toBe(69)
    const h = readBatchHeader(batch)
    expect(h.batchLength).toBe(57)
    expect(h.magic).toBe(2)
    expect(h.recordsCount).toBe(1)
    expect(h.lastOffsetDelta).toBe(0)
    expect(h.producerId).toBe(-1)
    expect(h.producerEpoch).toBe(-1)
    expect(h.baseSequence).toBe(-1)
    expect(h.partitionLeaderEpoch).toBe(-1)
    // Record: length 7, attributes 0, tsDelta 0, offsetDelta 0, key -1, value len 1 'a', 0 headers.
    expect(batch.subarray(BATCH_HEADER_SIZE).toString('hex')).toBe('0e000000010261' + '00')
  })

  it('computes CRC32C over attributes..end', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], { timestamp: 5 })
    expect(readBatchHeader(batch).crc).toBe(crc32c(batch.subarray(21)))
  })

  it('round-trips keys, values, nulls, headers and timestamps', () => {
    const records = [
      { key: Buffer.from('k1'), value: Buffer.from('hello'), headers: [{ key: 'trace', value: Buffer.from('abc') }, { key: 'ü', value: null }], timestamp: 1_700_000_000_123 },
      { key: null, value: null, timestamp: 1_700_000_000_000 },
      { key: Buffer.alloc(0), value: Buffer.alloc(300, 7) },
    ]
    const batch = encodeRecordBatch(records, { timestamp: 1_700_000_000_500, baseOffset: 42 })
    const h = readBatchHeader(batch)
    expect(h.baseOffset).toBe(42)
    expect(h.baseTimestamp).toBe(1_700_000_000_123)
    expect(h.maxTimestamp).toBe(1_700_000_000_500)
    expect(h.lastOffsetDelta).toBe(2)
    const out = decodeBatches(batch)
    expect(out.map(r => r.offset)).toEqual([42, 43, 44])
    expect(out[0]!.key!.toString()).toBe('k1')
    expect(out[0]!.value!.toString()).toBe('hello')
    expect(out[0]!.headers).toEqual([{ key: 'trace', value: Buffer.from('abc') }, { key: 'ü', value: null }])
    expect(out[0]!.timestamp).toBe(1_700_000_000_123)
    expect(out[1]!.key).toBeNull()
    expect(out[1]!.value).toBeNull()
    expect(out[1]!.timestamp).toBe(1_700_000_000_000)
    expect(out[2]!.key!.length).toBe(0)
    expect(out[2]!.value!.equals(Buffer.alloc(300, 7))).toBe(true)
    expect(out[2]!.timestamp).toBe(1_700_000_000_500)
  })

  it('stamps the base offset without invalidating the CRC', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('x') }, { key: null, value: Buffer.from('y') }], { timestamp: 1 })
    stampBaseOffset(batch, 2 ** 40)
    expect(checkBatch(batch, 0)).toEqual({ ok: true, size: batch.length })
    expect(decodeBatches(batch).map(r => r.offset)).toEqual([2 ** 40, 2 ** 40 + 1])
  })

  it('uses the append time for every record under LogAppendTime', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('x'), timestamp: 5 }], { timestamp: 99, timestampType: 'LogAppendTime' })
    expect(readBatchHeader(batch).attributes & 0x08).toBe(0x08)
    expect(decodeBatches(batch)[0]!.timestamp).toBe(99)
  })

  it('keeps explicit offset deltas (compacted batches have gaps)', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: Buffer.from('b'), value: Buffer.from('2') }],
      { timestamp: 1, baseOffset: 10, offsetDeltas: [1, 4], lastOffsetDelta: 5 })
    expect(readBatchHeader(batch).lastOffsetDelta).toBe(5)
    expect(decodeBatches(batch).map(r => r.offset)).toEqual([11, 14])
    expect(checkBatch(batch, 0).ok).toBe(true)
  })

  it('skips records below minOffset', () => {
    const batch = encodeRecordBatch([0, 1, 2, 3].map(i => ({ key: null, value: Buffer.from(String(i)) })), { timestamp: 1, baseOffset: 100 })
    expect(decodeBatches(batch, 102).map(r => r.value!.toString())).toEqual(['2', '3'])
  })

  it('detects torn, garbled and foreign bytes', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('payload') }], { timestamp: 1 })
    expect(checkBatch(batch.subarray(0, batch.length - 1), 0)).toEqual({ ok: false, reason: 'truncated' })
    const flipped = Buffer.from(batch)
    flipped[flipped.length - 2]! ^= 0xff
    expect(checkBatch(flipped, 0)).toEqual({ ok: false, reason: 'bad-crc' })
    const wrongMagic = Buffer.from(batch)
    wrongMagic[16] = 1
    expect(checkBatch(wrongMagic, 0)).toEqual({ ok: false, reason: 'bad-magic' })
    const badLength = Buffer.from(batch)
    badLength.writeInt32BE(3, 8)
    expect(checkBatch(badLength, 0)).toEqual({ ok: false, reason: 'bad-length' })
    expect(checkBatch(Buffer.alloc(100), 0).ok).toBe(false)
  })

  it('ignores a trailing partial batch when decoding a buffer', () => {
    const a = encodeRecordBatch([{ key: null, value: Buffer.from('a') }], { timestamp: 1, baseOffset: 0 })
    const b = encodeRecordBatch([{ key: null, value: Buffer.from('b') }], { timestamp: 1, baseOffset: 1 })
    const buf = Buffer.concat([a, b.subarray(0, 30)])
    expect(decodeBatches(buf).map(r => r.offset)).toEqual([0])
  })
})
