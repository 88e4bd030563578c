import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConcatenatedJsonSplitter, JsonStreamError, VALUE_STRIDE } from '../../../src/util/json-stream.js'

/** The text of each value a sink is given. */
function texts (out: string[]): (buf: Buffer, bounds: number[]) => void {
  return (buf, bounds) => {
    expect(bounds.length % VALUE_STRIDE).toBe(0)
    for (let k = 0; k < bounds.length; k += VALUE_STRIDE) out.push(buf.toString('utf8', bounds[k], bounds[k + 1]))
  }
}

interface Found { text: string, keyData?: string, valueData?: string }

/** Each value's text and the text at its key.data / value.data spans. */
function splitWithSpans (chunks: Buffer[]): Found[] {
  const s = new ConcatenatedJsonSplitter({ maxValueBytes: 1 << 20 })
  const out: Found[] = []
  const sink = (buf: Buffer, b: number[]): void => {
    for (let k = 0; k < b.length; k += VALUE_STRIDE) {
      const f: Found = { text: buf.toString('utf8', b[k], b[k + 1]) }
      if (b[k + 2] !== -1) f.keyData = buf.toString('utf8', b[k + 2], b[k + 3])
      if (b[k + 4] !== -1) f.valueData = buf.toString('utf8', b[k + 4], b[k + 5])
      out.push(f)
    }
  }
  for (const c of chunks) s.push(c, sink)
  s.end(sink)
  return out
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
    const sink = (buf: Buffer, bounds: number[]): void => { calls.push({ text: buf.toString('utf8', bounds[0], bounds[bounds.length - VALUE_STRIDE + 1]), values: bounds.length / VALUE_STRIDE }) }
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

  it('places key.data and value.data of v3 records however they are written and chunked', () => {
    const data = fc.jsonValue()
    const side = fc.record({ type: fc.constant('JSON'), data, subject: fc.string() }, { requiredKeys: ['data'] })
    const record = fc.record({ partition_id: fc.integer(), key: fc.oneof(side, fc.constant(null)), value: side, headers: fc.array(fc.record({ name: fc.string(), value: fc.string() })) }, { requiredKeys: [] })
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 4 }), (records, indent, points) => {
      const text = records.map(r => JSON.stringify(r, null, indent ? 2 : undefined)).join('\n')
      const whole = splitWithSpans([Buffer.from(text)])
      const chunked = splitWithSpans(cut(Buffer.from(text), points))
      expect(whole.map(f => f.text)).toEqual(chunked.map(f => f.text))
      for (const [i, r] of records.entries()) {
        // unchunked: every data member is found; chunked: what is found is right
        const keyData = r.key?.data
        const valueData = r.value?.data
        expect(whole[i]?.keyData === undefined ? undefined : JSON.parse(whole[i]?.keyData as string)).toEqual(keyData)
        expect(whole[i]?.valueData === undefined ? undefined : JSON.parse(whole[i]?.valueData as string)).toEqual(valueData)
        if (chunked[i]?.keyData !== undefined) expect(JSON.parse(chunked[i]?.keyData as string)).toEqual(keyData)
        if (chunked[i]?.valueData !== undefined) expect(JSON.parse(chunked[i]?.valueData as string)).toEqual(valueData)
      }
    }), { numRuns: 300 })
  })

  it('takes the last of duplicate members, and gives up on escaped member names', () => {
    const spans = (text: string): Omit<Found, 'text'> => {
      const [f] = splitWithSpans([Buffer.from(text)])
      const { text: _t, ...rest } = f as Found
      return rest
    }
    expect(spans('{"value":{"data":1,"data": [2] },"key":{"data":"k"}}')).toEqual({ keyData: '"k"', valueData: '[2]' })
    expect(spans('{"value":{"data":1},"value":{"type":"JSON"}}')).toEqual({})
    expect(spans('{"value":{"data":1},"value":null}')).toEqual({})
    expect(spans('{"value":{"data":{"data":5}},"other":{"data":3}}')).toEqual({ valueData: '{"data":5}' })
    expect(spans('{"value":{"data": true , "type":"JSON"}}')).toEqual({ valueData: 'true' })
    expect(spans('{"value":{"data":1,"d\\u0061ta":2}}')).toEqual({})
    expect(spans('{"v\\u0061lue":{"data":1}}')).toEqual({})
    expect(spans('[{"value":{"data":1}}]')).toEqual({})
    expect(spans('{"headers":[{"value":{"data":1}}],"value":{"data":"x\\"y"}}')).toEqual({ valueData: '"x\\"y"' })
  })
})
