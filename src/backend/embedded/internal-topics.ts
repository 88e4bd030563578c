/**
 * Internal topics on the embedded storage engine: each is an ordinary topic of the log store, created internal
 * (hidden from listings, refused to producers and to deletes) with the configs its owner asks for.
 */
import type { InternalRead, InternalRecord, InternalTopic, InternalTopics, InternalTopicSpec, StoragePort } from '../ports.js'

class StoredInternalTopic implements InternalTopic {
  constructor (private readonly storage: StoragePort, readonly name: string, readonly partitions: number) {}

  async append (partition: number, records: readonly InternalRecord[]): Promise<void> {
    await this.storage.partition(this.name, partition).append(records.map(r => ({ ...r })))
  }

  bounds (partition: number): { start: number, end: number } {
    const log = this.storage.partition(this.name, partition)
    return { start: log.logStartOffset, end: log.highWatermark }
  }

  async readFrom (partition: number, offset: number, maxBytes: number): Promise<InternalRead> {
    const res = await this.storage.partition(this.name, partition).read(offset, maxBytes)
    return { records: res.records, nextOffset: res.nextOffset }
  }

  tail (partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.storage.partition(this.name, partition).waitFor(offset, timeoutMs, signal)
  }
}

export function storageInternalTopics (storage: StoragePort): InternalTopics {
  return {
    async open (name: string, spec: InternalTopicSpec): Promise<InternalTopic> {
      const desc = storage.hasTopic(name)
        ? storage.describeTopic(name)
        : await storage.createTopic(name, { partitions: spec.partitions, configs: spec.configs, internal: true })
      return new StoredInternalTopic(storage, name, desc.partitions)
    },
  }
}
