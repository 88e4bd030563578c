/**
 * Loading a partition directory at start-up (Kafka's LogLoader): finish or discard interrupted compaction swaps,
 * open the segments in base-offset order, validate those that may hold unsynced bytes, and decide what to do with
 * what fails validation.
 */
import { readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { StorageError } from './errors.js'
import { unlinkIfExists } from './fs-util.js'
import { LEFTOVER_SUFFIXES, SWAP_SUFFIX, parseSegmentLogName, segmentPaths } from './segment-files.js'
import { Segment, type SegmentOptions } from './segment.js'
import type { Clock, StorageLogger, StorageProbe } from './types.js'

export interface LoadOptions {
  dir: string
  topic: string
  partition: number
  segmentOptions: SegmentOptions
  clock: Clock
  /** Whether the previous run shut down cleanly (indexes trusted, nothing rescanned). */
  clean: boolean
  /** Offsets below this are in fsynced segments; segments ending above it are validated after an unclean stop. */
  recoveryPoint: number
  logger?: StorageLogger | undefined
  probe?: StorageProbe | undefined
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

/**
 * Opens the segments of a partition directory. After an unclean stop, segments that end above the recovery point
 * are validated batch by batch; a torn or corrupt tail is truncated and any later segments are deleted.
 * Returns the segments in order, the last one active (unsealed); empty when the directory holds none.
 */
export async function loadSegments (options: LoadOptions): Promise<Segment[]> {
  const { dir, topic, partition, logger, probe } = options
  await finishInterruptedSwaps(dir)
  const bases = await segmentBases(dir)
  const segments: Segment[] = []
  let corruptionFound = false
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i] as number
    if (corruptionFound) {
      // Data after a corruption point cannot be trusted (Kafka deletes later segments too).
      const paths = segmentPaths(dir, base)
      for (const path of [paths.log, paths.index, paths.timeIndex]) await unlinkIfExists(path)
      logger?.warn({ topic, partition, baseOffset: base }, 'deleted segment after corruption')
      continue
    }
    const nextBase = bases[i + 1]
    const needsRecovery = !options.clean && (nextBase === undefined || nextBase > options.recoveryPoint)
    const { segment, invalidFrom, fileSize } = await Segment.load(dir, base, options.segmentOptions, needsRecovery, options.clock.now())
    if (invalidFrom !== undefined) {
      await segment.truncateInvalidTail()
      const truncatedBytes = fileSize - invalidFrom
      logger?.warn({ topic, partition, baseOffset: base, truncatedBytes }, 'truncated invalid tail of segment')
      probe?.recovered?.(topic, partition, truncatedBytes)
      corruptionFound = true
    }
    const previous = segments[segments.length - 1]
    if (previous !== undefined && segment.baseOffset < previous.nextOffset) {
      await segment.abandon()
      for (const s of segments) await s.abandon()
      throw new StorageError('corrupt-batch', `segment ${base} of ${topic}-${partition} overlaps the previous segment`)
    }
    if (i < bases.length - 1 && !corruptionFound) segment.sealed = true
    segments.push(segment)
  }
  const active = segments[segments.length - 1]
  if (active !== undefined) active.sealed = false
  return segments
}
