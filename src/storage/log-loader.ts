/**
 * Loading a partition directory at start-up (Kafka's LogLoader): finish or discard interrupted compaction swaps,
 * open the segments in base-offset order, validate those that may hold unsynced bytes, and decide what to do with
 * what fails validation.
 *
 * The rule (docs/storage.md, "Recovery"): only a torn tail of the active segment after an unclean stop is
 * truncated: bytes after the last valid batch with nothing valid behind them, which were never acknowledged.
 * Anything else (a bad batch in a sealed segment, or in the active one with valid batches after it, or after a
 * clean shutdown; offsets missing between segments) is quarantined: the damaged file is copied aside, the intact
 * part is served, reads of the damaged offsets fail, and the damage is reported. No segment is deleted.
 */
import { readdir, rename } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { quarantineCopy, type DamageReport, type MissingRange } from './damage.js'
import { StorageError } from './errors.js'
import { unlinkIfExists } from './fs-util.js'
import { LEFTOVER_SUFFIXES, SWAP_SUFFIX, parseSegmentLogName, segmentPaths } from './segment-files.js'
import { Segment, type SegmentOptions } from './segment.js'
import type { Clock, StorageLogger, StorageProbe } from './types.js'

export interface LoadOptions {
  /** The data directory (for the quarantine) and the partition's directory in it. */
  dataDir: string
  dir: string
  topic: string
  partition: number
  segmentOptions: SegmentOptions
  /** Whether gaps between segments are legitimate (compaction deletes emptied segments). */
  compacted: boolean
  clock: Clock
  /** Whether the previous run shut down cleanly (indexes trusted, nothing rescanned). */
  clean: boolean
  /** Offsets below this are in fsynced segments; segments ending above it are validated after an unclean stop. */
  recoveryPoint: number
  logger?: StorageLogger | undefined
  probe?: StorageProbe | undefined
}

export interface LoadedLog {
  /** In order, the last one active (unsealed); empty when the directory holds none. */
  segments: Segment[]
  /** Offsets that cannot be served. */
  missing: MissingRange[]
  damage: DamageReport[]
}

/** Leftovers of interrupted compaction: `.cleaned` files were never committed; a `.swap` is committed output. */
async function finishInterruptedSwaps (dir: string): Promise<void> {
  const names = await readdir(dir)
  for (const name of names) {
    if (LEFTOVER_SUFFIXES.some(suffix => name.endsWith(suffix))) await unlinkIfExists(join(dir, name))
  }
  for (const name of names) {
    if (!name.endsWith(SWAP_SUFFIX)) continue
    const base = Number(name.slice(0, -SWAP_SUFFIX.length))
    const paths = segmentPaths(dir, base)
    await unlinkIfExists(paths.index)
    await unlinkIfExists(paths.timeIndex)
    await rename(join(dir, name), paths.log)
  }
}

async function segmentBases (dir: string): Promise<number[]> {
  const bases: number[] = []
  for (const name of await readdir(dir)) {
    const base = parseSegmentLogName(name)
    if (base !== undefined) bases.push(base)
  }
  return bases.sort((a, b) => a - b)
}

export async function loadSegments (options: LoadOptions): Promise<LoadedLog> {
  const { dir, topic, partition, logger, probe } = options
  const where = `${topic}-${partition}`
  await finishInterruptedSwaps(dir)
  const bases = await segmentBases(dir)
  const segments: Segment[] = []
  const missing: MissingRange[] = []
  const damage: DamageReport[] = []
  /** The first offset the log may hand out next (beyond anything a damaged active segment held). */
  let floorForNewSegment = 0
  try {
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i] as number
      const nextBase = bases[i + 1]
      const isLast = nextBase === undefined
      const needsRecovery = !options.clean && (isLast || nextBase > options.recoveryPoint)
      const { segment, invalidFrom, fileSize } = await Segment.load(dir, base, options.segmentOptions, needsRecovery, options.clock.now())
      const previous = segments[segments.length - 1]
      if (previous !== undefined && segment.baseOffset < previous.nextOffset) {
        await segment.abandon()
        throw new StorageError('corrupt-batch', `segment ${base} of ${where} overlaps the previous segment`)
      }
      segments.push(segment)
      segment.sealed = !isLast
      if (invalidFrom === undefined) continue
      const past = await segment.scanPastDamage(invalidFrom, fileSize)
      if (isLast && !options.clean && !past.validAfter) {
        // A torn tail: bytes written after the last fsync of an unclean stop, never acknowledged.
        await segment.truncateInvalidTail()
        const truncatedBytes = fileSize - invalidFrom
        logger?.warn({ topic, partition, baseOffset: base, truncatedBytes }, 'truncated torn tail of the active segment')
        probe?.recovered?.(topic, partition, truncatedBytes)
        continue
      }
      // Damage in the middle of the log: keep the file as it is, copy it aside, serve its intact part.
      const quarantinedTo = await quarantineCopy(options.dataDir, basename(dir), segment.logPath)
      const to = nextBase ?? Math.max(segment.nextOffset, (past.highestOffset ?? -1) + 1)
      segment.sealed = true
      floorForNewSegment = Math.max(floorForNewSegment, to)
      const report: DamageReport = {
        kind: 'corrupt-segment',
        topic,
        partition,
        path: segment.logPath,
        quarantinedTo,
        offsets: to > segment.nextOffset ? { from: segment.nextOffset, to } : undefined,
        message: `${where}: segment ${segment.logPath} fails validation at byte ${invalidFrom} of ${fileSize}` +
          (to > segment.nextOffset ? `; offsets ${segment.nextOffset}..${to - 1} cannot be served` : '') +
          `; a copy is in ${quarantinedTo}, the intact part is served`,
      }
      damage.push(report)
      if (report.offsets !== undefined) missing.push({ ...report.offsets, reason: `segment ${segment.logPath} is damaged (copy in ${quarantinedTo})` })
      logger?.error({ topic, partition, baseOffset: base, invalidFrom, fileSize, quarantinedTo }, report.message)
    }
    if (!options.compacted) {
      for (let i = 1; i < segments.length; i++) {
        const prev = segments[i - 1] as Segment
        const next = segments[i] as Segment
        if (prev.nextOffset >= next.baseOffset || missing.some(m => m.from === prev.nextOffset)) continue
        const message = `${where}: offsets ${prev.nextOffset}..${next.baseOffset - 1} are missing between segments ${prev.baseOffset} and ${next.baseOffset} (a segment was removed or cut short)`
        missing.push({ from: prev.nextOffset, to: next.baseOffset, reason: 'a segment was removed or cut short' })
        damage.push({ kind: 'missing-offsets', topic, partition, path: next.logPath, offsets: { from: prev.nextOffset, to: next.baseOffset }, message })
        logger?.error({ topic, partition, from: prev.nextOffset, to: next.baseOffset }, message)
      }
    }
    const last = segments[segments.length - 1]
    if (last !== undefined && last.sealed) {
      // The active segment was damaged: new writes go to a fresh segment past every offset it may have held.
      // (Never at the damaged segment's own base offset: that would overwrite its file.)
      const from = Math.max(floorForNewSegment, last.nextOffset)
      const newBase = Math.max(from, last.baseOffset + 1)
      if (newBase > from) missing.push({ from, to: newBase, reason: `segment ${last.logPath} is damaged` })
      segments.push(await Segment.create(dir, newBase, options.segmentOptions, options.clock.now()))
    }
  } catch (err) {
    for (const s of segments) await s.abandon()
    throw err
  }
  return { segments, missing, damage }
}
