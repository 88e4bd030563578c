/**
 * A sparse, append-only index of (key → value) entries with ascending keys, kept in memory and mirrored to a file
 * of fixed-size entries. Kafka's offset index (relative offset → file position, 8 bytes an entry) and time index
 * (max timestamp → relative offset, 12 bytes an entry) are two layouts of this one type.
 *
 * The file is a cache: written as entries are added (no fsync until `sync`), read back and checked on open, and
 * rebuilt by the segment from its log when missing or implausible.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { readFileIfExists, unlinkIfExists } from './fs-util.js'

export interface IndexLayout {
  readonly entrySize: number
  write (buf: Buffer, at: number, key: number, value: number): void
  readKey (buf: Buffer, at: number): number
  readValue (buf: Buffer, at: number): number
  /** Whether an entry may follow the previous one (undefined for the first) in a file for a log of `logSize` bytes. */
  plausible (key: number, value: number, prevKey: number | undefined, prevValue: number | undefined, logSize: number): boolean
}

/** `<base>.index`: int32 relative offset → int32 position; both strictly increasing, positions inside the log. */
export const OFFSET_INDEX: IndexLayout = {
  entrySize: 8,
  write (buf, at, key, value) { buf.writeInt32BE(key, at); buf.writeInt32BE(value, at + 4) },
  readKey: (buf, at) => buf.readInt32BE(at),
  readValue: (buf, at) => buf.readInt32BE(at + 4),
  plausible: (key, value, prevKey, prevValue, logSize) =>
    key > (prevKey ?? -1) && value > (prevValue ?? -1) && value < logSize,
}

/** `<base>.timeindex`: int64 timestamp → int32 relative offset; timestamps strictly increasing, offsets not decreasing. */
export const TIME_INDEX: IndexLayout = {
  entrySize: 12,
  write (buf, at, key, value) {
    const high = Math.floor(key / 4294967296)
    buf.writeInt32BE(high, at)
    buf.writeUInt32BE(key - high * 4294967296, at + 4)
    buf.writeInt32BE(value, at + 8)
  },
  readKey: (buf, at) => buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4),
  readValue: (buf, at) => buf.readInt32BE(at + 8),
  plausible: (key, value, prevKey, prevValue) => key > (prevKey ?? -Infinity) && value >= (prevValue ?? 0),
}

export class SparseIndex {
  private readonly keys: number[] = []
  private readonly values: number[] = []
  /** Entries already written to the file. */
  private persisted = 0
  private fd: FileHandle | undefined

  constructor (readonly path: string, private readonly layout: IndexLayout) {}

  get length (): number { return this.keys.length }
  get lastKey (): number | undefined { return this.keys[this.keys.length - 1] }
  get lastValue (): number | undefined { return this.values[this.values.length - 1] }

  append (key: number, value: number): void {
    this.keys.push(key)
    this.values.push(value)
  }

  /** The value of the last entry whose key is ≤ `key`, or `otherwise` when there is none. */
  floor (key: number, otherwise: number): number {
    let lo = 0
    let hi = this.keys.length - 1
    let found = otherwise
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if ((this.keys[mid] as number) <= key) {
        found = this.values[mid] as number
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /** Drops entries from the end while `drop(key, value)` holds (after a log truncation). */
  truncateWhile (drop: (key: number, value: number) => boolean): void {
    while (this.keys.length > 0 && drop(this.keys[this.keys.length - 1] as number, this.values[this.values.length - 1] as number)) {
      this.keys.pop()
      this.values.pop()
    }
  }

  clear (): void {
    this.keys.length = 0
    this.values.length = 0
    this.persisted = 0
  }

  /** Reads the file into memory; false (and nothing kept) when it is missing or implausible for a log of `logSize` bytes. */
  async load (logSize: number): Promise<boolean> {
    this.clear()
    const data = await readFileIfExists(this.path)
    const size = this.layout.entrySize
    if (data === undefined || data.length % size !== 0) return false
    for (let at = 0; at < data.length; at += size) {
      const key = this.layout.readKey(data, at)
      const value = this.layout.readValue(data, at)
      if (!this.layout.plausible(key, value, this.lastKey, this.lastValue, logSize)) {
        this.clear()
        return false
      }
      this.append(key, value)
    }
    this.persisted = this.keys.length
    return true
  }

  /** Writes entries added since the last call (no fsync). */
  async persist (): Promise<void> {
    const fresh = this.keys.length - this.persisted
    if (fresh <= 0) return
    const size = this.layout.entrySize
    const buf = Buffer.allocUnsafe(fresh * size)
    for (let i = 0; i < fresh; i++) this.layout.write(buf, i * size, this.keys[this.persisted + i] as number, this.values[this.persisted + i] as number)
    const fd = await this.handle()
    await fd.write(buf, 0, buf.length, this.persisted * size)
    this.persisted += fresh
  }

  /** Cuts the file back to the entries still in memory, when a truncation removed persisted ones. */
  async truncateFile (): Promise<void> {
    if (this.persisted <= this.keys.length) return
    this.persisted = this.keys.length
    await (await this.handle()).truncate(this.persisted * this.layout.entrySize)
  }

  /** Replaces the file with the entries in memory (after a rebuild from the log). */
  async rewrite (): Promise<void> {
    await this.close()
    await unlinkIfExists(this.path)
    this.persisted = 0
    await (await open(this.path, 'w')).close()
    await this.persist()
  }

  /** Creates an empty file (a new segment). */
  async createEmpty (): Promise<void> {
    await (await open(this.path, 'w')).close()
  }

  async sync (): Promise<void> {
    await (await this.handle()).sync()
  }

  async close (): Promise<void> {
    const fd = this.fd
    this.fd = undefined
    await fd?.close()
  }

  private async handle (): Promise<FileHandle> {
    this.fd ??= await open(this.path, 'r+')
    return this.fd
  }
}
