/**
 * Reads Kafka protocol primitives from one request body (big-endian; KIP-482 compact forms for flexible versions).
 * Every read checks bounds and throws `ProtocolDecodeError`, which the connection turns into a closed connection.
 */

export class ProtocolDecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ProtocolDecodeError'
  }
}

export class KafkaReader {
  readonly buf: Buffer
  pos: number
  private readonly end: number

  constructor (buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf
    this.pos = pos
    this.end = end
  }

  get remaining (): number {
    return this.end - this.pos
  }

  private need (n: number): number {
    const at = this.pos
    if (n < 0 || at + n > this.end) throw new ProtocolDecodeError(`truncated: need ${n} bytes at ${at}, ${this.end - at} left`)
    this.pos = at + n
    return at
  }

  int8 (): number { return this.buf.readInt8(this.need(1)) }
  int16 (): number { return this.buf.readInt16BE(this.need(2)) }
  uint16 (): number { return this.buf.readUInt16BE(this.need(2)) }
  int32 (): number { return this.buf.readInt32BE(this.need(4)) }
  uint32 (): number { return this.buf.readUInt32BE(this.need(4)) }
  float64 (): number { return this.buf.readDoubleBE(this.need(8)) }
  bool (): boolean { return this.buf[this.need(1)] !== 0 }

  /** int64 as a JS number: exact up to 2^53, which covers offsets, timestamps and producer ids in practice. */
  int64 (): number {
    const at = this.need(8)
    const hi = this.buf.readInt32BE(at)
    const lo = this.buf.readUInt32BE(at + 4)
    return hi * 0x100000000 + lo
  }

  /** A UUID as its 16 raw bytes in canonical hex form (8-4-4-4-12). */
  uuid (): string {
    const at = this.need(16)
    const hex = this.buf.toString('hex', at, at + 16)
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }

  /** Unsigned LEB128 varint (compact lengths, tag numbers), at most 5 bytes. */
  uvarint (): number {
    let result = 0
    let shift = 1
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)] as number
      result += (b & 0x7f) * shift
      if ((b & 0x80) === 0) return result
      shift *= 128
    }
    throw new ProtocolDecodeError('unsigned varint longer than 5 bytes')
  }

  /** INT16-length string; -1 is null. */
  nullableString (): string | null {
    const len = this.int16()
    if (len === -1) return null
    if (len < 0) throw new ProtocolDecodeError(`negative string length ${len}`)
    const at = this.need(len)
    return this.buf.toString('utf8', at, at + len)
  }

  /** Unsigned-varint N+1 length string; 0 is null. */
  compactNullableString (): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    const at = this.need(n - 1)
    return this.buf.toString('utf8', at, at + n - 1)
  }

  /** INT32-length bytes (a view, not a copy); -1 is null. */
  nullableBytes (): Buffer | null {
    const len = this.int32()
    if (len === -1) return null
    if (len < 0) throw new ProtocolDecodeError(`negative bytes length ${len}`)
    const at = this.need(len)
    return this.buf.subarray(at, at + len)
  }

  /** Unsigned-varint N+1 length bytes (a view); 0 is null. */
  compactNullableBytes (): Buffer | null {
    const n = this.uvarint()
    if (n === 0) return null
    const at = this.need(n - 1)
    return this.buf.subarray(at, at + n - 1)
  }

  /** An array length: INT32 (-1 null) or compact N+1 (0 null). Guards against lengths that cannot fit the rest. */
  arrayLength (compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32()
    if (n < -1) throw new ProtocolDecodeError(`negative array length ${n}`)
    if (n > this.remaining) throw new ProtocolDecodeError(`array of ${n} elements cannot fit in ${this.remaining} bytes`)
    return n
  }

  /** Skips `n` bytes (unknown tagged fields). */
  skip (n: number): void {
    this.need(n)
  }

  /** Reads a tagged-field section, calling `onTag` for each; unknown tags are skipped by the caller returning false. */
  taggedFields (onTag?: (tag: number, reader: KafkaReader) => boolean): void {
    const count = this.uvarint()
    let last = -1
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint()
      if (tag <= last) throw new ProtocolDecodeError(`tagged fields out of order: ${tag} after ${last}`)
      last = tag
      const size = this.uvarint()
      const start = this.need(size)
      if (onTag !== undefined) {
        const sub = new KafkaReader(this.buf, start, start + size)
        if (onTag(tag, sub) && sub.remaining !== 0) throw new ProtocolDecodeError(`tagged field ${tag} has ${sub.remaining} trailing bytes`)
      }
    }
  }
}
