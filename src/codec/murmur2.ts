/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) and the default keyed partition choice,
 * so keyed records land on the same partition as with the Java client.
 */
const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Signed 32-bit murmur2 of `data`, bit-exact with Kafka's Java implementation. */
export function murmur2 (data: Uint8Array): number {
  const length = data.length
  let h = (SEED ^ length) | 0
  const blocks = length >> 2
  for (let i = 0; i < blocks; i++) {
    const o = i << 2
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M)
    h ^= k
  }
  const tail = blocks << 2
  // Kafka's tail handling falls through 3 → 2 → 1.
  const rest = length & 3
  if (rest === 3) h ^= data[tail + 2]! << 16
  if (rest >= 2) h ^= data[tail + 1]! << 8
  if (rest >= 1) {
    h ^= data[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs). */
export function toPositive (n: number): number {
  return n & 0x7fffffff
}

/** The partition the Java client's default partitioner picks for a keyed record. */
export function partitionForKey (key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions
}
