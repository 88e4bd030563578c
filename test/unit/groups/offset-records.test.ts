import { describe, expect, it } from 'vitest'
import {
  decodeGroupMetadataKey, decodeGroupMetadataValue, decodeOffsetKey, decodeOffsetValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  encodeOffsetKey, encodeOffsetValue, javaStringHashCode, offsetsPartitionFor,
} from '../../../src/groups/offset-records.js'

describe('offset commit records', () => {
  it('round-trips key and value in Kafka layout', () => {
    const key = encodeOffsetKey({ group: 'g1', topic: 'tópico', partition: 7 })
    expect(key.readInt16BE(0)).toBe(1)
    expect(key.readInt16BE(2)).toBe(2)
    expect(key.toString('utf8', 4, 6)).toBe('g1')
    expect(decodeOffsetKey(key)).toEqual({ group: 'g1', topic: 'tópico', partition: 7 })
    const value = encodeOffsetValue({ offset: 2 ** 40, metadata: 'm', commitTimestamp: 1700000000000 })
    expect(value.readInt16BE(0)).toBe(3)
    expect(value.readInt32BE(10)).toBe(-1)
    expect(decodeOffsetValue(value)).toEqual({ offset: 2 ** 40, metadata: 'm', commitTimestamp: 1700000000000 })
  })

  it('ignores group metadata keys and rejects truncated data', () => {
    const k = Buffer.from([0, 2, 0, 1, 0x67])
    expect(decodeOffsetKey(k)).toBeNull()
    expect(() => decodeOffsetValue(Buffer.from([0, 3, 0, 0]))).toThrow(/truncated/)
  })

  it('round-trips group metadata records (type 2 keys), which offset-commit key decoding skips', () => {
    const key = encodeGroupMetadataKey('grp')
    expect(decodeOffsetKey(key)).toBeNull()
    expect(decodeGroupMetadataKey(key)).toBe('grp')
    expect(decodeGroupMetadataKey(encodeOffsetKey({ group: 'g', topic: 't', partition: 0 }))).toBeNull()
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue({ protocolType: 'consumer', generation: 7, protocol: 'range' }))).toEqual({ protocolType: 'consumer', generation: 7, protocol: 'range' })
    expect(decodeGroupMetadataValue(encodeGroupMetadataValue({ protocolType: '', generation: 0, protocol: null }))).toEqual({ protocolType: '', generation: 0, protocol: null })
  })

  it('places groups like Kafka (String.hashCode, Utils.abs)', () => {
    expect(javaStringHashCode('hello')).toBe(99162322)
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648)
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0)
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50)
  })
})
