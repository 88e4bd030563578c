import { describe, expect, it } from 'vitest'
import { ConsumerProtocolError, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../src/groups/consumer-protocol.js'

describe('consumer protocol bytes', () => {
  it('encodes a v0 subscription byte for byte as Kafka lays it out', () => {
    const b = encodeSubscription(['ab'])
    // int16 version 0 | int32 1 topic | int16 2 "ab" | int32 -1 (null user data)
    expect(b.toString('hex')).toBe('0000' + '00000001' + '0002' + '6162' + 'ffffffff')
    expect(decodeSubscription(b)).toEqual({ topics: ['ab'], userData: null, ownedPartitions: [], generationId: -1, rackId: null })
  })

  it('reads newer subscriptions (owned partitions, generation, rack) and ignores what follows', () => {
    const parts = [
      '0003', '00000001', '0001', '74', // v3, topics ['t']
      '00000002', 'beef', // user data
      '00000001', '0001', '74', '00000002', '00000000', '00000003', // owned t-0, t-3
      '00000007', // generation 7
      '0002', '7231', // rack "r1"
      'ffff', // a future field
    ]
    expect(decodeSubscription(Buffer.from(parts.join(''), 'hex'))).toEqual({
      topics: ['t'], userData: Buffer.from('beef', 'hex'), ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 3 }], generationId: 7, rackId: 'r1',
    })
  })

  it('round-trips assignments grouped by topic; empty bytes mean no partitions', () => {
    const tps = [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }]
    expect(decodeAssignment(encodeAssignment(tps))).toEqual({ partitions: tps, userData: null })
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ partitions: [], userData: null })
  })

  it('refuses truncated data and absurd counts with a clear error', () => {
    const b = encodeSubscription(['topic'])
    expect(() => decodeSubscription(b.subarray(0, 8))).toThrow(ConsumerProtocolError)
    expect(() => decodeAssignment(Buffer.from('00007fffffff', 'hex'))).toThrow(/does not fit/)
  })
})
