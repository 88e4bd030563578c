import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dataSpans } from '../../../src/http/routes/v3/records-spans.js'

const bytesAt = (raw: Buffer, span: readonly [number, number] | undefined): unknown =>
  span === undefined ? undefined : JSON.parse(raw.subarray(span[0], span[1]).toString('utf8'))

describe('dataSpans', () => {
  it('finds key.data and value.data exactly as JSON.parse reads them', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), fc.boolean(), fc.constantFrom('', ' ', '\n  '), (k, v, extra, ws) => {
      const record: Record<string, unknown> = { headers: [{ name: 'a}"{', value: null }], key: { type: 'JSON', data: k }, value: { data: v, type: 'JSON' } }
      if (extra) record.partition_id = 0
      const raw = Buffer.from(JSON.stringify(record, null, ws === '' ? undefined : ws))
      const spans = dataSpans(raw)
      expect(spans).toBeDefined()
      expect(bytesAt(raw, spans?.key)).toEqual(JSON.parse(JSON.stringify(k)))
      expect(bytesAt(raw, spans?.value)).toEqual(JSON.parse(JSON.stringify(v)))
    }))
  })

  it('takes the last of duplicate members, and gives up on escaped names', () => {
    const raw = Buffer.from('{"value": {"type": "JSON", "data": 1}, "value": {"data": [2], "type": "JSON"}}')
    expect(bytesAt(raw, dataSpans(raw)?.value)).toEqual([2])
    expect(dataSpans(Buffer.from('{"val\\u0075e": {"type": "JSON", "data": 1}}'))).toBeUndefined()
    expect(dataSpans(Buffer.from('{"value": {"type": "JSON"}}'))?.value).toBeUndefined()
    expect(dataSpans(Buffer.from('{"value": null}'))?.value).toBeUndefined()
  })
})
