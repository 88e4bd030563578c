/**
 * Partition assignors, exactly as Kafka's client-side `RangeAssignor` and `RoundRobinAssignor` compute them
 * (see kafka-storage.md §8.4). Pure functions: members and partition counts in, assignment out.
 */

export interface TopicPartition {
  topic: string
  partition: number
}

export interface AssignorMember {
  memberId: string
  /** Static membership id (group.instance.id); members with one sort first, by it. */
  groupInstanceId?: string | undefined
  /** Topics this member subscribes to (already resolved when the subscription is a pattern). */
  topics: readonly string[]
}

export type AssignorName = 'range' | 'roundrobin'
export const ASSIGNOR_NAMES: readonly AssignorName[] = ['range', 'roundrobin']

/** memberId → assigned partitions, topic then partition order. Every member appears, possibly with []. */
export type Assignment = Map<string, TopicPartition[]>

/** Kafka's `MemberInfo` order: static members first ordered by instance id, then the rest by member id. */
export function compareMembers (a: AssignorMember, b: AssignorMember): number {
  const ai = a.groupInstanceId
  const bi = b.groupInstanceId
  if (ai !== undefined && bi !== undefined) return ai < bi ? -1 : ai > bi ? 1 : cmp(a.memberId, b.memberId)
  if (ai !== undefined) return -1
  if (bi !== undefined) return 1
  return cmp(a.memberId, b.memberId)
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function emptyAssignment (members: readonly AssignorMember[]): Assignment {
  const out: Assignment = new Map()
  for (const m of members) out.set(m.memberId, [])
  return out
}

function sortAssignment (out: Assignment): Assignment {
  for (const list of out.values()) list.sort((x, y) => cmp(x.topic, y.topic) || x.partition - y.partition)
  return out
}

/**
 * Range: per topic, sort that topic's subscribers; n = P div C, extra = P mod C; the first `extra`
 * subscribers get n + 1 consecutive partitions, the rest n. Topics that do not exist (no count) are skipped.
 */
export function rangeAssign (members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out = emptyAssignment(members)
  const subscribers = new Map<string, AssignorMember[]>()
  for (const m of members) {
    for (const t of new Set(m.topics)) {
      let list = subscribers.get(t)
      if (list === undefined) subscribers.set(t, list = [])
      list.push(m)
    }
  }
  for (const [topic, subs] of subscribers) {
    const count = partitionsPerTopic.get(topic)
    if (count === undefined || count <= 0) continue
    subs.sort(compareMembers)
    const per = Math.floor(count / subs.length)
    const extra = count % subs.length
    for (let i = 0; i < subs.length; i++) {
      const start = per * i + Math.min(i, extra)
      const length = per + (i < extra ? 1 : 0)
      const list = out.get(subs[i]!.memberId)!
      for (let p = start; p < start + length; p++) list.push({ topic, partition: p })
    }
  }
  return sortAssignment(out)
}

/**
 * Round robin: all partitions of all subscribed topics (topics sorted by name, then partition order); a pointer
 * cycles over the sorted members and each partition goes to the next member that subscribes to its topic.
 */
export function roundRobinAssign (members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  const out = emptyAssignment(members)
  const sorted = [...members].sort(compareMembers)
  if (sorted.length === 0) return out
  const subscribed = new Map<string, Set<string>>()
  for (const m of sorted) subscribed.set(m.memberId, new Set(m.topics))
  const topics = [...new Set(members.flatMap(m => m.topics))].sort(cmp)
  let cursor = 0
  for (const topic of topics) {
    const count = partitionsPerTopic.get(topic)
    if (count === undefined || count <= 0) continue
    for (let p = 0; p < count; p++) {
      // Advance to the next member that subscribes to this topic (at least one does: the topic came from a member).
      for (let tries = 0; tries < sorted.length; tries++) {
        const m = sorted[cursor % sorted.length]!
        cursor++
        if (subscribed.get(m.memberId)!.has(topic)) {
          out.get(m.memberId)!.push({ topic, partition: p })
          break
        }
      }
    }
  }
  return sortAssignment(out)
}

export function runAssignor (name: AssignorName, members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Assignment {
  return name === 'roundrobin' ? roundRobinAssign(members, partitionsPerTopic) : rangeAssign(members, partitionsPerTopic)
}
