import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BATCH_HEADER_SIZE, encodeRecordBatch, singleRecordBatchSize } from '../../../src/codec/record-batch.js'
import type { RecordInput } from '../../../src/storage/types.js'

const bytes = (max: number): fc.Arbitrary<Buffer | null> => fc.option(fc.uint8Array({ maxLength: max }).map(a => Buffer.from(a)), { nil: null })

describe('singleRecordBatchSize', () => {
  it('equals the size of the RecordBatch the codec writes for that record alone', () => {
    fc.assert(fc.property(
      bytes(300), bytes(20000),
      fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytes(200) }), { maxLength: 4 }),
      fc.integer({ min: 0, max: 2 ** 42 }),
      (key, value, headers, timestamp) => {
        const record: RecordInput = { key, value, headers, timestamp }
        expect(singleRecordBatchSize(record)).toBe(encodeRecordBatch([record], { timestamp, timestampType: 'CreateTime' }).length)
      },
    ), { numRuns: 300 })
  })

  it('counts the 61-byte batch header', () => {
    expect(BATCH_HEADER_SIZE).toBe(61)
    expect(singleRecordBatchSize({ key: null, value: null, timestamp: 0 })).toBe(encodeRecordBatch([{ key: null, value: null, timestamp: 0 }], { timestamp: 0, timestampType: 'CreateTime' }).length)
  })
})
