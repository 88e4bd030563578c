/**
 * The coordinator's classic-protocol state machine (JoinGroup / SyncGroup / Heartbeat / LeaveGroup / OffsetCommit)
 * on the real storage engine, with Kafka members driven as a client would and HTTP consumer instances as
 * in-process members of the same groups.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../src/groups/consumer-protocol.js'
import { EmbeddedGroups } from '../../../src/groups/embedded-groups.js'
import type { ClassicJoinRequest, ClassicJoinResult, TopicPartition } from '../../../src/groups/types.js'
import type { LogStore } from '../../../src/storage/index.js'
import { engineParts, openTempStore, type TempStore } from './real-store.js'

const clock = { now: () => Date.now() }
let temp: TempStore | undefined
let opened: EmbeddedGroups | undefined
afterEach(async () => {
  await opened?.close()
  opened = undefined
  await temp?.cleanup()
  temp = undefined
})

async function setup (topics: Record<string, number> = {}): Promise<{ store: LogStore, groups: EmbeddedGroups }> {
  temp = await openTempStore()
  const store = temp.store
  for (const [name, partitions] of Object.entries(topics)) await store.createTopic(name, { partitions })
  const groups = await EmbeddedGroups.open({ ...engineParts(store), clock, offsetsTopicPartitions: 2, minSessionTimeoutMs: 10 })
  opened = groups
  return { store, groups }
}

function joinRequest (overrides: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'kcat',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }],
    requireKnownMemberId: false,
    ...overrides,
  }
}

/** Joins as a v4+ client does: MEMBER_ID_REQUIRED first, then again with the id. */
async function joinNew (groups: EmbeddedGroups, overrides: Partial<ClassicJoinRequest> = {}): Promise<ClassicJoinResult> {
  const first = await groups.classic.joinGroup(joinRequest({ ...overrides, requireKnownMemberId: true }))
  expect(first.error).toBe('MEMBER_ID_REQUIRED')
  expect(first.memberId).toMatch(/^kcat-[0-9a-f-]{36}$/)
  return await groups.classic.joinGroup(joinRequest({ ...overrides, memberId: first.memberId, requireKnownMemberId: true }))
}

function keys (tps: TopicPartition[]): string[] {
  return tps.map(tp => `${tp.topic}-${tp.partition}`).sort()
}

function settle (): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 200))
}

