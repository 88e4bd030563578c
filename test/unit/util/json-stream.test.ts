import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConcatenatedJsonSplitter, JsonStreamError } from '../../../src/util/json-stream.js'

/** The text of each value a sink is given. */
function texts (out: string[]): (buf: Buffer, bounds: number[]) => void {
  return (buf, bounds) => {
    expect(bounds.length % 2).toBe(0)
    for (let k = 0; k < bounds.length; k += 2) out.push(buf.toString('utf8', bounds[k], bounds[k + 1]))
  }
}

function split (chunks: Buffer[], maxValueBytes = 1 << 20): unknown[] {
  const s = new ConcatenatedJsonSplitter({ maxValueBytes })
  const out: string[] = []
  for (const c of chunks) s.push(c, texts(out))
  s.end(texts(out))
  return out.map(t => JSON.parse(t) as unknown)
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
    expect(() => { s.push(Buffer.from('{"a":1}{"b":"0123'), texts(got)); s.push(Buffer.from('456789"}'), texts(got)) }).toThrow(/larger than the limit/)
    expect(got).toEqual(['{"a":1}'])
    // values before a problem in the same chunk are still reported
    const t = new ConcatenatedJsonSplitter({ maxValueBytes: 100 })
    const before: string[] = []
    expect(() => { t.push(Buffer.from('{"a":1} [2]"x" }'), texts(before)) }).toThrow(JsonStreamError)
    expect(before).toEqual(['{"a":1}', '[2]', '"x"'])
    expect(() => { t.push(Buffer.from('{}'), texts(before)) }).toThrow(JsonStreamError)
  })

  it('reports the values of a chunk together, a value carried over from earlier chunks first and on its own', () => {
    const s = new ConcatenatedJsonSplitter({ maxValueBytes: 1000 })
    const calls: Array<{ text: string, values: number }> = []
    const sink = (buf: Buffer, bounds: number[]): void => { calls.push({ text: buf.toString('utf8', bounds[0], bounds[bounds.length - 1]), values: bounds.length / 2 }) }
    s.push(Buffer.from('{"a":"x\\'), sink)
    s.push(Buffer.from('\\"}{"b":2}\n{"c":3} 12'), sink)
    s.push(Buffer.from('3 '), sink)
    s.end(sink)
    expect(calls).toEqual([
      { text: '{"a":"x\\\\"}', values: 1 },
      { text: '{"b":2}\n{"c":3}', values: 2 },
      { text: '123', values: 1 },
    ])
  })

  it('keeps an escape that ends a chunk', () => {
    const text = '{"a":"q\\"}"}' + '"\\\\\\""' + '{"b":"\\\\"}'
    const buf = Buffer.from(text)
    const expected = [{ a: 'q"}' }, '\\"', { b: '\\' }]
    for (let i = 0; i <= buf.length; i++) {
      for (let j = i; j <= buf.length; j++) expect(split([buf.subarray(0, i), buf.subarray(i, j), buf.subarray(j)])).toEqual(expected)
    }
  })
})
