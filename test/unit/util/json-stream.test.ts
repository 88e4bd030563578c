import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConcatenatedJsonSplitter, JsonStreamError } from '../../../src/util/json-stream.js'

function split (chunks: Buffer[], maxValueBytes = 1 << 20): unknown[] {
  const s = new ConcatenatedJsonSplitter({ maxValueBytes })
  const out: unknown[] = []
  for (const c of chunks) s.push(c, t => out.push(JSON.parse(t)))
  s.end(t => out.push(JSON.parse(t)))
  return out
}

function cut (buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map(p => p % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let prev = 0
  for (const p of sorted) { out.push(buf.subarray(prev, p)); prev = p }
  out.push(buf.subarray(prev))
  return out
}

describe('ConcatenatedJsonSplitter', () => {
  it('splits concatenated values however the bytes are chunked', () => {
    fc.assert(fc.property(
      fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }),
      fc.array(fc.constantFrom('', ' ', '\n', '\r\n', '\t'), { minLength: 8, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (values, seps, points) => {
        // bare literals (numbers, true…) need a separator from a following literal; containers and strings do not
        const text = values.map((v, i) => JSON.stringify(v) + (seps[i] === '' ? ' ' : seps[i])).join('')
        expect(split(cut(Buffer.from(text), points))).toEqual(values.map(v => JSON.parse(JSON.stringify(v)) as unknown))
      }))
  })

  it('handles braces, quotes and escapes inside strings, and multi-byte characters across chunks', () => {
    const values = [{ a: '}{"\\' }, ['[', ']'], 'é€😀', { nested: { deep: [{ x: '\\"}' }] } }]
    const buf = Buffer.from(values.map(v => JSON.stringify(v)).join(''))
    for (let i = 0; i <= buf.length; i++) expect(split([buf.subarray(0, i), buf.subarray(i)])).toEqual(values)
  })

  it('fails on a stray closing bracket, an incomplete value at the end, and a value over the limit', () => {
    expect(() => split([Buffer.from('{"a":1} }')])).toThrow(JsonStreamError)
    expect(() => split([Buffer.from('{"a":1} {"b":')])).toThrow(/end-of-input/)
    const s = new ConcatenatedJsonSplitter({ maxValueBytes: 10 })
    const got: string[] = []
    expect(() => { s.push(Buffer.from('{"a":1}{"b":"0123'), t => got.push(t)); s.push(Buffer.from('456789"}'), t => got.push(t)) }).toThrow(/larger than the limit/)
    expect(got).toEqual(['{"a":1}'])
  })
})
