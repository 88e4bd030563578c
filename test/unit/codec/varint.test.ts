import { describe, expect, it } from 'vitest'
import { readVarint, sizeOfVarint, writeVarint } from '../../../src/codec/varint.js'

// Vectors from Kafka's ByteUtilsTest (signed, zig-zag).
const VECTORS: Array<[number, string]> = [
  [0, '00'], [-1, '01'], [1, '02'], [63, '7e'], [-64, '7f'], [64, '8001'],
  [-65, '8101'], [8191, 'fe7f'], [-8192, 'ff7f'], [8192, '808001'],
  [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f'],
]

describe('zig-zag varint', () => {
  it.each(VECTORS)('encodes %d as %s', (value, hex) => {
    const buf = Buffer.alloc(10)
    const end = writeVarint(buf, 0, value)
    expect(buf.subarray(0, end).toString('hex')).toBe(hex)
    expect(sizeOfVarint(value)).toBe(hex.length / 2)
  })

  it.each(VECTORS)('decodes %d from %s', (value, hex) => {
    const cursor = { value: 0, pos: 0 }
    readVarint(Buffer.from(hex, 'hex'), cursor)
    expect(cursor.value).toBe(value)
    expect(cursor.pos).toBe(hex.length / 2)
  })

  it('round-trips 64-bit-range values used for timestamp deltas', () => {
    for (const v of [2 ** 40, -(2 ** 40), 1_700_000_000_000, -1_700_000_000_000, 2 ** 52]) {
      const buf = Buffer.alloc(10)
      const end = writeVarint(buf, 0, v)
      const cursor = { value: 0, pos: 0 }
      readVarint(buf, cursor)
      expect(cursor.value).toBe(v)
      expect(cursor.pos).toBe(end)
    }
  })

  it('rejects truncated and overlong input', () => {
    expect(() => readVarint(Buffer.from('80', 'hex'), { value: 0, pos: 0 })).toThrow(RangeError)
    expect(() => readVarint(Buffer.alloc(11, 0x80), { value: 0, pos: 0 })).toThrow(RangeError)
  })
})
