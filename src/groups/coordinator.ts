/**
 * The group coordinator: one state machine, Kafka's classic group protocol, for two kinds of members.
 *
 * - **Kafka clients** (remote members) speak the protocol themselves: JoinGroup with their protocols and
 *   metadata, SyncGroup (the elected leader sends everyone's assignment), Heartbeat within the session timeout,
 *   LeaveGroup. The coordinator treats their metadata and assignments as opaque bytes, as Kafka's does.
 * - **HTTP consumer instances** (local members, in this process) are members of protocol type `consumer` with
 *   protocols `range`/`roundrobin` whose metadata is Kafka's ConsumerProtocol subscription. They rejoin at once
 *   whenever a rebalance starts; when one of them is the elected leader krest runs the assignor; when a Kafka
 *   client leads, they decode their share of its assignment.
 *
 * States follow Kafka's GroupCoordinator: Empty → PreparingRebalance (waits until every known member has joined
 * again, up to the largest rebalance timeout; members that did not are removed) → CompletingRebalance (new
 * generation, protocol chosen by vote, leader elected; waits for the leader's assignment) → Stable.
 *
 * Handing partitions over safely: Kafka clients use the eager protocol (they give up and commit everything
 * before joining again). Local members keep consuming while a rebalance runs and give up only the partitions
 * that move: those are revoked (the member stops delivering them at once and, with auto-commit, commits what it
 * delivered) and the new assignment goes out, to local and Kafka members alike, only after every revocation
 * finished. Partitions that stay with a local member keep their position.
 */
import { randomUUID } from 'node:crypto'
import type { Clock, StorageLogger, StoragePort } from '../backend/ports.js'
import { KrestError } from '../util/errors.js'
import { compileSafeRegex } from '../util/regex-safety.js'
import { ASSIGNOR_NAMES, runAssignor, type AssignorMember, type AssignorName, type TopicPartition } from './assignors.js'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js'
import type { OffsetStore } from './offset-store.js'
import type {
  ClassicGroupDescription, ClassicGroupListing, ClassicGroupState, ClassicHeartbeatRequest, ClassicJoinRequest,
  ClassicJoinResult, ClassicOffsetCommitRequest, ClassicSyncRequest, ClassicSyncResult, GroupDescription,
  GroupErrorName, GroupProtocolOffer, GroupStateName, LeaveResult, LeavingMember, OffsetCommitResult, SubscriptionSpec,
} from './types.js'

/** How the coordinator talks to a local member during a rebalance. */
export interface MemberHooks {
  /**
   * The member loses `partitions`. It must stop delivering them before returning its promise's first await
   * (synchronously), then may commit what it delivered (auto-commit). Awaited before the partitions move.
   */
  revoke (partitions: TopicPartition[]): Promise<void>
  /** The member's full assignment for `generation` (kept partitions plus new ones). */
  assign (assignment: TopicPartition[], generation: number): void
}

/** A local member (HTTP consumer instance) joining. */
export interface JoinRequest {
  clientId: string
  clientHost?: string | undefined
  groupInstanceId?: string | undefined
  subscription: SubscriptionSpec
  assignors: AssignorName[]
  hooks: MemberHooks
}

/** The in-process side of a local member. */
interface LocalPart {
  subscription: SubscriptionSpec
  matcher: ((topic: string) => boolean) | null
  assignors: AssignorName[]
  hooks: MemberHooks
  /** Partitions it owns now. */
  assignment: TopicPartition[]
  /** Resolves once the member got its first assignment (or left). */
  ready: () => void
}

interface Member {
  memberId: string
  clientId: string
  clientHost: string
  groupInstanceId: string | undefined
  protocolType: string
  protocols: GroupProtocolOffer[]
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  /** What the last SyncGroup handed this member. */
  assignmentBytes: Buffer
  /** Set for HTTP consumer instances; null for Kafka clients. */
  local: LocalPart | null
  /** A Kafka client's parked JoinGroup (PreparingRebalance). */
  joinWaiter: ((result: ClassicJoinResult) => void) | null
  /** A Kafka client's parked SyncGroup (CompletingRebalance). */
  syncWaiter: ((result: ClassicSyncResult) => void) | null
  sessionTimer: NodeJS.Timeout | null
}

interface Group {
  id: string
  state: ClassicGroupState
  members: Map<string, Member>
  /** Member ids handed out with MEMBER_ID_REQUIRED, not joined yet (each expires after its session timeout). */
  pending: Map<string, NodeJS.Timeout>
  generation: number
  protocolType: string
  /** The protocol chosen for this generation ('' when there is none). */
  protocol: string
  leaderId: string | null
  /** The protocol last written to the offsets topic (shown while the group is empty, as Kafka keeps it). */
  storedProtocol: string
  /** The protocol type last written to the offsets topic. */
  persistedType: string
  /** Bumped whenever a rebalance starts, so a completion overtaken by a newer rebalance gives up. */
  epoch: number
  /** The leader's assignment is being applied for this generation. */
  syncStarted: boolean
  rebalanceTimer: NodeJS.Timeout | null
  /** Revocations in flight: partitions move only after these finished. */
  revoking: Set<Promise<void>>
  /** Waiting for the group to be Stable or Empty again. */
  settled: Array<() => void>
  /** Resolved topics and partition counts the current assignment was computed from. */
  metadataKey: string
  /** When the group last became empty (clock ms; 0 when not known, e.g. after a restart). */
  emptySince: number
}

