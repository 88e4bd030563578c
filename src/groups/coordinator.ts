/**
 * The group coordinator of the embedded backend: members, subscriptions (topic list or pattern), generations,
 * assignment with Kafka's range / round-robin assignors, and committed offsets (through `OffsetStore`).
 *
 * Members live in this process, so a rebalance needs no JoinGroup/SyncGroup round trips: it runs as one
 * serialized step per group. Partitions that move are first taken from their old owner (which stops
 * delivering them at once and, with auto-commit, commits what it delivered), and only then handed to the new
 * owner, which starts at the committed offset. Partitions that stay with their owner keep their position.
 */
import { randomUUID } from 'node:crypto'
import type { Clock, StorageLogger } from '../backend/ports.js'
import { KrestError } from '../util/errors.js'
import { compileSafeRegex } from '../util/regex-safety.js'
import { SerialQueue } from '../util/serial-queue.js'
import { ASSIGNOR_NAMES, runAssignor, type AssignorMember, type AssignorName, type TopicPartition } from './assignors.js'
import type { OffsetStore } from './offset-store.js'
import type { StoragePort } from '../backend/ports.js'
import type { GroupDescription, GroupStateName, SubscriptionSpec } from './types.js'

/** How the coordinator talks to a member during a rebalance. */
export interface MemberHooks {
  /**
   * The member loses `partitions`. It must stop delivering them before returning its promise's first await
   * (synchronously), then may commit what it delivered (auto-commit). Awaited before the partitions move.
   */
  revoke (partitions: TopicPartition[]): Promise<void>
  /** The member's full assignment for `generation` (kept partitions plus new ones). */
  assign (assignment: TopicPartition[], generation: number): void
}

export interface JoinRequest {
  clientId: string
  clientHost?: string | undefined
  groupInstanceId?: string | undefined
  subscription: SubscriptionSpec
  assignors: AssignorName[]
  hooks: MemberHooks
}

interface Member {
  memberId: string
  clientId: string
  clientHost: string
  groupInstanceId: string | undefined
  subscription: SubscriptionSpec
  matcher: ((topic: string) => boolean) | null
  assignors: AssignorName[]
  assignment: TopicPartition[]
  hooks: MemberHooks
}

interface Group {
  id: string
  members: Map<string, Member>
  generation: number
  protocol: AssignorName | ''
  protocolType: string
  /** The assignor last written to the offsets topic (shown while the group is empty, as Kafka keeps it). */
  storedProtocol: AssignorName | ''
  /** The protocol type last written to the offsets topic. */
  persistedType: string
  rebalancing: boolean
  queue: SerialQueue
  /** Resolved topics and partition counts the current assignment was computed from. */
  metadataKey: string
}

export interface GroupCoordinatorOptions {
  store: StoragePort
  offsets: OffsetStore
  clock: Clock
  logger?: StorageLogger | undefined
}

