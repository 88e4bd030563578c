/**
 * Idempotent producers (KIP-98's idempotence, without transactions): producer ids and epochs, and per producer
 * and partition the sequence numbers of the last five batches, so a retried batch is acknowledged with its
 * original offsets instead of being written twice, a gap is refused and a fenced (older) epoch is refused.
 *
 * The state is checked and updated when a batch takes its place in the write order (before it is durable), so
 * pipelined batches (up to five in flight per connection) are checked against each other. It is rebuilt from the
 * tail of the log the first time a partition sees an idempotent batch after start-up, so it survives restarts
 * and kill -9 without a snapshot file: every acknowledged batch is in the log with its producer id, epoch and
 * sequence.
 */
import type { AppendResult } from './ports.js'
import { KrestError } from '../util/errors.js'

/** Batches remembered per producer and partition (Kafka's window: max.in.flight.requests.per.connection ≤ 5). */
export const REMEMBERED_BATCHES = 5
/** How far back (in offsets) the log is read to rebuild a partition's producer state after a restart. */
export const REBUILD_TAIL_OFFSETS = 200_000

const MAX_SEQUENCE = 0x7fffffff
const MAX_EPOCH = 0x7fff

export interface BatchIdentity {
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

interface RememberedBatch {
  firstSequence: number
  lastSequence: number
  /** Offsets once known (durable), or the pending append. */
  result: Promise<AppendResult>
}

interface PartitionProducer {
  epoch: number
  batches: RememberedBatch[]
}

/** What to do with a batch: append it, or answer with the original append of the same batch. */
export type SequenceVerdict =
  | { kind: 'append', remember: (result: Promise<AppendResult>) => void }
  | { kind: 'duplicate', original: Promise<AppendResult> }

function lastSequenceOf (b: BatchIdentity): number {
  return (b.baseSequence + b.recordsCount - 1) % (MAX_SEQUENCE + 1)
}

function nextSequence (seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1
}

export class ProducerStates {
  /** `topic\0partition` → producer id → state. */
  private readonly partitions = new Map<string, Map<number, PartitionProducer>>()
  private readonly loading = new Map<string, Promise<void>>()
  private lastProducerId = 0
  private readonly clock: { now(): number }

  constructor (clock: { now(): number }) {
    this.clock = clock
  }

  /**
   * A new producer id. Ids come from the clock (ms × 1024, then counting up), so they are unique across restarts
   * without any state on disk as long as the clock does not go back and fewer than 1024 are handed out per ms.
   */
  newProducerId (): number {
    this.lastProducerId = Math.max(this.lastProducerId + 1, this.clock.now() * 1024)
    return this.lastProducerId
  }

  /** The epoch after `epoch`, or undefined when it is exhausted (the producer then gets a new id). */
  static bumpEpoch (epoch: number): number | undefined {
    return epoch + 1 > MAX_EPOCH ? undefined : epoch + 1
  }

  private key (topic: string, partition: number): string {
    return `${topic}\u0000${partition}`
  }

  /** Whether the partition's state is in memory (else `load` must run first). */
  isLoaded (topic: string, partition: number): boolean {
    return this.partitions.has(this.key(topic, partition))
  }

  /**
   * Rebuilds a partition's state from the batches that `scan` yields (oldest first; the log tail). Runs once per
   * partition; concurrent callers share it.
   */
  async load (topic: string, partition: number, scan: (visit: (b: BatchIdentity & { baseOffset: number, lastOffset: number, maxTimestamp: number }) => void) => Promise<void>): Promise<void> {
    const key = this.key(topic, partition)
    if (this.partitions.has(key)) return
    let loading = this.loading.get(key)
    if (loading === undefined) {
      loading = (async () => {
        const producers = new Map<number, PartitionProducer>()
        await scan(b => {
          if (b.producerId < 0) return
          let p = producers.get(b.producerId)
          if (p === undefined || b.producerEpoch > p.epoch) { p = { epoch: b.producerEpoch, batches: [] }; producers.set(b.producerId, p) }
          if (b.producerEpoch < p.epoch) return
          p.batches.push({ firstSequence: b.baseSequence, lastSequence: lastSequenceOf(b), result: Promise.resolve({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, logAppendTime: -1, maxTimestamp: b.maxTimestamp }) })
          if (p.batches.length > REMEMBERED_BATCHES) p.batches.shift()
        })
        if (!this.partitions.has(key)) this.partitions.set(key, producers)
      })().finally(() => { this.loading.delete(key) })
      this.loading.set(key, loading)
    }
    await loading
  }

