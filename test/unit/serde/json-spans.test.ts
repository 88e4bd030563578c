import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { recordValueSpans, spanBytes } from '../../../src/serde/json-spans.js'

function values (text: string): unknown[] | undefined {
  const body = Buffer.from(text, 'utf8')
  const spans = recordValueSpans(body)
  return spans?.map(s => {
    if (s === undefined) return 'ABSENT'
    const bytes = spanBytes(body, s)
    return bytes === null ? null : JSON.parse(bytes.toString('utf8')) as unknown
  })
}

describe('recordValueSpans', () => {
  it('finds the bytes of every records[i].value, whatever the formatting, matching JSON.parse', () => {
    // Strings dense in quotes and backslashes, long enough to cross the scanner's short-string loop.
    const tricky = fc.stringMatching(/^[a\\"é]{0,70}$/)
    const value = fc.oneof(fc.jsonValue(), tricky, fc.dictionary(tricky, tricky, { maxKeys: 3 }), fc.array(tricky, { maxLength: 3 }))
    const record = fc.record({ key: fc.jsonValue(), value, partition: fc.integer() }, { requiredKeys: [] })
    const body = fc.record({ value_schema: fc.string(), records: fc.array(record, { maxLength: 8 }), extra: fc.jsonValue() }, { requiredKeys: ['records'] })
    fc.assert(fc.property(body, fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n'), (b, indent) => {
      const text = JSON.stringify(b, null, indent as string | number | undefined)
      const expected = (JSON.parse(text) as { records: { value?: unknown }[] }).records.map(r => 'value' in r ? r.value : 'ABSENT')
      expect(values(text)).toEqual(expected)
    }), { numRuns: 1000 })
  })

  it('treats null as a tombstone and keeps the bytes exactly as sent', () => {
    const text = '{"records":[{"value":null},{"value": {"a" : [1, 2.0, "x\\"y"]}},{"key":"k"}]}'
    const body = Buffer.from(text)
    const spans = recordValueSpans(body)
    expect(spans).toHaveLength(3)
    expect(spanBytes(body, spans![0]!)).toBeNull()
    expect(spanBytes(body, spans![1]!)?.toString()).toBe('{"a" : [1, 2.0, "x\\"y"]}')
    expect(spans![2]).toBeUndefined()
  })

  it('keeps the last of duplicate members, as JSON.parse does', () => {
    expect(values('{"records":[{"value":1,"value":2}],"records":[{"value":3}]}')).toEqual([3])
  })

  it('gives up (undefined) on escaped member names and non-object records', () => {
    expect(values('{"rec\\u006frds":[{"value":1}]}')).toBeUndefined()
    expect(values('{"records":[{"valu\\u0065":1}]}')).toBeUndefined()
    expect(values('{"records":[1,2]}')).toBeUndefined()
    expect(values('[1]')).toBeUndefined()
    expect(values('{"other":1}')).toBeUndefined()
  })
})