describe('classic group protocol', () => {
  it('assigns member ids (MEMBER_ID_REQUIRED on v4+), elects the first member leader and hands out its assignment', async () => {
    const { groups } = await setup({ t: 2 })
    const joined = await joinNew(groups)
    expect(joined).toMatchObject({ error: null, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: joined.memberId })
    expect(joined.members.map(m => m.memberId)).toEqual([joined.memberId])
    expect(decodeSubscription(joined.members[0]!.metadata).topics).toEqual(['t'])
    expect(groups.classic.describeGroup('g').state).toBe('CompletingRebalance')
    const mine = encodeAssignment([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
    const synced = await groups.classic.syncGroup({
      groupId: 'g', memberId: joined.memberId, generationId: 1, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment: mine }],
    })
    expect(synced).toMatchObject({ error: null, protocolName: 'range' })
    expect(synced.assignment.equals(mine)).toBe(true)
    expect(groups.classic.describeGroup('g')).toMatchObject({ state: 'Stable', protocol: 'range', protocolType: 'consumer' })
    expect(groups.describeGroup('g')).toMatchObject({ state: 'STABLE', generation: 1 })
    expect(keys(groups.describeGroup('g')!.members[0]!.assignment)).toEqual(['t-0', 't-1'])
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: joined.memberId, generationId: 1, groupInstanceId: null })).toBeNull()
  })

  it('a second member starts a rebalance: the first learns it from its heartbeat, both join the next generation', async () => {
    const { groups } = await setup({ t: 4 })
    const a = await joinNew(groups)
    await groups.classic.syncGroup({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    const bJoin = joinNew(groups, { clientId: 'kcat' })
    await settle()
    expect(groups.classic.describeGroup('g').state).toBe('PreparingRebalance')
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null })).toBe('REBALANCE_IN_PROGRESS')
    const aJoin = await groups.classic.joinGroup(joinRequest({ memberId: a.memberId }))
    const b = await bJoin
    expect(aJoin).toMatchObject({ error: null, generationId: 2, leader: a.memberId })
    expect(b).toMatchObject({ error: null, generationId: 2, leader: a.memberId, members: [] })
    expect(aJoin.members.map(m => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort())
    // the follower waits for the leader's SyncGroup
    const bSync = groups.classic.syncGroup({ groupId: 'g', memberId: b.memberId, generationId: 2, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    let bDone = false
    void bSync.then(() => { bDone = true })
    await settle()
    expect(bDone).toBe(false)
    const aSync = await groups.classic.syncGroup({
      groupId: 'g', memberId: a.memberId, generationId: 2, groupInstanceId: null, protocolType: null, protocolName: null,
      assignments: [
        { memberId: a.memberId, assignment: encodeAssignment([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]) },
        { memberId: b.memberId, assignment: encodeAssignment([{ topic: 't', partition: 2 }, { topic: 't', partition: 3 }]) },
      ],
    })
    expect(keys(decodeAssignment(aSync.assignment).partitions)).toEqual(['t-0', 't-1'])
    expect(keys(decodeAssignment((await bSync).assignment).partitions)).toEqual(['t-2', 't-3'])
    // stale generations and unknown members
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null })).toBe('ILLEGAL_GENERATION')
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: 'nobody', generationId: 2, groupInstanceId: null })).toBe('UNKNOWN_MEMBER_ID')
    expect((await groups.classic.syncGroup({ groupId: 'g', memberId: b.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })).error).toBe('ILLEGAL_GENERATION')
    expect((await groups.classic.joinGroup(joinRequest({ memberId: 'nobody' }))).error).toBe('UNKNOWN_MEMBER_ID')
  })

  it('refuses a member without a protocol in common or of another protocol type, and picks the protocol by vote', async () => {
    const { groups } = await setup({ t: 1 })
    const meta = encodeSubscription(['t'])
    const a = await joinNew(groups, { protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] })
    expect(a.protocolName).toBe('roundrobin')
    expect((await groups.classic.joinGroup(joinRequest({ protocols: [{ name: 'cooperative-sticky', metadata: meta }] }))).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect((await groups.classic.joinGroup(joinRequest({ protocolType: 'connect', protocols: [{ name: 'range', metadata: meta }] }))).error).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect((await groups.classic.joinGroup(joinRequest({ sessionTimeoutMs: 5 }))).error).toBe('INVALID_SESSION_TIMEOUT')
    expect((await groups.classic.joinGroup(joinRequest({ groupId: '' }))).error).toBe('INVALID_GROUP_ID')
    // an HTTP consumer instance offering only range
    const http = groups.createConsumer({ groupId: 'g', clientId: 'rest', autoOffsetReset: 'earliest', autoCommit: false, assignors: ['range'] })
    expect(groups.describeGroup('g')!.members.length).toBe(1)
    // range is in a's list, so it may join; roundrobin is then no longer common to all
    const subscribed = http.subscribe({ topics: ['t'] })
    await settle()
    const again = await groups.classic.joinGroup(joinRequest({ memberId: a.memberId, protocols: [{ name: 'roundrobin', metadata: meta }, { name: 'range', metadata: meta }] }))
    expect(again.protocolName).toBe('range') // roundrobin is not common any more
    await groups.classic.syncGroup({ groupId: 'g', memberId: a.memberId, generationId: again.generationId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    await subscribed
    await http.close()
  })

  it('removes a member whose session expires, and one that does not rejoin within the rebalance timeout', async () => {
    const { groups } = await setup({ t: 2 })
    const a = await joinNew(groups, { sessionTimeoutMs: 400, rebalanceTimeoutMs: 400 })
    await groups.classic.syncGroup({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    // heartbeats keep it alive past its session timeout
    for (let i = 0; i < 4; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(groups.classic.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null })).toBeNull()
    }
    // a second member joins; a never rejoins: after the rebalance timeout b is alone in generation 2
    const started = Date.now()
    const b = await joinNew(groups, { sessionTimeoutMs: 400, rebalanceTimeoutMs: 400 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(350)
    expect(b).toMatchObject({ error: null, generationId: 2, leader: b.memberId })
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null })).toBe('UNKNOWN_MEMBER_ID')
    await groups.classic.syncGroup({ groupId: 'g', memberId: b.memberId, generationId: 2, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    // b stops heartbeating: its session expires and the group is empty
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(groups.classic.describeGroup('g')).toMatchObject({ state: 'Empty', members: [] })
    expect(groups.describeGroup('g')).toMatchObject({ state: 'EMPTY', generation: 3 })
  })

  it('static membership: a join under a known group.instance.id replaces the old member, which is fenced', async () => {
    const { groups } = await setup({ t: 2 })
    const old = await groups.classic.joinGroup(joinRequest({ groupInstanceId: 'host-1', requireKnownMemberId: true }))
    expect(old.error).toBeNull() // static members skip MEMBER_ID_REQUIRED
    await groups.classic.syncGroup({ groupId: 'g', memberId: old.memberId, generationId: 1, groupInstanceId: 'host-1', protocolType: null, protocolName: null, assignments: [] })
    const restarted = await groups.classic.joinGroup(joinRequest({ groupInstanceId: 'host-1' }))
    expect(restarted).toMatchObject({ error: null, generationId: 2, leader: restarted.memberId })
    expect(restarted.memberId).not.toBe(old.memberId)
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: old.memberId, generationId: 1, groupInstanceId: 'host-1' })).toBe('UNKNOWN_MEMBER_ID')
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: restarted.memberId, generationId: 2, groupInstanceId: 'other' })).toBe('FENCED_INSTANCE_ID')
    expect(groups.classic.describeGroup('g').members.map(m => m.groupInstanceId)).toEqual(['host-1'])
  })

  it('a member id handed out with MEMBER_ID_REQUIRED and never used stops holding up a rebalance after its session timeout', async () => {
    const { groups } = await setup({ t: 2 })
    const pending = await groups.classic.joinGroup(joinRequest({ requireKnownMemberId: true, sessionTimeoutMs: 200 }))
    expect(pending.error).toBe('MEMBER_ID_REQUIRED')
    const http = groups.createConsumer({ groupId: 'g', clientId: 'rest', autoOffsetReset: 'earliest', autoCommit: false })
    const started = Date.now()
    await http.subscribe({ topics: ['t'] }) // the rebalance waited for the pending member, then gave up on it
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    expect(keys(http.assignment())).toEqual(['t-0', 't-1'])
    expect((await groups.classic.joinGroup(joinRequest({ memberId: pending.memberId }))).error).toBe('UNKNOWN_MEMBER_ID')
    await http.close()
  })

  it('LeaveGroup removes members (v3 list, per-member errors) and rebalances the rest', async () => {
    const { groups } = await setup({ t: 2 })
    const a = await joinNew(groups)
    await groups.classic.syncGroup({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    const left = groups.classic.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }])
    expect(left.members.map(m => m.error)).toEqual([null, 'UNKNOWN_MEMBER_ID'])
    await settle()
    expect(groups.classic.describeGroup('g').state).toBe('Empty')
    expect(groups.classic.leaveGroup('nope', [{ memberId: 'x', groupInstanceId: null }]).members[0]!.error).toBe('UNKNOWN_MEMBER_ID')
  })

  it('checks generations on OffsetCommit, takes standalone commits on empty groups, and deletes only empty groups', async () => {
    const { groups } = await setup({ t: 2 })
    const standalone = await groups.classic.commitOffsets({ groupId: 'solo', generationId: -1, memberId: '', groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 7, metadata: null }, { topic: 'missing', partition: 0, offset: 1, metadata: null }] })
    expect(standalone.partitions.map(p => p.error)).toEqual([null, 'UNKNOWN_TOPIC_OR_PARTITION'])
    expect(groups.groupOffsets('solo')).toEqual([{ topic: 't', partition: 0, currentOffset: 7, logEndOffset: 0, lag: 0 }])
    expect(groups.classic.listGroups().map(g => g.groupId)).toContain('solo')

    const a = await joinNew(groups)
    const commit = (generationId: number, memberId: string): Promise<unknown> => groups.classic.commitOffsets({ groupId: 'g', generationId, memberId, groupInstanceId: null, offsets: [{ topic: 't', partition: 1, offset: 3, metadata: 'm' }] }).then(r => r.error)
    expect(await commit(1, a.memberId)).toBe('REBALANCE_IN_PROGRESS') // CompletingRebalance
    await groups.classic.syncGroup({ groupId: 'g', memberId: a.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] })
    expect(await commit(0, a.memberId)).toBe('ILLEGAL_GENERATION')
    expect(await commit(1, 'ghost')).toBe('UNKNOWN_MEMBER_ID')
    expect(await commit(-1, '')).toBe('UNKNOWN_MEMBER_ID') // the group has members
    expect(await commit(1, a.memberId)).toBeNull()
    expect(groups.classic.committedOffsets('g')).toEqual([{ topic: 't', partition: 1, offset: 3, metadata: 'm' }])
    const big = await groups.classic.commitOffsets({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, offsets: [{ topic: 't', partition: 0, offset: 1, metadata: 'x'.repeat(5000) }] })
    expect(big.partitions[0]!.error).toBe('OFFSET_METADATA_TOO_LARGE')

    expect(await groups.classic.deleteGroup('g')).toBe('NON_EMPTY_GROUP')
    groups.classic.leaveGroup('g', [{ memberId: a.memberId, groupInstanceId: null }])
    await settle()
    expect(await groups.classic.deleteGroup('g')).toBeNull()
    expect(groups.classic.committedOffsets('g')).toEqual([])
    expect(groups.describeGroup('g')).toBeNull()
    expect(await groups.classic.deleteGroup('g')).toBe('GROUP_ID_NOT_FOUND')
    // deleted durably: gone after a restart too, while the standalone group stays
    await groups.close()
    opened = await EmbeddedGroups.open({ ...engineParts(await temp!.reopen()), clock })
    expect(opened.describeGroup('g')).toBeNull()
    expect(opened.classic.committedOffsets('solo').map(o => o.offset)).toEqual([7])
  })
})

