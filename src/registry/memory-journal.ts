import type { SchemaJournal } from './types.js'

/** An in-memory journal: for tests and embedding without durability. Keeps every record, like an uncompacted log. */
export class MemoryJournal implements SchemaJournal {
  readonly records: Array<{ key: Buffer, value: Buffer | null }> = []
  /** When set, the next append rejects with it (to test store failures). */
  failNext: Error | undefined

  async replay (apply: (key: Buffer, value: Buffer | null) => void): Promise<void> {
    for (const r of this.records) apply(r.key, r.value)
  }

  async append (key: Buffer, value: Buffer | null): Promise<void> {
    const err = this.failNext
    if (err !== undefined) {
      this.failNext = undefined
      throw err
    }
    this.records.push({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) })
  }
}
