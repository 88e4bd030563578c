import { describe, expect, it } from 'vitest'
import { ReadCoalescer } from '../../../src/groups/read-coalescer.js'
import type { PartitionPort } from '../../../src/backend/ports.js'
import type { ReadResult } from '../../../src/storage/types.js'

/** A log whose reads only settle when the test says so, counting how many were issued. */
function slowLog (): { log: PartitionPort, reads: number, settle: () => void } {
  const pending: (() => void)[] = []
  const state = {
    reads: 0,
    settle: () => { for (const p of pending.splice(0)) p() },
    log: {
      topic: 't',
      partition: 0,
      logStartOffset: 0,
      logEndOffset: 10,
      highWatermark: 10,
      read: async (offset: number): Promise<ReadResult> => {
        state.reads++
        await new Promise<void>(resolve => pending.push(resolve))
        return { records: [], nextOffset: offset, highWatermark: 10, logStartOffset: 0 }
      },
      append: async () => { throw new Error('unused') },
      offsetForTimestamp: async () => null,
      waitFor: async () => true,
    } satisfies PartitionPort,
  }
  return state
}

describe('ReadCoalescer', () => {
  it('shares identical reads in flight, and only those', async () => {
    const s = slowLog()
    const reads = new ReadCoalescer()
    const a = reads.read(s.log, 5, 100)
    const b = reads.read(s.log, 5, 100)
    const c = reads.read(s.log, 6, 100)
    const d = reads.read(s.log, 5, 200)
    expect(a).toBe(b)
    expect(s.reads).toBe(3)
    s.settle()
    await Promise.all([a, b, c, d])
    expect(reads.size).toBe(0)
    const e = reads.read(s.log, 5, 100) // settled reads are not reused
    expect(e).not.toBe(a)
    expect(s.reads).toBe(4)
    s.settle()
    await e
  })
})
