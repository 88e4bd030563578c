import snappy from 'snappy'
import { describe, expect, it } from 'vitest'
import { CODEC_GZIP, CODEC_LZ4, CODEC_SNAPPY, CODEC_ZSTD, canCompress, compressRecords, decompressRecords } from '../../../src/codec/compression.js'
import { decodeBatches, encodeRecordBatch } from '../../../src/codec/record-batch.js'
import { crc32c } from '../../../src/codec/crc32c.js'

const data = Buffer.from('record bytes '.repeat(500))

describe('record compression codecs', () => {
  for (const codec of [CODEC_GZIP, CODEC_SNAPPY, CODEC_LZ4, CODEC_ZSTD]) {
    it(`round-trips codec ${codec}`, () => {
      if (!canCompress(codec)) {
        expect(() => compressRecords(codec, data)).toThrow(/Node.js 22.15/)
        return
      }
      const packed = compressRecords(codec, data)
      expect(packed.length).toBeLessThan(data.length)
      expect(decompressRecords(codec, packed)).toEqual(data)
    })
  }

  it('reads snappy in xerial framing (Java clients) as well as raw blocks (librdkafka)', () => {
    const a = snappy.compressSync(data.subarray(0, 3000))
    const b = snappy.compressSync(data.subarray(3000))
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
    const len = (n: number): Buffer => { const x = Buffer.alloc(4); x.writeInt32BE(n); return x }
    const framed = Buffer.concat([header, len(a.length), a, len(b.length), b])
    expect(decompressRecords(CODEC_SNAPPY, framed)).toEqual(data)
    expect(() => decompressRecords(CODEC_SNAPPY, framed.subarray(0, framed.length - 3))).toThrow()
  })

  it('decodes the records of a compressed batch', () => {
    const plain = encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: null, value: Buffer.from('2'), headers: [{ key: 'h', value: Buffer.from('x') }] }], { timestamp: 1000 })
    const compressed = Buffer.concat([plain.subarray(0, 61), compressRecords(CODEC_GZIP, plain.subarray(61))])
    compressed.writeInt32BE(compressed.length - 12, 8)
    compressed.writeInt16BE(CODEC_GZIP, 21)
    compressed.writeUInt32BE(crc32c(compressed.subarray(21)), 17)
    expect(decodeBatches(compressed)).toEqual(decodeBatches(plain))
  })
})
