import { describe, expect, it } from 'vitest'
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
