import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isJsonText } from '../../../../src/proxy/consumers/json-text.js'

function parses (s: string): boolean {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}

const check = (s: string): boolean => isJsonText(Buffer.from(s, 'utf8'))

describe('isJsonText', () => {
  it('accepts JSON texts and refuses what JSON.parse refuses (examples)', () => {
    for (const ok of ['0', '-0', '1.5e+10', '-12.25E-3', '"a\\u00e9\\n\\"\\/"', 'true', 'false', 'null', ' {} ', '[]', '[1, [2, {"a": [null]}]]', '{"a":1,"b":{"c":[true,false]}}', '"\u2028"']) {
      expect(check(ok), ok).toBe(true)
    }
    for (const bad of ['', ' ', '01', '1.', '.5', '-', '1e', '1e+', '+1', 'tru', 'nul', '"abc', '"\\x"', '"\\u12"', '"\u0001"', '{', '[1,]', '{"a":1,}', '{"a" 1}', '{a:1}', '[1 2]', '1 2', '{"a":1}}', ']', 'NaN', '\ufeff1', "'a'"]) {
      expect(check(bad), bad).toBe(false)
      expect(parses(bad), bad).toBe(false)
    }
  })

  it('never accepts anything JSON.parse refuses (random and mutated texts)', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', ']', '}', '"', '\\', ':', '0', '-', 'e', ' ', '\u0000', '{', '[')).map(([s, at, ins]) => {
      const k = s.length === 0 ? 0 : at % s.length
      return s.slice(0, k) + ins + s.slice(k + (at % 2))
    })
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutated), s => {
      if (check(s)) expect(parses(s)).toBe(true)
    }), { numRuns: 5000 })
  })

  it('accepts every JSON text fast-check generates, and deep nesting up to its limit', () => {
    fc.assert(fc.property(fc.json(), s => { expect(check(s)).toBe(true) }), { numRuns: 2000 })
    expect(check('['.repeat(500) + ']'.repeat(500))).toBe(true)
    expect(check('['.repeat(100_000) + ']'.repeat(100_000))).toBe(false) // too deep: the caller falls back to JSON.parse
  })
})
