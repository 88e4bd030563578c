/**
 * What start-up found damaged, and where it put the evidence. Recovery truncates only a torn tail of the active
 * segment after an unclean stop (bytes that were never acknowledged); anything else is quarantined: a copy of the
 * damaged file goes to `<dataDir>/.quarantine/<topic>-<partition>/`, the intact part keeps being served, reads
 * of the damaged offsets fail with a clear error, and the damage is reported here (and by `/ready`, the logs and
 * a metric). Nothing is deleted.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fsyncDir } from './fs-util.js'

export const QUARANTINE_DIR = '.quarantine'

export type DamageKind =
  /** A segment holds bytes that fail validation in the middle of the log (a bit flip, a cut, a wrong length). */
  | 'corrupt-segment'
  /** Offsets are missing between two segments (a segment was removed or cut short). */
  | 'missing-offsets'
  /** A topic's `.topics/<topic>.json` is unreadable: the topic is not loaded, its directories are left alone. */
  | 'topic-metadata'
  /** A partition directory with segments that no topic claims (its metadata is missing): left alone. */
  | 'orphan-partition'

export interface DamageReport {
  kind: DamageKind
  topic?: string | undefined
  partition?: number | undefined
  /** The damaged file or directory. */
  path: string
  /** Where a copy of the damaged file was put, when one was made. */
  quarantinedTo?: string | undefined
  /** The offsets that cannot be served, when known ([from, to) ). */
  offsets?: { from: number, to: number } | undefined
  message: string
}

/** Offsets a partition cannot serve: reads there fail with `StorageError('missing-offsets')`. */
export interface MissingRange {
  from: number
  /** Exclusive. */
  to: number
  reason: string
}

/** Copies a damaged file into the quarantine directory (once: an existing copy of the same size is kept). */
export async function quarantineCopy (dataDir: string, partitionDirName: string, file: string): Promise<string> {
  const dir = join(dataDir, QUARANTINE_DIR, partitionDirName)
  const target = join(dir, basename(file))
  const [source, existing] = await Promise.all([stat(file), stat(target).catch(() => undefined)])
  if (existing !== undefined && existing.size === source.size) return target
  await mkdir(dir, { recursive: true })
  await copyFile(file, target)
  await fsyncDir(dir)
  return target
}
