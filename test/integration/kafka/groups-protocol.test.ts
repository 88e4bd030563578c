/**
 * The consumer-group APIs on the Kafka listener at the protocol level (exact versions and error codes), over TCP
 * to a real krest: FindCoordinator, JoinGroup (v4 MEMBER_ID_REQUIRED, v6 flexible), SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit / OffsetFetch (v2 … v8), ListGroups, DescribeGroups, DeleteGroups; and a group
 * shared with an HTTP consumer instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../../src/groups/consumer-protocol.js'
import { startHarness, V2 } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'

let h: Harness
let port: number
let c: KafkaWireClient

beforeAll(async () => {
  h = await startHarness({ 'group.min.session.timeout.ms': 100 })
  port = h.gateway.kafkaPort as number
  const cid = h.gateway.backend.metadata.clusterId
  const created = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'gt', partitions_count: 4 }, headers: { 'content-type': 'application/json' } })
  expect(created.status).toBe(201)
  c = await KafkaWireClient.connect(port)
})

afterAll(async () => {
  c.close()
  await h.close()
})

interface JoinResponse { errorCode: number, generationId: number, protocolName: string, leader: string, memberId: string, members: Array<{ memberId: string, metadata: Buffer }> }

async function join (version: number, body: Record<string, unknown>): Promise<JoinResponse> {
  return await c.request(11, version, {
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription(['gt']) }],
    ...body,
  }) as unknown as JoinResponse
}

describe('group APIs on the Kafka listener', () => {
  it('ApiVersions advertises the group APIs with the ranges every client needs', async () => {
    const v = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }) as { apiKeys: Array<{ apiKey: number, minVersion: number, maxVersion: number }> }
    const range = (key: number): [number, number] | undefined => { const a = v.apiKeys.find(x => x.apiKey === key); return a === undefined ? undefined : [a.minVersion, a.maxVersion] }
    expect(range(8)).toEqual([2, 8])
    expect(range(9)).toEqual([1, 8])
    expect(range(10)).toEqual([0, 4])
    expect(range(11)).toEqual([2, 6])
    expect(range(12)).toEqual([1, 4])
    expect(range(13)).toEqual([1, 4])
    expect(range(14)).toEqual([1, 4])
    expect(range(15)).toEqual([0, 5])
    expect(range(16)).toEqual([0, 4])
    expect(range(42)).toEqual([0, 2])
  })

  it('FindCoordinator names this broker, one key (v0–3) or a list (v4); transactions have none', async () => {
    const v2 = await c.request(10, 2, { key: 'g', keyType: 0 })
    expect(v2).toMatchObject({ errorCode: 0, nodeId: 0, host: '127.0.0.1', port })
    const v4 = await c.request(10, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] }) as { coordinators: unknown[] }
    expect(v4.coordinators).toEqual([
      { key: 'a', nodeId: 0, host: '127.0.0.1', port, errorCode: 0, errorMessage: null },
      { key: 'b', nodeId: 0, host: '127.0.0.1', port, errorCode: 0, errorMessage: null },
    ])
    const txn = await c.request(10, 4, { keyType: 1, coordinatorKeys: ['tx'] }) as { coordinators: Array<{ errorCode: number }> }
    expect(txn.coordinators[0]!.errorCode).toBe(15)
  })

  it('join (v4 MEMBER_ID_REQUIRED, then v6 flexible), sync, heartbeat, commit and fetch offsets, leave, describe, delete', async () => {
    const first = await join(4, { groupId: 'wire' })
    expect(first.errorCode).toBe(79)
    expect(first.memberId).toMatch(/^krest-test-/)
    const joined = await join(6, { groupId: 'wire', memberId: first.memberId })
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range', leader: first.memberId, memberId: first.memberId })
    expect(joined.members.map(m => m.memberId)).toEqual([first.memberId])
    const mine = encodeAssignment([0, 1, 2, 3].map(p => ({ topic: 'gt', partition: p })))
    const synced = await c.request(14, 4, { groupId: 'wire', generationId: 1, memberId: first.memberId, groupInstanceId: null, assignments: [{ memberId: first.memberId, assignment: mine }] }) as { errorCode: number, assignment: Buffer }
    expect(synced.errorCode).toBe(0)
    expect(decodeAssignment(synced.assignment).partitions.length).toBe(4)
    expect(await c.request(12, 4, { groupId: 'wire', generationId: 1, memberId: first.memberId, groupInstanceId: null })).toMatchObject({ errorCode: 0 })
    expect(await c.request(12, 1, { groupId: 'wire', generationId: 0, memberId: first.memberId })).toMatchObject({ errorCode: 22 })
    expect(await c.request(12, 1, { groupId: 'wire', generationId: 1, memberId: 'nobody' })).toMatchObject({ errorCode: 25 })

    // OffsetCommit v8 (flexible) and v2, then OffsetFetch v8 (groups) and v1
    const commit8 = await c.request(8, 8, { groupId: 'wire', generationIdOrMemberEpoch: 1, memberId: first.memberId, groupInstanceId: null, topics: [{ name: 'gt', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: 'x' }, { partitionIndex: 9, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] })
    expect(commit8).toEqual({ throttleTimeMs: 0, topics: [{ name: 'gt', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 9, errorCode: 3 }] }] })
    const stale = await c.request(8, 2, { groupId: 'wire', generationIdOrMemberEpoch: 7, memberId: first.memberId, retentionTimeMs: -1, topics: [{ name: 'gt', partitions: [{ partitionIndex: 1, committedOffset: 1, committedMetadata: null }] }] }) as { topics: Array<{ partitions: Array<{ errorCode: number }> }> }
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(22)
    const fetch8 = await c.request(9, 8, { groups: [{ groupId: 'wire', topics: null }, { groupId: 'none', topics: [{ name: 'gt', partitionIndexes: [0] }] }], requireStable: false }) as { groups: unknown[] }
    expect(fetch8.groups).toEqual([
      { groupId: 'wire', topics: [{ name: 'gt', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, metadata: 'x', errorCode: 0 }] }], errorCode: 0 },
      { groupId: 'none', topics: [{ name: 'gt', partitions: [{ partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }], errorCode: 0 },
    ])
    const fetch1 = await c.request(9, 1, { groupId: 'wire', topics: [{ name: 'gt', partitionIndexes: [0, 1] }] }) as { topics: Array<{ partitions: Array<{ committedOffset: number }> }> }
    expect(fetch1.topics[0]!.partitions.map(p => p.committedOffset)).toEqual([5, -1])

    // the commit is the one store: the v3 lag view shows it
    const cid = h.gateway.backend.metadata.clusterId
    const lags = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/wire/lags`)
    expect(lags.status).toBe(200)
    expect((lags.body as { data: Array<{ partition_id: number, current_offset: number }> }).data.map(l => [l.partition_id, l.current_offset])).toEqual([[0, 5]])

    // ListGroups v4 with a state filter, DescribeGroups v5 (flexible)
    const listed = await c.request(16, 4, { statesFilter: ['stable'] }) as { groups: Array<{ groupId: string, protocolType: string, groupState: string }> }
    expect(listed.groups).toContainEqual({ groupId: 'wire', protocolType: 'consumer', groupState: 'Stable' })
    const described = await c.request(15, 5, { groups: ['wire', 'missing'], includeAuthorizedOperations: false }) as { groups: Array<{ groupId: string, groupState: string, protocolData: string, members: Array<{ memberId: string, clientId: string, clientHost: string, memberAssignment: Buffer }> }> }
    expect(described.groups[0]).toMatchObject({ groupId: 'wire', groupState: 'Stable', protocolData: 'range' })
    expect(described.groups[0]!.members[0]).toMatchObject({ memberId: first.memberId, clientId: 'krest-test', clientHost: '/127.0.0.1' })
    expect(described.groups[0]!.members[0]!.memberAssignment.equals(mine)).toBe(true)
    expect(described.groups[1]).toMatchObject({ groupId: 'missing', groupState: 'Dead', members: [] })

    // DeleteGroups refuses a group with members; LeaveGroup v3 (list) empties it; then it deletes
    expect(await c.request(42, 2, { groupsNames: ['wire'] })).toMatchObject({ results: [{ groupId: 'wire', errorCode: 68 }] })
    const left = await c.request(13, 4, { groupId: 'wire', members: [{ memberId: first.memberId, groupInstanceId: null }, { memberId: 'ghost', groupInstanceId: null }] })
    expect(left).toMatchObject({ errorCode: 0, members: [{ memberId: first.memberId, errorCode: 0 }, { memberId: 'ghost', errorCode: 25 }] })
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(await c.request(42, 0, { groupsNames: ['wire', 'never'] })).toMatchObject({ results: [{ groupId: 'wire', errorCode: 0 }, { groupId: 'never', errorCode: 69 }] })
    expect(await c.request(9, 8, { groups: [{ groupId: 'wire', topics: null }], requireStable: false })).toMatchObject({ groups: [{ groupId: 'wire', topics: [] }] })
  })

  it('bad input gets Kafka error codes: empty group id, session timeout out of bounds, inconsistent protocols, v1 leave of an unknown member', async () => {
    expect((await join(5, { groupId: '' })).errorCode).toBe(24)
    expect((await join(5, { groupId: 'bad', sessionTimeoutMs: 1 })).errorCode).toBe(26)
    const a = await join(3, { groupId: 'proto' })
    expect(a.errorCode).toBe(0)
    expect((await join(3, { groupId: 'proto', protocols: [{ name: 'sticky', metadata: encodeSubscription(['gt']) }] })).errorCode).toBe(23)
    expect((await join(3, { groupId: 'proto', protocolType: 'connect' })).errorCode).toBe(23)
    expect(await c.request(13, 1, { groupId: 'proto', memberId: 'ghost' })).toMatchObject({ errorCode: 25 })
    expect(await c.request(13, 1, { groupId: 'proto', memberId: a.memberId })).toMatchObject({ errorCode: 0 })
  })

  it('a group shared by an HTTP consumer instance (leader) and a Kafka member splits the partitions', async () => {
    const base = '/consumers/mixed'
    const created = await h.call('POST', base, { body: { name: 'i1', format: 'binary', 'auto.offset.reset': 'earliest' } })
    expect(created.status).toBe(200)
    const sub = await h.call('POST', `${base}/instances/i1/subscription`, { body: { topics: ['gt'] } })
    expect(sub.status).toBe(204)
    const first = await join(3, { groupId: 'mixed', protocols: [{ name: 'range', metadata: encodeSubscription(['gt']) }] })
    expect(first.errorCode).toBe(0)
    expect(first.leader).not.toBe(first.memberId) // the HTTP instance was there first: it leads
    const synced = await c.request(14, 3, { groupId: 'mixed', generationId: first.generationId, memberId: first.memberId, groupInstanceId: null, assignments: [] }) as { errorCode: number, assignment: Buffer }
    expect(synced.errorCode).toBe(0)
    const kafkaShare = decodeAssignment(synced.assignment).partitions.map(tp => tp.partition).sort()
    const assignments = await h.call('GET', `${base}/instances/i1/assignments`, { headers: { accept: V2 } })
    const httpShare = (assignments.body as { partitions: Array<{ partition: number }> }).partitions.map(p => p.partition).sort()
    expect(kafkaShare.length).toBe(2)
    expect([...kafkaShare, ...httpShare].sort()).toEqual([0, 1, 2, 3])
    const cid = h.gateway.backend.metadata.clusterId
    const consumers = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/mixed/consumers`)
    expect((consumers.body as { data: unknown[] }).data.length).toBe(2)
    await h.call('DELETE', `${base}/instances/i1`)
  })
})
