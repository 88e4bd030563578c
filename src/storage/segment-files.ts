/**
 * Names of the files and directories the engine creates, in one place (Kafka's LogFileUtils): segment files are
 * named by their base offset in 20 digits, partition directories `<topic>-<partition>`, compaction output
 * `<base>.log.cleaned` then `<base>.log.swap`.
 */
import { join } from 'node:path'

export const LOG_SUFFIX = '.log'
export const INDEX_SUFFIX = '.index'
export const TIME_INDEX_SUFFIX = '.timeindex'
/** Compaction output still being written: never committed, removed at start-up. */
export const CLEANED_SUFFIX = '.log.cleaned'
/** Compaction output ready to replace `<base>.log`: the rename to this name is the commit point. */
export const SWAP_SUFFIX = '.log.swap'
/** Leftovers of an interrupted operation, removed at start-up. */
export const LEFTOVER_SUFFIXES = ['.cleaned', '.deleted', '.tmp'] as const

const SEGMENT_LOG_NAME = /^(\d{20})\.log$/
const PARTITION_DIR_NAME = /^(.+)-(\d+)$/

export function segmentFileName (baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix
}

/** The base offset of a `<20 digits>.log` name, or undefined for any other name. */
export function parseSegmentLogName (name: string): number | undefined {
  const m = SEGMENT_LOG_NAME.exec(name)
  return m === null ? undefined : Number(m[1])
}

export interface SegmentPaths {
  log: string
  index: string
  timeIndex: string
}

export function segmentPaths (dir: string, baseOffset: number): SegmentPaths {
  return {
    log: join(dir, segmentFileName(baseOffset, LOG_SUFFIX)),
    index: join(dir, segmentFileName(baseOffset, INDEX_SUFFIX)),
    timeIndex: join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)),
  }
}

export function partitionDirName (topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** Splits `<topic>-<partition>` at the last dash (topic names may contain dashes). */
export function parsePartitionDirName (name: string): { topic: string, partition: number } | undefined {
  const m = PARTITION_DIR_NAME.exec(name)
  return m === null ? undefined : { topic: m[1] as string, partition: Number(m[2]) }
}
