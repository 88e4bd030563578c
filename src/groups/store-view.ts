/**
 * The part of the storage engine the group coordinator and the embedded consumer use. `LogStore` and
 * `PartitionLog` from `src/storage` satisfy these structurally; keeping the dependency this narrow lets unit
 * tests see exactly what the groups code relies on.
 */
import type { AppendResult, ReadResult, RecordInput, TopicDescription } from '../storage/types.js'

export interface PartitionLogView {
  readonly topic: string
  readonly partition: number
  readonly logStartOffset: number
  readonly highWatermark: number
  append (records: RecordInput[]): Promise<AppendResult>
  read (offset: number, maxBytes: number): Promise<ReadResult>
  offsetForTimestamp (timestamp: number): Promise<{ offset: number, timestamp: number } | null>
  waitFor (offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>
}

export interface TopicStoreView {
  listTopics (): TopicDescription[]
  createTopic (name: string, options: { partitions: number, configs?: Record<string, string>, internal?: boolean }): Promise<TopicDescription>
  partition (topic: string, partition: number): PartitionLogView
}
