import { describe, expect, it } from 'vitest'
import { regexRisk } from '../../../src/util/regex-safety.js'

describe('regexRisk', () => {
  it.each([
    'orders-.*', '.*-events', '(eu|us)-events', 'logs\\.[a-z]+', 'a.*b.*c', '[a-z0-9._-]+', 'topic-\\d{1,3}', '(ab)+',
    '^[A-Za-z0-9+/=]*$', '(?:prefix|other)\\..*', '(a+)?', '[(]+', '\\(a+\\)+', 'x{2,5}', '(?<name>abc)def',
  ])('accepts %s', p => {
    expect(regexRisk(p)).toBeUndefined()
  })

  it.each([
    ['(a+)+b', 'quantifier'], ['(a*)*', 'quantifier'], ['(a|a)*b', 'alternation'], ['(\\w+\\s?)*$', 'quantifier'],
    ['((ab)*c)+', 'quantifier'], ['(?:a|b)+', 'alternation'], ['(a{1,20}){2,}', 'quantifier'], ['(.*a){12}', 'quantifier'],
    ['(a)\\1', 'back-reference'], ['(?<x>a)\\k<x>', 'back-reference'], ['.*.*.*.*x', 'unbounded'], ['a{1,100}b{1,100}c{1,100}d+', 'unbounded'],
    ['(a', 'balance'], ['a)', 'balance'], ['x'.repeat(1001), 'longer'],
  ])('refuses %s (%s)', (p, why) => {
    expect(regexRisk(p)).toContain(why)
  })

  it('counts unbounded repetitions against the limit', () => {
    expect(regexRisk('a*b*', { maxUnbounded: 2 })).toBeUndefined()
    expect(regexRisk('a*b*c*', { maxUnbounded: 2 })).toContain('unbounded')
  })
})
