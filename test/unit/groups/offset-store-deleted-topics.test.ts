import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OffsetStore } from '../../../src/groups/offset-store.js'
import { storageInternalTopics } from '../../../src/backend/embedded/internal-topics.js'
import { openTempStore, type TempStore } from './real-store.js'

const clock = { now: () => Date.now() }

describe('offsets of deleted topics', () => {
  let t: TempStore

  beforeEach(async () => { t = await openTempStore() })
  afterEach(async () => { await t.cleanup() })

  it('are dropped at start-up when a crash came between the topic deletion and the offset tombstones', async () => {
    await t.store.createTopic('orders', { partitions: 1 })
    await t.store.createTopic('kept', { partitions: 1 })
    let offsets = await OffsetStore.open({ internalTopics: storageInternalTopics(t.store), clock, partitions: 3, topicExists: name => t.store.hasTopic(name) })
    await offsets.commit('g', [{ topic: 'orders', partition: 0, offset: 8 }, { topic: 'kept', partition: 0, offset: 5 }])
    // The crash window: the topic is gone from storage, its offset tombstones were never written.
    await t.store.deleteTopic('orders')
    offsets.close()
    await t.reopen()
    offsets = await OffsetStore.open({ internalTopics: storageInternalTopics(t.store), clock, partitions: 3, topicExists: name => t.store.hasTopic(name) })
    expect(offsets.committed('g', 'orders', 0)).toBeUndefined()
    expect(offsets.committed('g', 'kept', 0)?.offset).toBe(5)
    offsets.close()
    // Re-created under the same name: the old incarnation's offset must not come back.
    await t.store.createTopic('orders', { partitions: 1 })
    await t.reopen()
    offsets = await OffsetStore.open({ internalTopics: storageInternalTopics(t.store), clock, partitions: 3, topicExists: name => t.store.hasTopic(name) })
    expect(offsets.committed('g', 'orders', 0)).toBeUndefined()
    expect(offsets.committed('g', 'kept', 0)?.offset).toBe(5)
    offsets.close()
  })
})