  /**
   * Checks a batch against the producer's state on this partition (which must be loaded) and, when it is to be
   * appended, records it. Throws OUT_OF_ORDER_SEQUENCE / INVALID_PRODUCER_EPOCH KrestErrors.
   */
  check (topic: string, partition: number, b: BatchIdentity): SequenceVerdict {
    const key = this.key(topic, partition)
    let producers = this.partitions.get(key)
    if (producers === undefined) { producers = new Map(); this.partitions.set(key, producers) }
    const p = producers.get(b.producerId)
    if (b.baseSequence < 0) throw new KrestError('INVALID_RECORD', `Idempotent batch of producer ${b.producerId} has no sequence number.`)
    if (p !== undefined && b.producerEpoch < p.epoch) {
      throw new KrestError('INVALID_PRODUCER_EPOCH', `Producer ${b.producerId} epoch ${b.producerEpoch} is older than the current epoch ${p.epoch} on ${topic}-${partition}.`)
    }
    if (p !== undefined && b.producerEpoch === p.epoch && p.batches.length > 0) {
      const lastSequence = lastSequenceOf(b)
      const same = p.batches.find(x => x.firstSequence === b.baseSequence && x.lastSequence === lastSequence)
      if (same !== undefined) return { kind: 'duplicate', original: same.result }
      const expected = nextSequence((p.batches[p.batches.length - 1] as RememberedBatch).lastSequence)
      if (b.baseSequence !== expected) {
        throw new KrestError('OUT_OF_ORDER_SEQUENCE', `Out of order sequence number for producer ${b.producerId} on ${topic}-${partition}: ${b.baseSequence}, expected ${expected}.`)
      }
    } else if (p !== undefined && b.producerEpoch > p.epoch && b.baseSequence !== 0) {
      throw new KrestError('OUT_OF_ORDER_SEQUENCE', `Producer ${b.producerId} starts epoch ${b.producerEpoch} on ${topic}-${partition} at sequence ${b.baseSequence}, not 0.`)
    }
    // A producer without state here (new, or its last batch is older than the rebuilt tail) starts at any sequence.
    return {
      kind: 'append',
      remember: result => {
        let state = producers.get(b.producerId)
        if (state === undefined || b.producerEpoch > state.epoch) { state = { epoch: b.producerEpoch, batches: [] }; producers.set(b.producerId, state) }
        const entry: RememberedBatch = { firstSequence: b.baseSequence, lastSequence: lastSequenceOf(b), result }
        state.batches.push(entry)
        if (state.batches.length > REMEMBERED_BATCHES) state.batches.shift()
        // A failed append was not written: forget it so the client's retry is not taken for a duplicate, and
        // forget what came after it too (those were queued behind a gap).
        result.catch(() => {
          const s = producers.get(b.producerId)
          if (s === undefined) return
          const at = s.batches.indexOf(entry)
          if (at >= 0) s.batches.splice(at)
          if (s.batches.length === 0) producers.delete(b.producerId)
        })
      },
    }
  }

  /** Drops the state of a deleted topic. */
  forgetTopic (topic: string): void {
    for (const key of [...this.partitions.keys()]) if (key.startsWith(`${topic}\u0000`)) this.partitions.delete(key)
  }
}
