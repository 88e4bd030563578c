/**
 * Shares one storage read among consumers asking for the same partition, offset and size at the same time — the
 * fan-out case, where many groups' parked fetches wake on one append and all read the new records. Only reads
 * in flight are shared (nothing is cached after they settle), so no result is ever staler than a fresh read
 * started a moment earlier. Results are shared: callers must not mutate them.
 */
import type { ReadResult } from '../backend/ports.js'
import type { PartitionPort } from '../backend/ports.js'

export class ReadCoalescer {
  private readonly inFlight = new Map<string, Promise<ReadResult>>()

  read (log: PartitionPort, offset: number, maxBytes: number): Promise<ReadResult> {
    const key = `${log.topic}\u0000${log.partition}\u0000${offset}\u0000${maxBytes}`
    const pending = this.inFlight.get(key)
    if (pending !== undefined) return pending
    const started = log.read(offset, maxBytes)
    this.inFlight.set(key, started)
    const forget = (): void => { this.inFlight.delete(key) }
    started.then(forget, forget)
    return started
  }

  /** Reads in flight (for tests). */
  get size (): number {
    return this.inFlight.size
  }
}
