/** Committed offsets expire as Kafka's do with offsets.retention.minutes (KIP-211), durably. */
import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedGroups } from '../../../src/groups/embedded-groups.js'
import { engineParts, openTempStore, type TempStore } from './real-store.js'

let now = 1_700_000_000_000
const clock = { now: () => now }
const RETENTION = 60_000
let temp: TempStore | undefined
afterEach(async () => { await temp?.cleanup(); temp = undefined })

describe('offsets retention', () => {
  it('keeps offsets of groups with members, expires empty groups retention after they emptied, standalone offsets one by one', async () => {
    temp = await openTempStore()
    await temp.store.createTopic('t', { partitions: 2 })
    const open = (): Promise<EmbeddedGroups> => EmbeddedGroups.open({ ...engineParts(temp!.store), clock, offsetsTopicPartitions: 2, offsetsRetentionMs: RETENTION, offsetsRetentionCheckIntervalMs: 0 })
    const groups = await open()
    // a standalone committer (manual assignment: the group never has members)
    const solo = groups.createConsumer({ groupId: 'solo', clientId: 's', autoOffsetReset: 'earliest', autoCommit: false })
    await solo.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
    await solo.commit([{ topic: 't', partition: 0, offset: 1 }])
    // a consumer group whose member stays
    const live = groups.createConsumer({ groupId: 'live', clientId: 'l', autoOffsetReset: 'earliest', autoCommit: false })
    await live.subscribe({ topics: ['t'] })
    await live.commit([{ topic: 't', partition: 0, offset: 2 }])
    // a consumer group whose member leaves
    const gone = groups.createConsumer({ groupId: 'gone', clientId: 'g', autoOffsetReset: 'earliest', autoCommit: false })
    await gone.subscribe({ topics: ['t'] })
    await gone.commit([{ topic: 't', partition: 1, offset: 3 }])
    now += RETENTION / 2
    await solo.commit([{ topic: 't', partition: 1, offset: 4 }])
    await gone.close()
    now += RETENTION / 2
    await groups.expireOffsets()
    // solo's first offset is RETENTION old; gone emptied only RETENTION / 2 ago
    expect(groups.groupOffsets('solo').map(o => o.partition)).toEqual([1])
    expect(groups.listGroups().map(g => g.groupId)).toEqual(['gone', 'live', 'solo'])
    now += RETENTION / 2
    await groups.expireOffsets()
    expect(groups.listGroups().map(g => g.groupId)).toEqual(['live'])
    expect(groups.describeGroup('gone')).toBeNull()
    now += 10 * RETENTION
    await groups.expireOffsets()
    expect(groups.groupOffsets('live').map(o => o.currentOffset)).toEqual([2])
    await live.close()
    await solo.close()
    await groups.close()
    // durable: the expired groups stay gone after a restart
    await temp.reopen()
    const again = await open()
    expect(again.listGroups().map(g => g.groupId)).toEqual(['live'])
    await again.close()
  })
})
