/**
 * The producer-side partition choice: Kafka's murmur2 for keyed records (the same partition the Java client
 * picks), round-robin per topic for records without a key (as kafkajs's default partitioner).
 */
import { partitionForKey } from '../codec/murmur2.js'

export class Partitioner {
  private readonly counters = new Map<string, number>()

  partition (topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (numPartitions <= 1) return 0
    if (key !== null) return partitionForKey(key, numPartitions)
    const next = this.counters.get(topic) ?? Math.floor(Math.random() * numPartitions)
    this.counters.set(topic, (next + 1) % 0x7fffffff)
    return next % numPartitions
  }
}
