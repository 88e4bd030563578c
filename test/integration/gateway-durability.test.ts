import { afterEach, describe, expect, it } from 'vitest'
import { BINARY, JSON_V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'
import { readPartition, endOffset } from '../helpers/backend-reads.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

interface Offsets { offsets: { partition: number, offset: number, error_code: number | null }[] }

describe('concurrent produce', () => {
  it('200 concurrent single-record produces get unique, gap-free offsets', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('c', { partitions: 1 })
    const harness = h
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      harness.call('POST', '/topics/c', { body: { records: [{ value: b64(`r${i}`) }] }, headers: { 'content-type': BINARY } })))
    const offsets = replies.map(r => {
      expect(r.status).toBe(200)
      const o = (r.body as Offsets).offsets
      expect(o).toHaveLength(1)
      expect(o[0]?.error_code).toBeNull()
      return o[0]?.offset as number
    })
    expect([...offsets].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    // Each offset holds the record of the request it was acknowledged to.
    const read = { records: await readPartition(h.gateway.backend, 'c', 0) }
    const byOffset = new Map(read.records.map(r => [r.offset, r.value?.toString()]))
    offsets.forEach((o, i) => { expect(byOffset.get(o)).toBe(`r${i}`) })
  })

  it('concurrent multi-record keyed produces across partitions stay gap-free and in request order per partition', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('k', { partitions: 3 })
    const harness = h
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      harness.call('POST', '/topics/k', { body: { records: Array.from({ length: 5 }, (_, j) => ({ key: `key-${(i + j) % 17}`, value: { i, j } })) }, headers: { 'content-type': JSON_V2 } })))
    const perPartition = new Map<number, number[]>()
    for (const r of replies) {
      expect(r.status).toBe(200)
      const offs = (r.body as Offsets).offsets
      const seen = new Map<number, number>()
      for (const o of offs) {
        expect(o.error_code).toBeNull()
        // within one request, records of the same partition get increasing offsets
        const prev = seen.get(o.partition)
        if (prev !== undefined) expect(o.offset).toBeGreaterThan(prev)
        seen.set(o.partition, o.offset)
        const list = perPartition.get(o.partition) ?? []
        list.push(o.offset)
        perPartition.set(o.partition, list)
      }
    }
    let total = 0
    for (const [p, list] of perPartition) {
      list.sort((a, b) => a - b)
      expect(list).toEqual(Array.from({ length: list.length }, (_, i) => i))
      expect((await endOffset(h.gateway.backend, 'k', p))).toBe(list.length)
      total += list.length
    }
    expect(total).toBe(1000)
  })
})

describe('concurrent auto-create', () => {
  it('50 concurrent produces to a missing topic create it once; every record lands', async () => {
    h = await startHarness({ 'num.partitions': 3 })
    const harness = h
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      harness.call('POST', '/topics/born', { body: { records: [{ value: b64(`b${i}`) }] }, headers: { 'content-type': BINARY } })))
    for (const r of replies) {
      expect(r.status).toBe(200)
      expect((r.body as Offsets).offsets[0]?.error_code).toBeNull()
    }
    expect((await h.gateway.backend.admin.describeTopic('born')).partitions.length).toBe(3)
    let total = 0
    for (const p of [0, 1, 2]) total += await endOffset(h.gateway.backend, 'born', p)
    expect(total).toBe(50)
  })
})

describe('restart durability', () => {
  it('keeps topics, configs and records across a restart, and offsets continue', async () => {
    h = await startHarness()
    const cid = h.gateway.backend.metadata.clusterId
    await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'keep', partitions_count: 2, configs: [{ name: 'retention.ms', value: '999999' }] }, headers: { 'content-type': 'application/json' } })
    const first = await h.call('POST', '/topics/keep/partitions/1', { body: { records: [{ key: b64('a'), value: b64('one') }, { value: b64('two') }] }, headers: { 'content-type': BINARY } })
    expect(first.status).toBe(200)
    await h.restart()
    expect((await h.call('GET', '/topics')).body).toEqual(['keep'])
    const meta = await h.call('GET', '/topics/keep')
    expect((meta.body as { configs: Record<string, string>, partitions: unknown[] }).configs['retention.ms']).toBe('999999')
    expect((meta.body as { partitions: unknown[] }).partitions).toHaveLength(2)
    expect((await h.call('GET', '/topics/keep/partitions/1/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 2 })
    const read = { records: await readPartition(h.gateway.backend, 'keep', 1) }
    expect(read.records.map(r => [r.key?.toString() ?? null, r.value?.toString()])).toEqual([['a', 'one'], [null, 'two']])
    const next = await h.call('POST', '/topics/keep/partitions/1', { body: { records: [{ value: b64('three') }] }, headers: { 'content-type': BINARY } })
    expect((next.body as Offsets).offsets[0]?.offset).toBe(2)
  })
})

describe('graceful shutdown', () => {
  it('finishes in-flight produces: every acknowledged record is there after the restart', async () => {
    h = await startHarness()
    await h.gateway.backend.admin.createTopic('g', { partitions: 1 })
    const harness = h
    let firstReply: () => void = () => undefined
    const first = new Promise<void>(resolve => { firstReply = resolve })
    const calls = Array.from({ length: 100 }, async (_, i) => {
      try {
        const r = await harness.call('POST', '/topics/g', { body: { records: [{ value: b64(`g${i}`) }] }, headers: { 'content-type': BINARY } })
        firstReply()
        return { i, status: r.status, offset: r.status === 200 ? (r.body as Offsets).offsets[0]?.offset : undefined }
      } catch {
        firstReply()
        return { i, status: 0, offset: undefined } // connection refused or closed: never acknowledged
      }
    })
    await first
    const closing = harness.gateway.close()
    const results = await Promise.all(calls)
    await closing
    for (const r of results) expect([0, 200, 503]).toContain(r.status)
    const acked = results.filter(r => r.status === 200)
    expect(acked.length).toBeGreaterThan(0)
    await harness.restart()
    expect(await endOffset(harness.gateway.backend, 'g', 0)).toBeGreaterThanOrEqual(acked.length)
    const read = { records: await readPartition(harness.gateway.backend, 'g', 0) }
    const byOffset = new Map(read.records.map(x => [x.offset, x.value?.toString()]))
    for (const r of acked) expect(byOffset.get(r.offset as number)).toBe(`g${r.i}`)
  })
})
