/**
 * Kafka's zig-zag varints (same as Protobuf's sint32/sint64) used inside RecordBatch v2 records.
 * Values are JS numbers; varlongs are exact up to ±2^53 (timestamp deltas and lengths never come close).
 */

/** Bytes a zig-zag varint of `value` takes. */
export function sizeOfVarint (value: number): number {
  let v = zigzag(value)
  let size = 1
  while (v >= 0x80) { v = Math.floor(v / 128); size++ }
  return size
}

function zigzag (value: number): number {
  // (n << 1) ^ (n >> 63) without 32-bit truncation: non-negatives map to 2n, negatives to -2n - 1.
  return value >= 0 ? value * 2 : -value * 2 - 1
}

/** Writes `value` zig-zag encoded at `pos`; returns the position after it. */
export function writeVarint (buf: Buffer, pos: number, value: number): number {
  let v = zigzag(value)
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos++] = v
  return pos
}

/** A decoded varint and the position after it. Reused by the decoder to avoid allocations. */
export interface VarintCursor {
  value: number
  pos: number
}

/** Reads a zig-zag varint (up to 10 bytes) at `cursor.pos`, advancing it. Throws RangeError on truncation or overlong input. */
export function readVarint (buf: Uint8Array, cursor: VarintCursor): void {
  let pos = cursor.pos
  let result = 0
  let multiplier = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new RangeError('varint runs past the end of the buffer')
    const b = buf[pos++] as number
    result += (b & 0x7f) * multiplier
    if ((b & 0x80) === 0) {
      cursor.pos = pos
      // Un-zig-zag: even → n/2, odd → -(n+1)/2.
      cursor.value = result % 2 === 0 ? result / 2 : -(result + 1) / 2
      return
    }
    multiplier *= 128
  }
  throw new RangeError('varint longer than 10 bytes')
}