function tpKey (tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`
}

/** Compiles a subscription pattern; Java's Pattern.matcher(topic).matches() means a whole-name match. */
export function compileTopicPattern (pattern: string): (topic: string) => boolean {
  // Matched against every topic name on the event loop: a linear-time engine, so no pattern can backtrack
  // catastrophically (issues 7 and 13: `(a+)+b`, or `.{0,16}` seven times then `x`, froze the server for seconds).
  try {
    const re = compileSafeRegex(pattern, { maxLength: 1000 })
    return topic => re.matchesWhole(topic)
  } catch (err) {
    throw new KrestError('INVALID_REQUEST', `invalid topic_pattern: ${(err as Error).message}`)
  }
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>()
  private readonly store: StoragePort
  readonly offsets: OffsetStore
  private readonly logger: StorageLogger | undefined
  private readonly clock: Clock
  private topicsKey = ''
  /** When topic metadata was last read (clock ms). */
  private snapshotAt = 0
  private topicCounts = new Map<string, { partitions: number, internal: boolean }>()
  /** Topics seen deleted whose committed offsets are still to be dropped. */
  private readonly deletedTopics = new Set<string>()
  private closed = false

  constructor (options: GroupCoordinatorOptions) {
    this.store = options.store
    this.offsets = options.offsets
    this.logger = options.logger
    this.clock = options.clock
    this.snapshotTopics()
    // Groups known before a restart come back empty (members never survive one), with their type and assignor.
    for (const [id, meta] of this.offsets.groupMetadata()) {
      const g = this.group(id, true)!
      g.generation = meta.generation
      g.protocolType = meta.protocolType
      g.storedProtocol = meta.protocol === 'range' || meta.protocol === 'roundrobin' ? meta.protocol : ''
      g.persistedType = meta.protocolType
    }
  }

  /** Reads topic metadata; true when it changed since the last snapshot. */
  private snapshotTopics (): boolean {
    this.snapshotAt = this.clock.now()
    const topics = this.store.listTopics()
    let key = ''
    for (const t of topics) key += `${t.name}:${t.partitions}${t.internal ? 'i' : ''},`
    if (key === this.topicsKey) return false
    this.topicsKey = key
    const next = new Map(topics.map(t => [t.name, { partitions: t.partitions, internal: t.internal }]))
    for (const name of this.topicCounts.keys()) if (!next.has(name)) this.deletedTopics.add(name)
    for (const name of next.keys()) this.deletedTopics.delete(name)
    this.topicCounts = next
    return true
  }

  private group (groupId: string, create: boolean): Group | undefined {
    let g = this.groups.get(groupId)
    if (g === undefined && create) {
      g = { id: groupId, members: new Map(), generation: 0, protocol: '', protocolType: '', storedProtocol: '', persistedType: '', rebalancing: false, queue: new SerialQueue(), metadataKey: '' }
      this.groups.set(groupId, g)
    }
    return g
  }

  /** Adds a subscribing member and rebalances; resolves with its member id once it has its assignment. */
  async join (groupId: string, request: JoinRequest): Promise<string> {
    if (this.closed) throw new KrestError('CLOSED', 'group coordinator is closed')
    const matcher = 'pattern' in request.subscription ? compileTopicPattern(request.subscription.pattern) : null
    const assignors = request.assignors.length > 0 ? request.assignors : ['range' as const]
    for (const a of assignors) {
      if (!ASSIGNOR_NAMES.includes(a)) throw new KrestError('INVALID_REQUEST', `unknown partition assignor ${a}`)
    }
    const g = this.group(groupId, true)!
    const memberId = `${request.clientId}-${randomUUID()}`
    return await g.queue.run(async () => {
      const protocol = selectProtocol([...g.members.values()].map(m => m.assignors).concat([assignors]))
      if (protocol === null) {
        throw new KrestError('INCONSISTENT_GROUP_PROTOCOL', `the partition assignors [${assignors.join(', ')}] are not supported by every member of group ${groupId}`)
      }
      g.members.set(memberId, {
        memberId,
        clientId: request.clientId,
        clientHost: request.clientHost ?? '',
        groupInstanceId: request.groupInstanceId,
        subscription: request.subscription,
        matcher,
        assignors,
        assignment: [],
        hooks: request.hooks,
      })
      g.protocol = protocol
      g.protocolType = 'consumer'
      await this.rebalance(g)
      return memberId
    })
  }

  async updateSubscription (groupId: string, memberId: string, subscription: SubscriptionSpec): Promise<void> {
    const matcher = 'pattern' in subscription ? compileTopicPattern(subscription.pattern) : null
    const g = this.groups.get(groupId)
    if (g === undefined) throw new KrestError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${groupId}`)
    await g.queue.run(async () => {
      const m = g.members.get(memberId)
      if (m === undefined) throw new KrestError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${groupId}`)
      m.subscription = subscription
      m.matcher = matcher
      await this.rebalance(g)
    })
  }

  /** Removes a member (leave, close, expiry) and rebalances the rest. Unknown members are ignored. */
  async leave (groupId: string, memberId: string): Promise<void> {
    const g = this.groups.get(groupId)
    if (g === undefined) return
    await g.queue.run(async () => {
      const m = g.members.get(memberId)
      if (m === undefined) return
      // Let the member commit what it delivered before its partitions move.
      await this.safeRevoke(m, m.assignment)
      m.assignment = []
      g.members.delete(memberId)
      if (g.members.size === 0) g.protocol = ''
      await this.rebalance(g)
    })
  }

  /**
   * Re-reads topic metadata and rebalances every group whose subscribed topics or partition counts changed
   * (a topic matching a pattern was created, a subscribed topic grew or was deleted). Cheap when nothing changed.
   */
  async refreshMetadata (options: { maxAgeMs?: number } = {}): Promise<void> {
    if (this.closed) return
    // With maxAgeMs (consumer polls), metadata read less than that long ago is trusted: topic changes made through
    // the backend call refreshMetadata() at once anyway, so polls only need a periodic safety net.
    const fresh = options.maxAgeMs !== undefined && this.clock.now() - this.snapshotAt < options.maxAgeMs
    if (!fresh && this.snapshotTopics()) {
      const work: Promise<void>[] = []
      for (const g of this.groups.values()) {
        if (g.members.size === 0) continue
        if (this.metadataKeyOf(g) === g.metadataKey) continue
        work.push(g.queue.run(async () => {
          if (this.metadataKeyOf(g) !== g.metadataKey) await this.rebalance(g)
        }))
      }
      await Promise.all(work)
    }
    if (this.deletedTopics.size > 0) {
      // Kafka drops a deleted topic's committed offsets at once (after the rebalances above took its partitions away).
      const gone = [...this.deletedTopics]
      this.deletedTopics.clear()
      for (const topic of gone) await this.offsets.deleteTopic(topic)
    }
  }

  private resolveTopics (m: Member): string[] {
    if (m.matcher === null) {
      return 'topics' in m.subscription ? m.subscription.topics.filter(t => this.topicCounts.has(t)) : []
    }
    const out: string[] = []
    for (const [name, info] of this.topicCounts) {
      // Like Kafka's exclude.internal.topics=true: patterns never match internal topics.
      if (!info.internal && m.matcher(name)) out.push(name)
    }
    return out
  }

  private metadataKeyOf (g: Group): string {
    const topics = new Set<string>()
    for (const m of g.members.values()) for (const t of this.resolveTopics(m)) topics.add(t)
    return [...topics].sort().map(t => `${t}:${this.topicCounts.get(t)?.partitions ?? 0}`).join(',')
  }

  private async safeRevoke (m: Member, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return
    try {
      await m.hooks.revoke(partitions)
    } catch (err) {
      this.logger?.warn({ err, memberId: m.memberId }, 'member failed to commit on revoke')
    }
  }

  /** Must run inside the group's queue. */
  private async rebalance (g: Group): Promise<void> {
    this.snapshotTopics()
    g.rebalancing = true
    try {
      const members: AssignorMember[] = []
      const resolved = new Map<string, string[]>()
      for (const m of g.members.values()) {
        const topics = this.resolveTopics(m)
        resolved.set(m.memberId, topics)
        members.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics })
      }
      const counts = new Map<string, number>()
      for (const topics of resolved.values()) for (const t of topics) counts.set(t, this.topicCounts.get(t)?.partitions ?? 0)
      const protocol: AssignorName = g.protocol === '' ? 'range' : g.protocol
      const target = runAssignor(protocol, members, counts)

      // Phase 1: take moving partitions away from their owners (they stop delivering them at once).
      const revokes: Promise<void>[] = []
      for (const m of g.members.values()) {
        const next = new Set((target.get(m.memberId) ?? []).map(tpKey))
        const lost = m.assignment.filter(tp => !next.has(tpKey(tp)))
        if (lost.length === 0) continue
        m.assignment = m.assignment.filter(tp => next.has(tpKey(tp)))
        revokes.push(this.safeRevoke(m, lost))
      }
      await Promise.all(revokes)

      // Phase 2: new generation, everyone gets their full assignment.
      g.generation++
      g.metadataKey = this.metadataKeyOf(g)
      for (const m of g.members.values()) {
        m.assignment = target.get(m.memberId) ?? []
        m.hooks.assign(m.assignment, g.generation)
      }
      this.logger?.info({ group: g.id, generation: g.generation, members: g.members.size, protocol }, 'group rebalanced')
      await this.persistGroup(g)
    } finally {
      g.rebalancing = false
    }
  }

  /** Writes the group's metadata record when its type or assignor changed (not on every generation: fewer fsyncs). */
  private async persistGroup (g: Group): Promise<void> {
    const protocol = g.protocol === '' ? g.storedProtocol : g.protocol
    if (g.protocolType === '' || (g.persistedType === g.protocolType && g.storedProtocol === protocol)) return
    try {
      await this.offsets.storeGroupMetadata(g.id, { protocolType: g.protocolType, generation: g.generation, protocol: protocol === '' ? null : protocol })
      g.persistedType = g.protocolType
      g.storedProtocol = protocol
    } catch (err) {
      this.logger?.warn({ err, group: g.id }, 'could not store group metadata')
    }
  }

  /** The partitions a member owns right now ([] when unknown). */
  assignment (groupId: string, memberId: string): TopicPartition[] {
    return this.groups.get(groupId)?.members.get(memberId)?.assignment ?? []
  }

  private describeGroup (g: Group | undefined, groupId: string): GroupDescription | null {
    const hasOffsets = this.offsets.groupOffsets(groupId).length > 0
    if ((g === undefined || (g.members.size === 0 && g.generation === 0)) && !hasOffsets) return null
    let state: GroupStateName = 'EMPTY'
    if (g !== undefined && g.members.size > 0) state = g.rebalancing ? 'PREPARING_REBALANCE' : 'STABLE'
    return {
      groupId,
      state,
      protocolType: g?.protocolType ?? '',
      protocol: g === undefined ? '' : (g.protocol === '' ? g.storedProtocol : g.protocol),
      generation: g?.generation ?? 0,
      members: g === undefined
        ? []
        : [...g.members.values()].map(m => ({
            memberId: m.memberId,
            clientId: m.clientId,
            groupInstanceId: m.groupInstanceId ?? null,
            clientHost: m.clientHost,
            assignment: m.assignment.map(tp => ({ ...tp })),
          })),
    }
  }

  describe (groupId: string): GroupDescription | null {
    return this.describeGroup(this.groups.get(groupId), groupId)
  }

  /** Every group with members or committed offsets, sorted by id. */
  listGroups (): GroupDescription[] {
    const ids = new Set<string>([...this.groups.keys(), ...this.offsets.groups()])
    const out: GroupDescription[] = []
    for (const id of [...ids].sort()) {
      const d = this.describe(id)
      if (d !== null) out.push(d)
    }
    return out
  }

  async close (): Promise<void> {
    this.closed = true
    await Promise.all([...this.groups.values()].map(g => g.queue.run(() => undefined)))
  }
}

/**
 * Kafka's protocol selection: candidates are the assignors every member supports; each member votes for its
 * most preferred candidate; the most votes wins (ties: the earliest in the first member's preference list).
 */
export function selectProtocol (preferences: AssignorName[][]): AssignorName | null {
  const first = preferences[0]
  if (first === undefined) return null
  const candidates = first.filter(a => preferences.every(p => p.includes(a)))
  if (candidates.length === 0) return null
  const votes = new Map<AssignorName, number>()
  for (const p of preferences) {
    const vote = p.find(a => candidates.includes(a))!
    votes.set(vote, (votes.get(vote) ?? 0) + 1)
  }
  let best = candidates[0]!
  for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c
  return best
}