describe('mixed groups: HTTP consumer instances and Kafka clients', () => {
  it('an HTTP instance leads: krest assigns with range and the Kafka member decodes its share', async () => {
    const { store, groups } = await setup({ t: 4 })
    await store.partition('t', 3).append([{ key: null, value: Buffer.from('x') }, { key: null, value: Buffer.from('y') }])
    const http = groups.createConsumer({ groupId: 'g', clientId: 'rest', autoOffsetReset: 'earliest', autoCommit: true })
    await http.subscribe({ topics: ['t'] })
    expect(keys(http.assignment())).toEqual(['t-0', 't-1', 't-2', 't-3'])
    expect((await http.poll({ timeoutMs: 0, maxBytes: 1 << 20, minBytes: 1 })).length).toBe(2)
    const k = await joinNew(groups, { protocols: [{ name: 'roundrobin', metadata: encodeSubscription(['t']) }, { name: 'range', metadata: encodeSubscription(['t']) }] })
    expect(k.error).toBeNull()
    expect(k.protocolName).toBe('range')
    expect(k.leader).toBe(http.memberId)
    expect(k.members).toEqual([])
    const synced = await groups.classic.syncGroup({ groupId: 'g', memberId: k.memberId, generationId: k.generationId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] })
    const theirs = keys(decodeAssignment(synced.assignment).partitions)
    const ours = keys(http.assignment())
    expect(ours.length).toBe(2)
    expect(theirs.length).toBe(2)
    expect(new Set([...ours, ...theirs]).size).toBe(4)
    // the HTTP member committed what it delivered of the partitions it gave up (auto-commit on revoke)
    if (theirs.includes('t-3')) expect(groups.classic.committedOffsets('g')).toContainEqual({ topic: 't', partition: 3, offset: 2, metadata: '' })
    expect(groups.describeGroup('g')!.members.map(m => keys(m.assignment).length)).toEqual([2, 2])
    // the Kafka member leaves: the HTTP instance gets everything back
    groups.classic.leaveGroup('g', [{ memberId: k.memberId, groupInstanceId: null }])
    await settle()
    expect(keys(http.assignment())).toEqual(['t-0', 't-1', 't-2', 't-3'])
    await http.close()
  })

  it('a Kafka client leads: it sees the HTTP instance subscription and the instance takes the partitions it is given', async () => {
    const { groups } = await setup({ t: 4 })
    const k = await joinNew(groups)
    await groups.classic.syncGroup({ groupId: 'g', memberId: k.memberId, generationId: 1, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: k.memberId, assignment: encodeAssignment([0, 1, 2, 3].map(p => ({ topic: 't', partition: p }))) }] })
    const http = groups.createConsumer({ groupId: 'g', clientId: 'rest', autoOffsetReset: 'earliest', autoCommit: true, assignors: ['roundrobin', 'range'] })
    const subscribed = http.subscribe({ topics: ['t'] })
    await settle()
    expect(groups.classic.heartbeat({ groupId: 'g', memberId: k.memberId, generationId: 1, groupInstanceId: null })).toBe('REBALANCE_IN_PROGRESS')
    const rejoined = await groups.classic.joinGroup(joinRequest({ memberId: k.memberId }))
    expect(rejoined).toMatchObject({ error: null, generationId: 2, leader: k.memberId, protocolName: 'range' })
    const httpMeta = rejoined.members.find(m => m.memberId !== k.memberId)!
    expect(httpMeta.memberId).toMatch(/^rest-/)
    expect(decodeSubscription(httpMeta.metadata).topics).toEqual(['t'])
    await groups.classic.syncGroup({
      groupId: 'g', memberId: k.memberId, generationId: 2, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [
        { memberId: k.memberId, assignment: encodeAssignment([{ topic: 't', partition: 0 }]) },
        { memberId: httpMeta.memberId, assignment: encodeAssignment([1, 2, 3].map(p => ({ topic: 't', partition: p }))) },
      ],
    })
    await subscribed
    expect(keys(http.assignment())).toEqual(['t-1', 't-2', 't-3'])
    expect(groups.describeGroup('g')).toMatchObject({ state: 'STABLE', protocolType: 'consumer', protocol: 'range' })
    // the Kafka leader's session expires: the HTTP instance is alone, leads, and takes all four
    groups.classic.leaveGroup('g', [{ memberId: k.memberId, groupInstanceId: null }])
    await settle()
    expect(keys(http.assignment())).toEqual(['t-0', 't-1', 't-2', 't-3'])
    await http.close()
  })
})