export interface GroupCoordinatorOptions {
  store: StoragePort
  offsets: OffsetStore
  clock: Clock
  logger?: StorageLogger | undefined
  /** `group.min.session.timeout.ms` (Kafka: 6000). */
  minSessionTimeoutMs?: number
  /** `group.max.session.timeout.ms` (Kafka: 1800000). */
  maxSessionTimeoutMs?: number
  /** `offset.metadata.max.bytes` (Kafka: 4096). */
  offsetMetadataMaxBytes?: number
  /** `offsets.retention.minutes` in ms (Kafka: 7 days): how long an empty group keeps its committed offsets. */
  offsetsRetentionMs?: number
}

const EMPTY = Buffer.alloc(0)

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

const STATE_NAMES: Record<ClassicGroupState, GroupStateName> = {
  Empty: 'EMPTY',
  PreparingRebalance: 'PREPARING_REBALANCE',
  CompletingRebalance: 'COMPLETING_REBALANCE',
  Stable: 'STABLE',
  Dead: 'DEAD',
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>()
  private readonly store: StoragePort
  readonly offsets: OffsetStore
  private readonly logger: StorageLogger | undefined
  private readonly clock: Clock
  private readonly minSessionTimeoutMs: number
  private readonly maxSessionTimeoutMs: number
  private readonly offsetMetadataMaxBytes: number
  private readonly offsetsRetentionMs: number
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
    this.minSessionTimeoutMs = options.minSessionTimeoutMs ?? 6000
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? 1_800_000
    this.offsetMetadataMaxBytes = options.offsetMetadataMaxBytes ?? 4096
    this.offsetsRetentionMs = options.offsetsRetentionMs ?? 7 * 24 * 60 * 60 * 1000
    this.snapshotTopics()
    // Groups known before a restart come back empty (members never survive one), with their type and protocol.
    for (const [id, meta] of this.offsets.groupMetadata()) {
      const g = this.group(id, true)!
      g.generation = meta.generation
      g.protocolType = meta.protocolType
      g.storedProtocol = meta.protocol ?? ''
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
      g = {
        id: groupId,
        state: 'Empty',
        members: new Map(),
        pending: new Map(),
        generation: 0,
        protocolType: '',
        protocol: '',
        leaderId: null,
        storedProtocol: '',
        persistedType: '',
        epoch: 0,
        syncStarted: false,
        rebalanceTimer: null,
        revoking: new Set(),
        settled: [],
        metadataKey: '',
        emptySince: 0,
      }
      this.groups.set(groupId, g)
    }
    return g
  }

  private hasRemoteMembers (g: Group): boolean {
    for (const m of g.members.values()) if (m.local === null) return true
    return false
  }

  /** Kafka's `supportsProtocols`: an empty group takes anything; otherwise same type and a protocol every member has. */
  private supportsProtocols (g: Group, protocolType: string, names: string[], except?: Member): boolean {
    const others = [...g.members.values()].filter(m => m !== except)
    if (others.length === 0) return protocolType !== '' && names.length > 0
    if (protocolType !== g.protocolType) return false
    return names.some(n => others.every(m => m.protocols.some(p => p.name === n)))
  }

  // ---- local members (HTTP consumer instances) ---------------------------------------------------------------

  /**
   * Adds a subscribing local member and starts a rebalance; resolves with its member id once it has its
   * assignment (in groups with Kafka members: at once, the assignment follows when they have rejoined).
   */
  async join (groupId: string, request: JoinRequest): Promise<string> {
    if (this.closed) throw new KrestError('CLOSED', 'group coordinator is closed')
    const matcher = 'pattern' in request.subscription ? compileTopicPattern(request.subscription.pattern) : null
    const assignors = request.assignors.length > 0 ? request.assignors : ['range' as const]
    for (const a of assignors) {
      if (!ASSIGNOR_NAMES.includes(a)) throw new KrestError('INVALID_REQUEST', `unknown partition assignor ${a}`)
    }
    const g = this.group(groupId, true)!
    if (!this.supportsProtocols(g, 'consumer', assignors)) {
      const kind = g.protocolType === 'consumer' ? `the partition assignors [${assignors.join(', ')}] are not supported by every member` : `it has protocol type ${g.protocolType}`
      throw new KrestError('INCONSISTENT_GROUP_PROTOCOL', `cannot join group ${groupId}: ${kind}`)
    }
    const memberId = `${request.clientId}-${randomUUID()}`
    let ready!: () => void
    const assigned = new Promise<void>(resolve => { ready = resolve })
    const m: Member = {
      memberId,
      clientId: request.clientId,
      clientHost: request.clientHost ?? '',
      groupInstanceId: request.groupInstanceId,
      protocolType: 'consumer',
      protocols: [],
      sessionTimeoutMs: 0,
      rebalanceTimeoutMs: 0,
      assignmentBytes: EMPTY,
      local: { subscription: request.subscription, matcher, assignors, hooks: request.hooks, assignment: [], ready },
      joinWaiter: null,
      syncWaiter: null,
      sessionTimer: null,
    }
    this.refreshLocalProtocols(m)
    g.members.set(memberId, m)
    g.protocolType = 'consumer'
    this.prepareRebalance(g, `member ${memberId} joined`)
    // With Kafka members the rebalance waits for them to rejoin (their next heartbeat, or their session timeout
    // when one died): the instance is a member at once and gets its partitions when the rebalance completes.
    if (!this.hasRemoteMembers(g)) await assigned
    return memberId
  }

  async updateSubscription (groupId: string, memberId: string, subscription: SubscriptionSpec): Promise<void> {
    const matcher = 'pattern' in subscription ? compileTopicPattern(subscription.pattern) : null
    const g = this.groups.get(groupId)
    const m = g?.members.get(memberId)
    if (g === undefined || m === undefined || m.local === null) throw new KrestError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${groupId}`)
    m.local.subscription = subscription
    m.local.matcher = matcher
    this.prepareRebalance(g, `member ${memberId} changed its subscription`)
    await this.settledUnlessMixed(g)
  }

  /** Removes a local member (leave, close, expiry) and rebalances the rest. Unknown members are ignored. */
  async leave (groupId: string, memberId: string): Promise<void> {
    const g = this.groups.get(groupId)
    const m = g?.members.get(memberId)
    if (g === undefined || m === undefined) return
    // Its partitions are revoked (auto-commit commits what it delivered) before anyone else gets them.
    const revoked = this.removeMember(g, m, 'UNKNOWN_MEMBER_ID', `member ${memberId} left`)
    await revoked
    await this.settledUnlessMixed(g)
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
        if (g.members.size === 0 || this.metadataKeyOf(g) === g.metadataKey) continue
        this.prepareRebalance(g, 'subscribed topics changed')
        work.push(this.settledUnlessMixed(g))
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

  /** The partitions a local member owns right now ([] when unknown). */
  assignment (groupId: string, memberId: string): TopicPartition[] {
    return this.groups.get(groupId)?.members.get(memberId)?.local?.assignment ?? []
  }

  private resolveLocalTopics (local: LocalPart): string[] {
    if (local.matcher === null) {
      return 'topics' in local.subscription ? local.subscription.topics.filter(t => this.topicCounts.has(t)) : []
    }
    const out: string[] = []
    for (const [name, info] of this.topicCounts) {
      // Like Kafka's exclude.internal.topics=true: patterns never match internal topics.
      if (!info.internal && local.matcher(name)) out.push(name)
    }
    return out
  }

  /** A local member's JoinGroup metadata: its subscription (resolved topics) under each of its assignors. */
  private refreshLocalProtocols (m: Member): void {
    if (m.local === null) return
    const metadata = encodeSubscription(this.resolveLocalTopics(m.local))
    m.protocols = m.local.assignors.map(name => ({ name, metadata }))
  }

  /** The topics a member subscribes to under the group's protocol. */
  private subscribedTopics (g: Group, m: Member): string[] {
    if (m.local !== null) return this.resolveLocalTopics(m.local)
    const offer = m.protocols.find(p => p.name === g.protocol)
    if (offer === undefined || g.protocolType !== 'consumer') return []
    try {
      return decodeSubscription(offer.metadata).topics.filter(t => this.topicCounts.has(t))
    } catch {
      return []
    }
  }

  /**
   * What the current assignment depends on and krest watches: local members' resolved topics, and every
   * member's when krest is the leader (a Kafka leader watches its own metadata and rejoins when it changes).
   */
  private metadataKeyOf (g: Group): string {
    const leader = g.leaderId === null ? undefined : g.members.get(g.leaderId)
    const krestLeads = leader !== undefined && leader.local !== null
    const topics = new Set<string>()
    for (const m of g.members.values()) {
      if (m.local === null && !krestLeads) continue
      for (const t of this.subscribedTopics(g, m)) topics.add(t)
    }
    return [...topics].sort().map(t => `${t}:${this.topicCounts.get(t)?.partitions ?? 0}`).join(',')
  }

  private async safeRevoke (m: Member, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0 || m.local === null) return
    try {
      await m.local.hooks.revoke(partitions)
    } catch (err) {
      this.logger?.warn({ err, memberId: m.memberId }, 'member failed to commit on revoke')
    }
  }

  private trackRevoke (g: Group, m: Member, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return Promise.resolve()
    const p: Promise<void> = this.safeRevoke(m, partitions).finally(() => { g.revoking.delete(p) })
    g.revoking.add(p)
    return p
  }

  /** Resolves when the group is Stable or Empty again; for groups with Kafka members, at once (they may take long). */
  private async settledUnlessMixed (g: Group): Promise<void> {
    if (this.hasRemoteMembers(g)) return
    if (g.state === 'Stable' || g.state === 'Empty') return
    await new Promise<void>(resolve => g.settled.push(resolve))
  }

  private settle (g: Group): void {
    const waiters = g.settled
    g.settled = []
    for (const w of waiters) w()
  }

  // ---- the state machine ---------------------------------------------------------------------------------------

  /** Starts a rebalance (or joins the one running): every member must join again. */
  private prepareRebalance (g: Group, reason: string): void {
    if (g.state !== 'PreparingRebalance' && this.hasRemoteMembers(g)) this.logger?.info({ group: g.id, reason }, 'group rebalance started')
    if (g.state === 'PreparingRebalance') {
      this.tryCompleteJoin(g)
      return
    }
    if (g.state === 'CompletingRebalance') {
      // The generation being synced is abandoned: parked followers are told to rejoin.
      for (const m of g.members.values()) {
        m.assignmentBytes = EMPTY
        this.answerSync(m, { error: 'REBALANCE_IN_PROGRESS', protocolType: null, protocolName: null, assignment: EMPTY })
      }
    }
    g.state = 'PreparingRebalance'
    g.epoch++
    g.syncStarted = false
    let timeoutMs = 0
    for (const m of g.members.values()) if (m.local === null) timeoutMs = Math.max(timeoutMs, m.rebalanceTimeoutMs)
    if (timeoutMs > 0 && g.rebalanceTimer === null) {
      g.rebalanceTimer = setTimeout(() => {
        g.rebalanceTimer = null
        if (g.state === 'PreparingRebalance') this.completeJoin(g)
      }, timeoutMs)
      g.rebalanceTimer.unref()
    }
    this.tryCompleteJoin(g)
  }

  /** Local members rejoin at once; Kafka members when their JoinGroup arrives. */
  private tryCompleteJoin (g: Group): void {
    if (g.state !== 'PreparingRebalance' || g.pending.size > 0) return
    for (const m of g.members.values()) if (m.local === null && m.joinWaiter === null) return
    this.completeJoin(g)
  }

  private completeJoin (g: Group): void {
    if (g.rebalanceTimer !== null) {
      clearTimeout(g.rebalanceTimer)
      g.rebalanceTimer = null
    }
    for (const m of [...g.members.values()]) {
      if (m.local === null && m.joinWaiter === null) {
        this.logger?.info({ group: g.id, memberId: m.memberId }, 'member did not rejoin within the rebalance timeout; removed')
        void this.dropMember(g, m, 'UNKNOWN_MEMBER_ID')
      }
    }
    g.generation++
    if (g.members.size === 0) {
      g.state = 'Empty'
      g.emptySince = this.clock.now()
      g.protocol = ''
      g.leaderId = null
      g.metadataKey = ''
      this.logger?.info({ group: g.id, generation: g.generation }, 'group is empty')
      void this.persistGroup(g).then(() => { if (g.state === 'Empty') this.settle(g) })
      return
    }
    this.snapshotTopics()
    for (const m of g.members.values()) this.refreshLocalProtocols(m)
    const protocol = selectProtocol([...g.members.values()].map(m => m.protocols.map(p => p.name)))
    if (protocol === null) {
      // Cannot happen: joins are checked against every member. Kept safe anyway: start over with nobody agreeing.
      this.logger?.error({ group: g.id }, 'no protocol common to all members')
    }
    g.protocol = protocol ?? g.members.values().next().value!.protocols[0]?.name ?? ''
    g.state = 'CompletingRebalance'
    if (g.leaderId === null || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value!
    g.metadataKey = this.metadataKeyOf(g)
    for (const m of g.members.values()) {
      const waiter = m.joinWaiter
      if (waiter === null) continue
      m.joinWaiter = null
      waiter(this.joinResponse(g, m))
      this.armSession(g, m)
    }
    const leader = g.members.get(g.leaderId)!
    if (leader.local !== null) {
      g.syncStarted = true
      void this.finishSync(g, this.computeAssignment(g))
    }
  }

  private joinResponse (g: Group, m: Member): ClassicJoinResult {
    const leads = m.memberId === g.leaderId
    return {
      error: null,
      generationId: g.generation,
      protocolType: g.protocolType,
      protocolName: g.protocol,
      leader: g.leaderId ?? '',
      memberId: m.memberId,
      members: leads
        ? [...g.members.values()].map(x => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId ?? null,
            metadata: x.protocols.find(p => p.name === g.protocol)?.metadata ?? EMPTY,
          }))
        : [],
    }
  }

  /** krest leads: Kafka's range / round-robin over every member's subscription, encoded as ConsumerProtocol assignments. */
  private computeAssignment (g: Group): Map<string, Buffer> {
    const members: AssignorMember[] = []
    const counts = new Map<string, number>()
    for (const m of g.members.values()) {
      const topics = this.subscribedTopics(g, m)
      for (const t of topics) counts.set(t, this.topicCounts.get(t)?.partitions ?? 0)
      members.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics })
    }
    const assignor: AssignorName = g.protocol === 'roundrobin' ? 'roundrobin' : 'range'
    const target = runAssignor(assignor, members, counts)
    const out = new Map<string, Buffer>()
    for (const [memberId, partitions] of target) out.set(memberId, encodeAssignment(partitions))
    return out
  }

  /**
   * Applies the leader's assignment: local members first give up what moves (awaited, with every revocation
   * still in flight), then everyone gets their share and the group is Stable.
   */
  private async finishSync (g: Group, assignments: Map<string, Buffer>): Promise<void> {
    const epoch = g.epoch
    const generation = g.generation
    const targets = new Map<Member, TopicPartition[]>()
    for (const m of g.members.values()) {
      m.assignmentBytes = assignments.get(m.memberId) ?? EMPTY
      if (m.local === null) continue
      let target: TopicPartition[] = []
      try {
        target = decodeAssignment(m.assignmentBytes).partitions
      } catch (err) {
        this.logger?.warn({ err, group: g.id, memberId: m.memberId }, 'unreadable assignment from the group leader; member gets no partitions')
      }
      targets.set(m, target)
      const next = new Set(target.map(tpKey))
      const lost = m.local.assignment.filter(tp => !next.has(tpKey(tp)))
      m.local.assignment = m.local.assignment.filter(tp => next.has(tpKey(tp)))
      void this.trackRevoke(g, m, lost)
    }
    while (g.revoking.size > 0) await Promise.all([...g.revoking])
    if (g.epoch !== epoch || g.state !== 'CompletingRebalance' || this.closed) return
    g.state = 'Stable'
    for (const m of g.members.values()) {
      if (m.local !== null) {
        const target = targets.get(m) ?? []
        m.local.assignment = target
        m.local.hooks.assign(target, generation)
      } else {
        this.answerSync(m, { error: null, protocolType: g.protocolType, protocolName: g.protocol, assignment: m.assignmentBytes })
        this.armSession(g, m)
      }
    }
    this.logger?.info({ group: g.id, generation, members: g.members.size, protocol: g.protocol, leader: g.leaderId }, 'group rebalanced')
    await this.persistGroup(g)
    for (const m of g.members.values()) m.local?.ready()
    if (g.state === 'Stable') this.settle(g)
  }

  private answerSync (m: Member, result: ClassicSyncResult): void {
    const waiter = m.syncWaiter
    if (waiter === null) return
    m.syncWaiter = null
    waiter(result)
  }

  private answerJoinError (m: Member, error: GroupErrorName): void {
    const waiter = m.joinWaiter
    if (waiter === null) return
    m.joinWaiter = null
    waiter(joinError(error, m.memberId))
  }

  /** Takes a member out without starting a rebalance; local members' partitions are revoked (the promise). */
  private dropMember (g: Group, m: Member, error: GroupErrorName): Promise<void> {
    if (m.sessionTimer !== null) clearTimeout(m.sessionTimer)
    m.sessionTimer = null
    this.answerJoinError(m, error)
    this.answerSync(m, { error, protocolType: null, protocolName: null, assignment: EMPTY })
    g.members.delete(m.memberId)
    if (g.leaderId === m.memberId) g.leaderId = null
    if (m.local === null) return Promise.resolve()
    const owned = m.local.assignment
    m.local.assignment = []
    m.local.ready()
    return this.trackRevoke(g, m, owned)
  }

  /** Removes a member and rebalances the rest. */
  private removeMember (g: Group, m: Member, error: GroupErrorName, reason: string): Promise<void> {
    const revoked = this.dropMember(g, m, error)
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g, reason)
    else this.tryCompleteJoin(g)
    return revoked
  }

  /** (Re)starts a Kafka member's session timer: no heartbeat, join or sync within the session timeout removes it. */
  private armSession (g: Group, m: Member): void {
    if (m.local !== null || this.closed) return
    if (m.sessionTimer !== null) clearTimeout(m.sessionTimer)
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null
      if (g.members.get(m.memberId) !== m) return
      // A member parked in JoinGroup is waiting on the others, not gone.
      if (m.joinWaiter !== null) {
        this.armSession(g, m)
        return
      }
      this.logger?.info({ group: g.id, memberId: m.memberId }, 'member session expired')
      void this.removeMember(g, m, 'UNKNOWN_MEMBER_ID', `member ${m.memberId} session expired`)
    }, m.sessionTimeoutMs)
    m.sessionTimer.unref()
  }

  // ---- Kafka's classic protocol ----------------------------------------------------------------------------------

  async joinGroup (req: ClassicJoinRequest): Promise<ClassicJoinResult> {
    if (this.closed) return joinError('COORDINATOR_NOT_AVAILABLE', req.memberId)
    if (req.groupId === '') return joinError('INVALID_GROUP_ID', req.memberId)
    if (req.sessionTimeoutMs < this.minSessionTimeoutMs || req.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return joinError('INVALID_SESSION_TIMEOUT', req.memberId)
    }
    const names = req.protocols.map(p => p.name)
    const g = this.group(req.groupId, true)!
    const instanceId = req.groupInstanceId ?? undefined

    if (req.memberId === '' || g.pending.has(req.memberId)) {
      if (!this.supportsProtocols(g, req.protocolType, names)) return joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId)
      let memberId = req.memberId
      if (memberId === '') {
        memberId = `${req.clientId}-${randomUUID()}`
        if (req.requireKnownMemberId && instanceId === undefined) {
          // The client must come back with this id; until then the rebalance waits for it (up to its session timeout).
          const timer = setTimeout(() => {
            g.pending.delete(memberId)
            this.tryCompleteJoin(g)
          }, req.sessionTimeoutMs)
          timer.unref()
          g.pending.set(memberId, timer)
          return joinError('MEMBER_ID_REQUIRED', memberId)
        }
      } else {
        clearTimeout(g.pending.get(memberId))
        g.pending.delete(memberId)
      }
      if (instanceId !== undefined) {
        // Static membership: a new join under a known instance id replaces (fences) the old member.
        for (const old of g.members.values()) {
          if (old.groupInstanceId === instanceId) {
            void this.dropMember(g, old, 'FENCED_INSTANCE_ID')
            break
          }
        }
      }
      const m: Member = {
        memberId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        groupInstanceId: instanceId,
        protocolType: req.protocolType,
        protocols: req.protocols,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
        assignmentBytes: EMPTY,
        local: null,
        joinWaiter: null,
        syncWaiter: null,
        sessionTimer: null,
      }
      g.members.set(memberId, m)
      if (g.members.size === 1) g.protocolType = req.protocolType
      return await this.parkJoin(g, m, `member ${memberId} joined`)
    }

    const m = g.members.get(req.memberId)
    if (m === undefined || m.local !== null) return joinError('UNKNOWN_MEMBER_ID', req.memberId)
    if (m.groupInstanceId !== instanceId) return joinError('FENCED_INSTANCE_ID', req.memberId)
    if (!this.supportsProtocols(g, req.protocolType, names, m)) return joinError('INCONSISTENT_GROUP_PROTOCOL', req.memberId)
    const sameProtocols = sameOffers(m.protocols, req.protocols)
    m.protocols = req.protocols
    m.sessionTimeoutMs = req.sessionTimeoutMs
    m.rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs
    m.clientHost = req.clientHost
    switch (g.state) {
      case 'PreparingRebalance':
        return await this.parkJoin(g, m, '')
      case 'CompletingRebalance':
        if (sameProtocols) {
          this.armSession(g, m)
          return this.joinResponse(g, m)
        }
        return await this.parkJoin(g, m, `member ${m.memberId} changed its protocols`)
      case 'Stable':
        if (sameProtocols && m.memberId !== g.leaderId) {
          this.armSession(g, m)
          return this.joinResponse(g, m)
        }
        return await this.parkJoin(g, m, `member ${m.memberId} rejoined`)
      default:
        return joinError('UNKNOWN_MEMBER_ID', req.memberId)
    }
  }

  private async parkJoin (g: Group, m: Member, reason: string): Promise<ClassicJoinResult> {
    this.answerJoinError(m, 'REBALANCE_IN_PROGRESS') // a previous JoinGroup of the same member, if any
    if (m.sessionTimer !== null) clearTimeout(m.sessionTimer)
    m.sessionTimer = null
    const result = new Promise<ClassicJoinResult>(resolve => { m.joinWaiter = resolve })
    this.prepareRebalance(g, reason)
    return await result
  }

  async syncGroup (req: ClassicSyncRequest): Promise<ClassicSyncResult> {
    const fail = (error: GroupErrorName): ClassicSyncResult => ({ error, protocolType: null, protocolName: null, assignment: EMPTY })
    if (this.closed) return fail('COORDINATOR_NOT_AVAILABLE')
    const g = this.groups.get(req.groupId)
    const m = g?.members.get(req.memberId)
    if (g === undefined || m === undefined || m.local !== null) return fail('UNKNOWN_MEMBER_ID')
    if (m.groupInstanceId !== (req.groupInstanceId ?? undefined)) return fail('FENCED_INSTANCE_ID')
    if (req.generationId !== g.generation) return fail('ILLEGAL_GENERATION')
    if ((req.protocolType !== null && req.protocolType !== g.protocolType) || (req.protocolName !== null && req.protocolName !== g.protocol)) {
      return fail('INCONSISTENT_GROUP_PROTOCOL')
    }
    switch (g.state) {
      case 'PreparingRebalance':
        return fail('REBALANCE_IN_PROGRESS')
      case 'Stable':
        this.armSession(g, m)
        return { error: null, protocolType: g.protocolType, protocolName: g.protocol, assignment: m.assignmentBytes }
      case 'CompletingRebalance': {
        this.answerSync(m, fail('REBALANCE_IN_PROGRESS'))
        if (m.sessionTimer !== null) clearTimeout(m.sessionTimer)
        m.sessionTimer = null
        const result = new Promise<ClassicSyncResult>(resolve => { m.syncWaiter = resolve })
        if (m.memberId === g.leaderId && !g.syncStarted) {
          g.syncStarted = true
          const assignments = new Map<string, Buffer>()
          for (const a of req.assignments) if (g.members.has(a.memberId)) assignments.set(a.memberId, a.assignment)
          void this.finishSync(g, assignments)
        }
        return await result
      }
      default:
        return fail('UNKNOWN_MEMBER_ID')
    }
  }

  heartbeat (req: ClassicHeartbeatRequest): GroupErrorName | null {
    if (this.closed) return 'COORDINATOR_NOT_AVAILABLE'
    const g = this.groups.get(req.groupId)
    const m = g?.members.get(req.memberId)
    if (g === undefined || m === undefined || m.local !== null) return 'UNKNOWN_MEMBER_ID'
    if (m.groupInstanceId !== (req.groupInstanceId ?? undefined)) return 'FENCED_INSTANCE_ID'
    if (req.generationId !== g.generation) return 'ILLEGAL_GENERATION'
    if (m.joinWaiter === null && m.syncWaiter === null) this.armSession(g, m)
    return g.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : null
  }

  leaveGroup (groupId: string, leaving: LeavingMember[]): LeaveResult {
    if (this.closed) return { error: 'COORDINATOR_NOT_AVAILABLE', members: [] }
    const g = this.groups.get(groupId)
    const members = leaving.map(l => {
      let m: Member | undefined
      if (l.memberId !== '') m = g?.members.get(l.memberId)
      else if (l.groupInstanceId !== null) m = [...(g?.members.values() ?? [])].find(x => x.groupInstanceId === l.groupInstanceId)
      let error: GroupErrorName | null = null
      if (g === undefined || m === undefined || m.local !== null) error = 'UNKNOWN_MEMBER_ID'
      else if (l.groupInstanceId !== null && m.groupInstanceId !== l.groupInstanceId) error = 'FENCED_INSTANCE_ID'
      else void this.removeMember(g, m, 'UNKNOWN_MEMBER_ID', `member ${m.memberId} left`)
      return { ...l, error }
    })
    return { error: null, members }
  }

  /** OffsetCommit from a Kafka client: generation-checked like Kafka's, into the one offset store. */
  async commitOffsets (req: ClassicOffsetCommitRequest): Promise<OffsetCommitResult> {
    const all = (error: GroupErrorName): OffsetCommitResult => ({
      error,
      partitions: req.offsets.map(o => ({ topic: o.topic, partition: o.partition, error })),
    })
    if (this.closed) return all('COORDINATOR_NOT_AVAILABLE')
    if (req.groupId === '') return all('INVALID_GROUP_ID')
    const g = this.groups.get(req.groupId)
    const standalone = req.generationId < 0 && req.memberId === ''
    if (standalone) {
      if (g !== undefined && g.members.size > 0) return all('UNKNOWN_MEMBER_ID')
    } else {
      const m = g?.members.get(req.memberId)
      if (g === undefined) return all('ILLEGAL_GENERATION')
      if (g.state === 'CompletingRebalance' && m !== undefined) return all('REBALANCE_IN_PROGRESS')
      if (m === undefined || m.local !== null) return all('UNKNOWN_MEMBER_ID')
      if (m.groupInstanceId !== (req.groupInstanceId ?? undefined)) return all('FENCED_INSTANCE_ID')
      if (req.generationId !== g.generation) return all('ILLEGAL_GENERATION')
      if (m.joinWaiter === null && m.syncWaiter === null) this.armSession(g, m)
    }
    const partitions: OffsetCommitResult['partitions'] = []
    const accepted: Array<{ topic: string, partition: number, offset: number, metadata: string }> = []
    for (const o of req.offsets) {
      let error: GroupErrorName | null = null
      const metadata = o.metadata ?? ''
      if (Buffer.byteLength(metadata) > this.offsetMetadataMaxBytes) error = 'OFFSET_METADATA_TOO_LARGE'
      else if (!Number.isSafeInteger(o.offset) || o.offset < 0) error = 'INVALID_COMMIT_OFFSET_SIZE'
      else if (!this.partitionExists(o.topic, o.partition)) error = 'UNKNOWN_TOPIC_OR_PARTITION'
      else accepted.push({ topic: o.topic, partition: o.partition, offset: o.offset, metadata })
      partitions.push({ topic: o.topic, partition: o.partition, error })
    }
    try {
      await this.offsets.commit(req.groupId, accepted)
    } catch (err) {
      this.logger?.warn({ err, group: req.groupId }, 'offset commit failed')
      return all(this.closed ? 'COORDINATOR_NOT_AVAILABLE' : 'UNKNOWN_SERVER_ERROR')
    }
    if (g === undefined) {
      // A standalone commit makes the group known (empty, no protocol type), as Kafka's does.
      this.group(req.groupId, true)
    }
    return { error: null, partitions }
  }

  private partitionExists (topic: string, partition: number): boolean {
    try {
      this.store.partition(topic, partition)
      return true
    } catch {
      return false
    }
  }

  /** DeleteGroups: only groups without members; their committed offsets and metadata go (durably). */
  async deleteGroup (groupId: string): Promise<GroupErrorName | null> {
    if (this.closed) return 'COORDINATOR_NOT_AVAILABLE'
    if (groupId === '') return 'INVALID_GROUP_ID'
    const g = this.groups.get(groupId)
    if (g !== undefined && (g.members.size > 0 || g.state !== 'Empty')) return 'NON_EMPTY_GROUP'
    const known = g !== undefined || this.offsets.groupOffsets(groupId).length > 0
    if (!known) return 'GROUP_ID_NOT_FOUND'
    this.groups.delete(groupId)
    if (g !== undefined) for (const t of g.pending.values()) clearTimeout(t)
    try {
      await this.offsets.deleteGroup(groupId)
    } catch (err) {
      this.logger?.warn({ err, group: groupId }, 'could not delete group')
      return 'UNKNOWN_SERVER_ERROR'
    }
    return null
  }

  /**
   * Expires committed offsets as Kafka does with `offsets.retention.minutes` (KIP-211): a group with members keeps
   * them; an empty consumer group loses all of them once the retention passed since it became empty and since its
   * last commit; a group that never had members (standalone commits) loses each offset the retention after its
   * commit. A group left with no offsets and no members is removed (it leaves listings and metrics).
   */
  async expireOffsets (): Promise<void> {
    if (this.closed) return
    const now = this.clock.now()
    const ids = new Set<string>([...this.groups.keys(), ...this.offsets.groups()])
    for (const id of ids) {
      const g = this.groups.get(id)
      if (g !== undefined && (g.members.size > 0 || g.state !== 'Empty' || g.pending.size > 0)) continue
      const committed = this.offsets.groupOffsets(id)
      try {
        if (g === undefined || g.protocolType === '') {
          const expired = committed.filter(c => c.commitTimestamp + this.offsetsRetentionMs <= now)
          if (expired.length === committed.length) {
            this.groups.delete(id)
            await this.offsets.deleteGroup(id)
          } else {
            await this.offsets.deleteOffsets(id, expired)
          }
        } else {
          const lastCommit = committed.reduce((max, c) => Math.max(max, c.commitTimestamp), 0)
          if (Math.max(lastCommit, g.emptySince) + this.offsetsRetentionMs > now) continue
          this.groups.delete(id)
          await this.offsets.deleteGroup(id)
        }
      } catch (err) {
        if (this.closed) return
        this.logger?.warn({ err, group: id }, 'could not expire committed offsets')
        continue
      }
      if (!this.groups.has(id) && this.offsets.groupOffsets(id).length === 0) this.logger?.info({ group: id }, 'group expired (offsets.retention.minutes)')
    }
  }

  /** DescribeGroups: Kafka's view with metadata and assignment bytes; an unknown group is Dead, as Kafka says. */
  describeClassic (groupId: string): ClassicGroupDescription {
    const g = this.groups.get(groupId)
    if (g === undefined) return { groupId, state: 'Dead', protocolType: '', protocol: '', members: [] }
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.state === 'Stable' || g.state === 'CompletingRebalance' ? g.protocol : '',
      members: [...g.members.values()].map(m => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find(p => p.name === g.protocol)?.metadata ?? EMPTY,
        assignment: g.state === 'Stable' ? m.assignmentBytes : EMPTY,
      })),
    }
  }

  /** ListGroups: every group the coordinator knows (members, stored metadata or committed offsets). */
  listClassic (): ClassicGroupListing[] {
    const ids = new Set<string>([...this.groups.keys(), ...this.offsets.groups()])
    return [...ids].sort().map(id => {
      const g = this.groups.get(id)
      return { groupId: id, protocolType: g?.protocolType ?? '', state: g?.state ?? 'Empty' }
    })
  }

  /** Writes the group's metadata record when its type or protocol changed (not on every generation: fewer fsyncs). */
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

  // ---- views ---------------------------------------------------------------------------------------------------

  private memberPartitions (g: Group, m: Member): TopicPartition[] {
    if (m.local !== null) return m.local.assignment.map(tp => ({ ...tp }))
    if (g.protocolType !== 'consumer' || g.state !== 'Stable') return []
    try {
      return decodeAssignment(m.assignmentBytes).partitions
    } catch {
      return []
    }
  }

  private describeGroup (g: Group | undefined, groupId: string): GroupDescription | null {
    const hasOffsets = this.offsets.groupOffsets(groupId).length > 0
    if ((g === undefined || (g.members.size === 0 && g.generation === 0)) && !hasOffsets) return null
    return {
      groupId,
      state: g === undefined ? 'EMPTY' : STATE_NAMES[g.state],
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
            assignment: this.memberPartitions(g, m),
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
    const revoking: Promise<void>[] = []
    for (const g of this.groups.values()) {
      if (g.rebalanceTimer !== null) clearTimeout(g.rebalanceTimer)
      g.rebalanceTimer = null
      for (const t of g.pending.values()) clearTimeout(t)
      g.pending.clear()
      for (const m of g.members.values()) {
        if (m.sessionTimer !== null) clearTimeout(m.sessionTimer)
        m.sessionTimer = null
        this.answerJoinError(m, 'COORDINATOR_NOT_AVAILABLE')
        this.answerSync(m, { error: 'COORDINATOR_NOT_AVAILABLE', protocolType: null, protocolName: null, assignment: EMPTY })
        m.local?.ready()
      }
      revoking.push(...g.revoking)
      this.settle(g)
    }
    await Promise.all(revoking)
  }
}

function joinError (error: GroupErrorName, memberId: string): ClassicJoinResult {
  return { error, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] }
}

function sameOffers (a: GroupProtocolOffer[], b: GroupProtocolOffer[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata))
}

/**
 * Kafka's protocol selection: candidates are the protocols every member supports; each member votes for its
 * most preferred candidate; the most votes wins (ties: the earliest in the first member's preference list).
 */
export function selectProtocol<T extends string> (preferences: T[][]): T | null {
  const first = preferences[0]
  if (first === undefined) return null
  const candidates = first.filter(a => preferences.every(p => p.includes(a)))
  if (candidates.length === 0) return null
  const votes = new Map<T, number>()
  for (const p of preferences) {
    const vote = p.find(a => candidates.includes(a))!
    votes.set(vote, (votes.get(vote) ?? 0) + 1)
  }
  let best = candidates[0]!
  for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c
  return best
}
