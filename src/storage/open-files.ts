/**
 * A bound on the log files of sealed segments kept open (issue 13 item 13): sealed segments are opened on first
 * read and closed again, least recently used first, once more than `limit` are open. Active segments, segments
 * being read, and segments whose file was replaced or unlinked while readers may still need the old inode are
 * never closed here (they say so through `evict`).
 */
import { readFileSync } from 'node:fs'

export interface EvictableFile {
  /** Closes the file if it is idle and may be reopened later; false when it must stay open now. */
  evict (): boolean
}

export class OpenSegmentFiles {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly open = new Set<EvictableFile>()

  constructor (readonly limit: number) {}

  /** A file was opened or used: it becomes the most recently used, and the least recently used idle ones close. */
  used (file: EvictableFile): void {
    this.open.delete(file)
    this.open.add(file)
    if (this.open.size > this.limit) this.trim()
  }

  /** The file was closed for good. */
  forget (file: EvictableFile): void {
    this.open.delete(file)
  }

  get size (): number { return this.open.size }

  private trim (): void {
    for (const file of this.open) {
      if (this.open.size <= this.limit) break
      if (file.evict()) this.open.delete(file)
    }
  }
}

/** The soft RLIMIT_NOFILE of this process (Linux: /proc/self/limits), or undefined when it cannot be read. */
export function openFileLimit (): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find(l => l.startsWith('Max open files'))
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
    const n = Number(soft)
    return soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number.isSafeInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

/**
 * Default bound on open sealed-segment files: half the open-file limit (the rest is for sockets, active
 * segments with their two index files, and everything else), at least 16; 1024 when the limit is unknown.
 */
export function defaultMaxOpenSegmentFiles (limit = openFileLimit()): number {
  if (limit === undefined) return 1024
  return Math.max(16, Math.floor(Math.min(limit, 1 << 20) / 2))
}
