import { describe, expect, it } from 'vitest'
import { Ajv } from 'ajv'
import { UnsafePatternError, compileSafeRegex, safeRegExpEngine } from '../../../src/util/regex-safety.js'

/** Patterns that take exponential or high-polynomial time on a backtracking engine, with an input that triggers it. */
const BACKTRACKING: Array<[string, string]> = [
  ['.{0,16}'.repeat(7) + 'x', 'a'.repeat(100)], // the bounded-quantifier bypass of issue 13
  ['(.{0,16}){7}x', 'a'.repeat(100)],
  ['(a+)+b', 'a'.repeat(40)],
  ['(a|a)*b', 'a'.repeat(40)],
  ['^(a*)*$', `${'a'.repeat(40)}!`],
  ['.*.*.*.*.*.*x', 'a'.repeat(2000)],
  ['(\\w+\\s?)*!', 'ab '.repeat(30)],
  ['a{1,100}a{1,100}a{1,100}b', 'a'.repeat(2000)],
]

describe('compileSafeRegex', () => {
  it.each(BACKTRACKING)('runs %s in linear time', (pattern, input) => {
    const re = compileSafeRegex(pattern)
    const t0 = performance.now()
    expect(re.test(input)).toBe(false)
    expect(re.matchesWhole(input)).toBe(false)
    expect(re.test(input.repeat(50))).toBe(false)
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it.each([
    ['orders-.*', 'orders-eu', true], ['(eu|us)-events', 'us-events', true], ['logs\\.[a-z]+', 'logs.app', true],
    ['logs\\.[a-z]+', 'logsXapp', false], ['^[A-Z]{3}-\\d{2}$', 'ABC-12', true], ['\\u00e9+', 'é', true], ['\\u{1F600}', '😀', true],
    ['^\\p{L}+$', 'héllo', true], ['(?<name>ab)c', 'abc', true],
  ] as Array<[string, string, boolean]>)('%s on %s → %s', (pattern, input, expected) => {
    expect(compileSafeRegex(pattern).test(input)).toBe(expected)
  })

  it('matchesWhole matches the whole input only', () => {
    const re = compileSafeRegex('a|ab')
    expect(re.matchesWhole('ab')).toBe(true)
    expect(re.matchesWhole('abc')).toBe(false)
    expect(re.test('xab')).toBe(true)
  })

  it.each([
    ['(a)\\1', 'back-reference'], ['(?<x>a)\\k<x>', 'back-reference'], ['\\q', 'Invalid'], ['(?=a)a', 'linear-time'], ['(?!a)b', 'linear-time'], ['(?<=a)b', 'linear-time'], ['(a', 'Unterminated group'], ['x'.repeat(1001), 'longer'],
  ])('refuses %s', (pattern, why) => {
    expect(() => compileSafeRegex(pattern)).toThrow(UnsafePatternError)
    expect(() => compileSafeRegex(pattern)).toThrow(why)
  })

  it('plugs into ajv as its regExp engine, each pattern kept apart', () => {
    const ajv = new Ajv({ code: { regExp: safeRegExpEngine } })
    const validate = ajv.compile({ type: 'object', properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } }, patternProperties: { '^x-': { type: 'integer' } } })
    expect(validate({ a: 'aaa', b: 'bb', 'x-1': 1 })).toBe(true)
    expect(validate({ a: 'b' })).toBe(false)
    expect(validate({ b: 'a' })).toBe(false)
    expect(validate({ 'x-1': 'one' })).toBe(false)
    const slow = ajv.compile({ type: 'string', pattern: '.{0,16}'.repeat(7) + 'x' })
    const t0 = performance.now()
    expect(slow('a'.repeat(10000))).toBe(false)
    expect(performance.now() - t0).toBeLessThan(1000)
  })
})
