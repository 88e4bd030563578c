/**
 * Writes Kafka protocol primitives into a growing buffer. Large byte payloads (record batches on the fetch path)
 * are kept by reference as separate chunks instead of being copied, so a response is a list of buffers.
 */

/** Payloads at least this big are referenced, not copied. */
const BY_REFERENCE_BYTES = 4096

export class KafkaWriter {
  private buf: Buffer
  private pos = 0
  /** Finished chunks before `buf` (only when byte payloads were referenced). */
  private readonly chunks: Buffer[] = []
  private chunkBytes = 0

  constructor (initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written so far. */
  get length (): number {
    return this.chunkBytes + this.pos
  }

  private ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  int8 (v: number): this { this.ensure(1); this.buf.writeInt8(v, this.pos); this.pos += 1; return this }
  int16 (v: number): this { this.ensure(2); this.buf.writeInt16BE(v, this.pos); this.pos += 2; return this }
  uint16 (v: number): this { this.ensure(2); this.buf.writeUInt16BE(v, this.pos); this.pos += 2; return this }
  int32 (v: number): this { this.ensure(4); this.buf.writeInt32BE(v, this.pos); this.pos += 4; return this }
  uint32 (v: number): this { this.ensure(4); this.buf.writeUInt32BE(v, this.pos); this.pos += 4; return this }
  float64 (v: number): this { this.ensure(8); this.buf.writeDoubleBE(v, this.pos); this.pos += 8; return this }
  bool (v: boolean): this { this.ensure(1); this.buf[this.pos++] = v ? 1 : 0; return this }

  /** int64 from a JS number (exact up to 2^53). */
  int64 (v: number): this {
    this.ensure(8)
    const hi = Math.floor(v / 0x100000000)
    this.buf.writeInt32BE(hi, this.pos)
    this.buf.writeUInt32BE(v - hi * 0x100000000, this.pos + 4)
    this.pos += 8
    return this
  }

  /** A UUID in canonical hex form as 16 raw bytes. */
  uuid (v: string): this {
    const hex = v.replace(/-/g, '')
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${v}`)
    this.ensure(16)
    this.buf.write(hex, this.pos, 16, 'hex')
    this.pos += 16
    return this
  }

  uvarint (v: number): this {
    this.ensure(5)
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80
      v = Math.floor(v / 128)
    }
    this.buf[this.pos++] = v
    return this
  }

  nullableString (v: string | null): this {
    if (v === null) return this.int16(-1)
    const len = Buffer.byteLength(v)
    this.int16(len)
    this.ensure(len)
    this.pos += this.buf.write(v, this.pos, 'utf8')
    return this
  }

  compactNullableString (v: string | null): this {
    if (v === null) return this.uvarint(0)
    const len = Buffer.byteLength(v)
    this.uvarint(len + 1)
    this.ensure(len)
    this.pos += this.buf.write(v, this.pos, 'utf8')
    return this
  }

  /** Raw bytes with no length prefix; big ones are referenced. */
  raw (v: Buffer): this {
    if (v.length >= BY_REFERENCE_BYTES) {
      this.chunks.push(this.buf.subarray(0, this.pos), v)
      this.chunkBytes += this.pos + v.length
      this.buf = this.buf.subarray(this.pos)
      this.pos = 0
      return this
    }
    this.ensure(v.length)
    v.copy(this.buf, this.pos)
    this.pos += v.length
    return this
  }

  /** INT32 length then the bytes (or the concatenation of several buffers); -1 for null. */
  nullableBytes (v: Buffer | readonly Buffer[] | null): this {
    if (v === null) return this.int32(-1)
    const parts = Buffer.isBuffer(v) ? [v] : v
    this.int32(parts.reduce((n, p) => n + p.length, 0))
    for (const p of parts) this.raw(p)
    return this
  }

  compactNullableBytes (v: Buffer | readonly Buffer[] | null): this {
    if (v === null) return this.uvarint(0)
    const parts = Buffer.isBuffer(v) ? [v] : v
    this.uvarint(parts.reduce((n, p) => n + p.length, 0) + 1)
    for (const p of parts) this.raw(p)
    return this
  }

  arrayLength (n: number | null, compact: boolean): this {
    if (compact) return this.uvarint(n === null ? 0 : n + 1)
    return this.int32(n === null ? -1 : n)
  }

  /** Overwrites an int32 at an absolute position (must be in the current buffer, i.e. before any referenced chunk). */
  patchInt32 (at: number, v: number): void {
    if (this.chunks.length > 0) throw new Error('patchInt32 after a referenced chunk')
    this.buf.writeInt32BE(v, at)
  }

  /** The bytes written, as a list of buffers (one unless payloads were referenced). */
  finish (): Buffer[] {
    const out = this.chunks.slice()
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos))
    return out
  }
}
