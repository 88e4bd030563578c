/**
 * Kafka's embedded "consumer" protocol bytes (ConsumerProtocolSubscription / ConsumerProtocolAssignment): what a
 * member of a group with protocol type `consumer` puts in its JoinGroup metadata and what the leader hands out in
 * SyncGroup. The coordinator treats them as opaque except in mixed groups, where HTTP consumer instances are
 * members too: they publish their subscription in this format, and krest reads the other members' subscriptions
 * (when an HTTP instance leads) or its own assignment (when a Kafka client leads).
 *
 * Classic (non-flexible) encoding: int16 version, then int32-counted arrays, int16-length strings and
 * int32-length nullable bytes. Subscription v0: topics, userData; v1+: ownedPartitions; v2+: generationId;
 * v3+: rackId. Assignment v0–v3: assignedPartitions, userData. Newer versions only append fields, so a decoder
 * reads the fields it knows and ignores the rest, as Kafka's clients do.
 */
import type { TopicPartition } from './assignors.js'

export interface ConsumerSubscription {
  topics: string[]
  userData: Buffer | null
  ownedPartitions: TopicPartition[]
  generationId: number
  rackId: string | null
}

export interface ConsumerAssignment {
  partitions: TopicPartition[]
  userData: Buffer | null
}

export class ConsumerProtocolError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConsumerProtocolError'
  }
}

class Reader {
  private pos = 0
  constructor (private readonly buf: Buffer) {}

  private need (n: number): void {
    if (this.pos + n > this.buf.length) throw new ConsumerProtocolError(`truncated consumer protocol data at byte ${this.pos}`)
  }

  int16 (): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v }
  int32 (): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v }

  string (): string {
    const n = this.int16()
    if (n < 0) throw new ConsumerProtocolError('null string where a string is required')
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  nullableString (): string | null {
    const n = this.int16()
    if (n < 0) return null
    this.need(n)
    const s = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return s
  }

  nullableBytes (): Buffer | null {
    const n = this.int32()
    if (n < 0) return null
    this.need(n)
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return b
  }

  count (): number {
    const n = this.int32()
    if (n < 0) return 0 // a null array reads as empty
    // Each element takes at least 2 bytes: refuses absurd counts before allocating anything.
    if (n * 2 > this.buf.length - this.pos) throw new ConsumerProtocolError(`array of ${n} elements does not fit in the data`)
    return n
  }

  get atEnd (): boolean { return this.pos >= this.buf.length }
}

class Writer {
  private readonly parts: Buffer[] = []

  int16 (v: number): this { const b = Buffer.allocUnsafe(2); b.writeInt16BE(v); this.parts.push(b); return this }
  int32 (v: number): this { const b = Buffer.allocUnsafe(4); b.writeInt32BE(v); this.parts.push(b); return this }

  string (s: string): this {
    const b = Buffer.from(s, 'utf8')
    this.int16(b.length)
    this.parts.push(b)
    return this
  }

  nullableBytes (b: Buffer | null): this {
    if (b === null) return this.int32(-1)
    this.int32(b.length)
    this.parts.push(b)
    return this
  }

  toBuffer (): Buffer { return Buffer.concat(this.parts) }
}

/** Groups partitions by topic (topics in first-seen order, partitions as given). */
function byTopic (partitions: readonly TopicPartition[]): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const tp of partitions) {
    let list = out.get(tp.topic)
    if (list === undefined) out.set(tp.topic, list = [])
    list.push(tp.partition)
  }
  return out
}

function writeTopicPartitions (w: Writer, partitions: readonly TopicPartition[]): void {
  const grouped = byTopic(partitions)
  w.int32(grouped.size)
  for (const [topic, list] of grouped) {
    w.string(topic)
    w.int32(list.length)
    for (const p of list) w.int32(p)
  }
}

function readTopicPartitions (r: Reader): TopicPartition[] {
  const out: TopicPartition[] = []
  const topics = r.count()
  for (let i = 0; i < topics; i++) {
    const topic = r.string()
    const n = r.count()
    for (let j = 0; j < n; j++) out.push({ topic, partition: r.int32() })
  }
  return out
}

/** Subscription v0 (topics and user data): what every client version reads. */
export function encodeSubscription (topics: readonly string[], userData: Buffer | null = null): Buffer {
  const w = new Writer().int16(0).int32(topics.length)
  for (const t of topics) w.string(t)
  return w.nullableBytes(userData).toBuffer()
}

export function decodeSubscription (buf: Buffer): ConsumerSubscription {
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0) throw new ConsumerProtocolError(`invalid subscription version ${version}`)
  const topics: string[] = []
  const n = r.count()
  for (let i = 0; i < n; i++) topics.push(r.string())
  const userData = r.atEnd ? null : r.nullableBytes()
  const ownedPartitions = version >= 1 && !r.atEnd ? readTopicPartitions(r) : []
  const generationId = version >= 2 && !r.atEnd ? r.int32() : -1
  const rackId = version >= 3 && !r.atEnd ? r.nullableString() : null
  return { topics, userData, ownedPartitions, generationId, rackId }
}

/** Assignment v0. */
export function encodeAssignment (partitions: readonly TopicPartition[], userData: Buffer | null = null): Buffer {
  const w = new Writer().int16(0)
  writeTopicPartitions(w, partitions)
  return w.nullableBytes(userData).toBuffer()
}

/** An empty buffer (what a member the leader left out receives) decodes as no partitions. */
export function decodeAssignment (buf: Buffer): ConsumerAssignment {
  if (buf.length === 0) return { partitions: [], userData: null }
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0) throw new ConsumerProtocolError(`invalid assignment version ${version}`)
  const partitions = readTopicPartitions(r)
  const userData = r.atEnd ? null : r.nullableBytes()
  return { partitions, userData }
}
