import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey, toPositive } from '../../../src/codec/murmur2.js'

// Vectors from Kafka's UtilsTest.testMurmur2 and the partition choices the Java client makes.
const VECTORS: Array<[string, number, number, number, number]> = [
  ['21', -973932308, 0, 0, 0],
  ['foobar', -790332482, 0, 0, 6],
  ['a-little-bit-long-string', -985981536, 2, 2, 2],
  ['a-little-bit-longer-string', -1486304829, 2, 5, 9],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 2, 5, 7],
  ['abc', 479470107, 0, 3, 7],
]

describe('murmur2', () => {
  it.each(VECTORS)('hashes %s like the Java client', (key, hash, p3, p6, p10) => {
    const bytes = Buffer.from(key, 'ascii')
    expect(murmur2(bytes)).toBe(hash)
    expect(partitionForKey(bytes, 3)).toBe(p3)
    expect(partitionForKey(bytes, 6)).toBe(p6)
    expect(partitionForKey(bytes, 10)).toBe(p10)
  })

  it('toPositive masks the sign bit instead of taking the absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-2147483648)).toBe(0)
  })
})
