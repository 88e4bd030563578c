import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { rangeAssign, roundRobinAssign, type Assignment } from '../../../src/groups/assignors.js'

function names (a: Assignment, member: string): string[] {
  return (a.get(member) ?? []).map(tp => `${tp.topic}p${tp.partition}`)
}

describe('range assignor', () => {
  it('matches Kafka: two members, two topics of three partitions', () => {
    const a = rangeAssign([{ memberId: 'C0', topics: ['t0', 't1'] }, { memberId: 'C1', topics: ['t0', 't1'] }], new Map([['t0', 3], ['t1', 3]]))
    expect(names(a, 'C0')).toEqual(['t0p0', 't0p1', 't1p0', 't1p1'])
    expect(names(a, 'C1')).toEqual(['t0p2', 't1p2'])
  })

  it('7 partitions over 3 members: 3, 2, 2 consecutive', () => {
    const a = rangeAssign([{ memberId: 'c', topics: ['t'] }, { memberId: 'a', topics: ['t'] }, { memberId: 'b', topics: ['t'] }], new Map([['t', 7]]))
    expect(names(a, 'a')).toEqual(['tp0', 'tp1', 'tp2'])
    expect(names(a, 'b')).toEqual(['tp3', 'tp4'])
    expect(names(a, 'c')).toEqual(['tp5', 'tp6'])
  })

  it('static members sort first, more members than partitions leaves some empty, unknown topics are skipped', () => {
    const a = rangeAssign([
      { memberId: 'a', topics: ['t', 'missing'] },
      { memberId: 'z', groupInstanceId: 'i1', topics: ['t'] },
      { memberId: 'b', topics: ['t'] },
    ], new Map([['t', 2]]))
    expect(names(a, 'z')).toEqual(['tp0'])
    expect(names(a, 'a')).toEqual(['tp1'])
    expect(names(a, 'b')).toEqual([])
  })
})

describe('round-robin assignor', () => {
  it('matches Kafka: two members, two topics of three partitions', () => {
    const a = roundRobinAssign([{ memberId: 'C1', topics: ['t1', 't0'] }, { memberId: 'C0', topics: ['t0', 't1'] }], new Map([['t0', 3], ['t1', 3]]))
    expect(names(a, 'C0')).toEqual(['t0p0', 't0p2', 't1p1'])
    expect(names(a, 'C1')).toEqual(['t0p1', 't1p0', 't1p2'])
  })

  it('skips members that do not subscribe to a topic (Kafka javadoc example)', () => {
    // C0: t0; C1: t0, t1; C2: t0, t1, t2 — t0 1 partition, t1 2, t2 3
    const a = roundRobinAssign([
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ], new Map([['t0', 1], ['t1', 2], ['t2', 3]]))
    expect(names(a, 'C0')).toEqual(['t0p0'])
    expect(names(a, 'C1')).toEqual(['t1p0'])
    expect(names(a, 'C2')).toEqual(['t1p1', 't2p0', 't2p1', 't2p2'])
  })
})

describe('assignor properties (fast-check)', () => {
  const setup = fc.record({
    members: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
    topics: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 12 }), { minKeys: 1 }),
  })

  it('with identical subscriptions every partition goes to exactly one member, counts differ by at most 1 per topic (range) or overall (round robin)', () => {
    fc.assert(fc.property(setup, ({ members, topics }) => {
      const names = Object.keys(topics)
      const ms = members.map(memberId => ({ memberId, topics: names }))
      const counts = new Map(Object.entries(topics))
      const total = [...counts.values()].reduce((a, b) => a + b, 0)
      for (const [assign, perTopic] of [[rangeAssign, true], [roundRobinAssign, false]] as const) {
        const a = assign(ms, counts)
        const all = [...a.values()].flat().map(tp => `${tp.topic}-${tp.partition}`)
        expect(all.length).toBe(total)
        expect(new Set(all).size).toBe(total)
        const spread = (xs: number[]): number => Math.max(...xs) - Math.min(...xs)
        if (perTopic) {
          for (const t of names) expect(spread(members.map(m => (a.get(m) ?? []).filter(tp => tp.topic === t).length))).toBeLessThanOrEqual(1)
        } else {
          expect(spread(members.map(m => (a.get(m) ?? []).length))).toBeLessThanOrEqual(1)
        }
      }
    }))
  })

  it('never assigns a partition of a topic a member does not subscribe to', () => {
    fc.assert(fc.property(setup, fc.infiniteStream(fc.boolean()), ({ members, topics }, coin) => {
      const names = Object.keys(topics)
      const it = coin[Symbol.iterator]()
      const ms = members.map(memberId => ({ memberId, topics: names.filter(() => it.next().value === true) }))
      const counts = new Map(Object.entries(topics))
      for (const assign of [rangeAssign, roundRobinAssign]) {
        const a = assign(ms, counts)
        for (const m of ms) for (const tp of a.get(m.memberId) ?? []) expect(m.topics).toContain(tp.topic)
        // every partition of a topic someone subscribes to is assigned once
        const subscribed = names.filter(t => ms.some(m => m.topics.includes(t)))
        const want = subscribed.reduce((n, t) => n + (counts.get(t) ?? 0), 0)
        expect([...a.values()].flat().length).toBe(want)
      }
    }))
  })
})
