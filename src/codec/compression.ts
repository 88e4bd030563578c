/**
 * The compression codecs of Kafka record batches (attributes bits 0–2): gzip, snappy (raw blocks as librdkafka
 * writes them, or xerial framing as the Java client writes them), lz4 (frame format) and zstd.
 *
 * Libraries, chosen for what Node lacks: gzip is node:zlib. Snappy: `snappy` (napi-rs binding of the reference
 * implementation; prebuilt binaries ship as npm optional dependencies, no install script). LZ4 frames:
 * `lz4-napi` (napi-rs binding of lz4_flex; same packaging). zstd: node:zlib's where the runtime has it
 * (Node ≥ 22.15), else `fzstd` (pure-JS decoder) on Node 20: Node 20's zlib has no zstd, and the native zstd
 * bindings on npm need install scripts that download or compile. Compressing zstd therefore needs Node ≥ 22.15.
 *
 * Synchronous on purpose: record decoding (REST consumers, compaction, timestamp lookups) is synchronous.
 */
import * as zlib from 'node:zlib'
import { decompress as fzstdDecompress } from 'fzstd'
import lz4 from 'lz4-napi'
import snappy from 'snappy'

export const CODEC_NONE = 0
export const CODEC_GZIP = 1
export const CODEC_SNAPPY = 2
export const CODEC_LZ4 = 3
export const CODEC_ZSTD = 4

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export const CODEC_NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

/** Largest decompressed records section accepted (a guard against decompression bombs). */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

/** The xerial snappy-java stream header: magic, then version and compatible version (int32 each). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER_SIZE = 16

type ZlibWithZstd = typeof zlib & {
  zstdDecompressSync?: (buf: Buffer, options?: { maxOutputLength?: number }) => Buffer
  zstdCompressSync?: (buf: Buffer) => Buffer
}
const zstdNative = zlib as ZlibWithZstd

function tooBig (size: number): RangeError {
  return new RangeError(`decompressed records are larger than ${MAX_DECOMPRESSED_BYTES} bytes (${size})`)
}

function unsnappy (data: Buffer): Buffer {
  if (data.length >= XERIAL_HEADER_SIZE && data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = []
    let total = 0
    let pos = XERIAL_HEADER_SIZE
    while (pos < data.length) {
      if (pos + 4 > data.length) throw new RangeError('xerial snappy chunk header truncated')
      const len = data.readInt32BE(pos)
      pos += 4
      if (len < 0 || pos + len > data.length) throw new RangeError('xerial snappy chunk truncated')
      const part = snappy.uncompressSync(data.subarray(pos, pos + len), { asBuffer: true }) as Buffer
      total += part.length
      if (total > MAX_DECOMPRESSED_BYTES) throw tooBig(total)
      parts.push(part)
      pos += len
    }
    return Buffer.concat(parts, total)
  }
  return snappy.uncompressSync(data, { asBuffer: true }) as Buffer
}

/** Decompresses a batch's records section. Throws (RangeError or the library's error) on bad input. */
export function decompressRecords (codec: number, data: Buffer): Buffer {
  let out: Buffer
  switch (codec) {
    case CODEC_NONE: return data
    case CODEC_GZIP: out = zlib.gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES }); break
    case CODEC_SNAPPY: out = unsnappy(data); break
    case CODEC_LZ4: out = lz4.decompressFrameSync(data); break
    case CODEC_ZSTD:
      if (zstdNative.zstdDecompressSync !== undefined) out = zstdNative.zstdDecompressSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES })
      else { const u8 = fzstdDecompress(data); out = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength) }
      break
    default: throw new RangeError(`unknown compression codec ${codec}`)
  }
  if (out.length > MAX_DECOMPRESSED_BYTES) throw tooBig(out.length)
  return out
}

/** Whether this runtime can compress with `codec` (zstd needs node:zlib's, Node ≥ 22.15). */
export function canCompress (codec: number): boolean {
  return codec !== CODEC_ZSTD || zstdNative.zstdCompressSync !== undefined
}

/** Compresses a records section with `codec` (snappy as raw blocks, lz4 as a frame). */
export function compressRecords (codec: number, data: Buffer): Buffer {
  switch (codec) {
    case CODEC_NONE: return data
    case CODEC_GZIP: return zlib.gzipSync(data)
    case CODEC_SNAPPY: return snappy.compressSync(data)
    case CODEC_LZ4: return lz4.compressFrameSync(data)
    case CODEC_ZSTD:
      if (zstdNative.zstdCompressSync === undefined) throw new RangeError('zstd compression needs Node.js 22.15 or later (node:zlib zstd)')
      return zstdNative.zstdCompressSync(data)
    default: throw new RangeError(`unknown compression codec ${codec}`)
  }
}
