/**
 * Key/value layout of committed-offset records in `__consumer_offsets`, after Kafka's OffsetCommitKey (type 1)
 * and OffsetCommitValue (version 3): big-endian, classic INT16-length strings. A null value is a tombstone.
 *
 *   key   = int16 1 | string group | string topic | int32 partition
 *   value = int16 3 | int64 offset | int32 leaderEpoch (-1) | string metadata | int64 commitTimestamp
 *
 * Kept byte-compatible with Kafka's so tools that know that layout can read our offsets topic.
 */
import { KrestError } from '../util/errors.js'

export const OFFSET_COMMIT_KEY_VERSION = 1
export const OFFSET_COMMIT_VALUE_VERSION = 3

export interface OffsetCommitKey {
  group: string
  topic: string
  partition: number
}

export interface OffsetCommitValue {
  offset: number
  metadata: string
  commitTimestamp: number
}

function strLen (s: string): number {
  const n = Buffer.byteLength(s, 'utf8')
  if (n > 0x7fff) throw new KrestError('INVALID_REQUEST', 'string too long for an offsets record (max 32767 bytes)')
  return n
}

export function encodeOffsetKey (k: OffsetCommitKey): Buffer {
  const g = strLen(k.group)
  const t = strLen(k.topic)
  const buf = Buffer.allocUnsafe(2 + 2 + g + 2 + t + 4)
  let pos = buf.writeInt16BE(OFFSET_COMMIT_KEY_VERSION, 0)
  pos = buf.writeInt16BE(g, pos)
  pos += buf.write(k.group, pos, 'utf8')
  pos = buf.writeInt16BE(t, pos)
  pos += buf.write(k.topic, pos, 'utf8')
  buf.writeInt32BE(k.partition, pos)
  return buf
}

export function encodeOffsetValue (v: OffsetCommitValue): Buffer {
  const m = strLen(v.metadata)
  const buf = Buffer.allocUnsafe(2 + 8 + 4 + 2 + m + 8)
  let pos = buf.writeInt16BE(OFFSET_COMMIT_VALUE_VERSION, 0)
  pos = buf.writeBigInt64BE(BigInt(v.offset), pos)
  pos = buf.writeInt32BE(-1, pos)
  pos = buf.writeInt16BE(m, pos)
  pos += buf.write(v.metadata, pos, 'utf8')
  buf.writeBigInt64BE(BigInt(v.commitTimestamp), pos)
  return buf
}

class Reader {
  pos = 0
  constructor (private readonly buf: Buffer) {}
  need (n: number): void {
    if (this.pos + n > this.buf.length) throw new KrestError('CORRUPT_DATA', 'truncated offsets record')
  }

  int16 (): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v }
  int32 (): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v }
  int64 (): number { this.need(8); const v = Number(this.buf.readBigInt64BE(this.pos)); this.pos += 8; return v }
  nullableString (): string | null {
    const n = this.int16()
    if (n < 0) return null
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  string (): string {
    const n = this.int16()
    if (n < 0) return ''
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }
}

/** Decodes a key; returns null for record types other than offset commits (e.g. group metadata, type 2). */
export function decodeOffsetKey (buf: Buffer): OffsetCommitKey | null {
  const r = new Reader(buf)
  const version = r.int16()
  if (version !== 0 && version !== 1) return null
  return { group: r.string(), topic: r.string(), partition: r.int32() }
}

/** Decodes value versions 0–3 (v1 carries a legacy expire timestamp, ignored). */
export function decodeOffsetValue (buf: Buffer): OffsetCommitValue {
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0 || version > 3) throw new KrestError('CORRUPT_DATA', `unsupported offset commit value version ${version}`)
  const offset = r.int64()
  if (version >= 3) r.int32()
  const metadata = r.string()
  const commitTimestamp = r.int64()
  return { offset, metadata, commitTimestamp }
}

export const GROUP_METADATA_KEY_VERSION = 2
export const GROUP_METADATA_VALUE_VERSION = 0

/** What krest keeps of Kafka's GroupMetadataValue: members never survive a restart, so none are written. */
export interface GroupMetadataValue {
  protocolType: string
  generation: number
  /** The assignor in use, or null. */
  protocol: string | null
}

/** Group metadata key (type 2): int16 2 | string group. */
export function encodeGroupMetadataKey (group: string): Buffer {
  const g = strLen(group)
  const buf = Buffer.allocUnsafe(2 + 2 + g)
  buf.writeInt16BE(GROUP_METADATA_KEY_VERSION, 0)
  buf.writeInt16BE(g, 2)
  buf.write(group, 4, 'utf8')
  return buf
}

/** GroupMetadataValue v0: string protocolType | int32 generation | nullable string protocol | nullable string leader | members (int32 count, 0). */
export function encodeGroupMetadataValue (v: GroupMetadataValue): Buffer {
  const t = strLen(v.protocolType)
  const p = v.protocol === null ? 0 : strLen(v.protocol)
  const buf = Buffer.allocUnsafe(2 + 2 + t + 4 + 2 + p + 2 + 4)
  let pos = buf.writeInt16BE(GROUP_METADATA_VALUE_VERSION, 0)
  pos = buf.writeInt16BE(t, pos)
  pos += buf.write(v.protocolType, pos, 'utf8')
  pos = buf.writeInt32BE(v.generation, pos)
  pos = buf.writeInt16BE(v.protocol === null ? -1 : p, pos)
  if (v.protocol !== null) pos += buf.write(v.protocol, pos, 'utf8')
  pos = buf.writeInt16BE(-1, pos) // leader: none
  buf.writeInt32BE(0, pos) // members
  return buf
}

/** The group of a type-2 key, or null for other record types. */
export function decodeGroupMetadataKey (buf: Buffer): string | null {
  const r = new Reader(buf)
  if (r.int16() !== GROUP_METADATA_KEY_VERSION) return null
  return r.string()
}

/** Reads the leading fields every GroupMetadataValue version (0–4) starts with. */
export function decodeGroupMetadataValue (buf: Buffer): GroupMetadataValue {
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0 || version > 4) throw new KrestError('CORRUPT_DATA', `unsupported group metadata value version ${version}`)
  const protocolType = r.string()
  const generation = r.int32()
  const protocol = r.nullableString()
  return { protocolType, generation, protocol }
}

/** Java's `String.hashCode`, used by Kafka to place a group on an offsets-topic partition. */
export function javaStringHashCode (s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** Kafka's `partitionFor(groupId)`: `Utils.abs(groupId.hashCode) % partitions`, where Utils.abs maps MIN_VALUE to 0. */
export function offsetsPartitionFor (group: string, partitions: number): number {
  const h = javaStringHashCode(group)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}
