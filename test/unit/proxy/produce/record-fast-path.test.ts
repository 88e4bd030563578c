/**
 * The v3 record fast path against the general path (JSON.parse, the strict binding, RecordEncoder): whatever the
 * fast path takes, the general path must take too, with the same record (JSON data compared as JSON: the fast
 * path keeps the client's text), and it must take the common shapes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RecordFastPath } from '../../../../src/proxy/produce/record-fast-path.js'
import { RecordEncoder, parseRecordRequest, type EncodedRecord } from '../../../../src/proxy/produce/records-request.js'
import { FormatRegistry } from '../../../../src/serde/registry.js'

const encoder = new RecordEncoder(FormatRegistry.withBuiltins(), undefined)
const fast = new RecordFastPath()

function general (text: string): EncodedRecord {
  const r = encoder.encode('t', parseRecordRequest(JSON.parse(text)))
  if (r instanceof Promise) throw new Error('no registry here')
  return r
}

/** A record with JSON data re-serialized, so that the client's text and the general path's compare equal (-0 is 0). */
function normalized (e: EncodedRecord): unknown {
  const side = (bytes: Buffer | null, report: EncodedRecord['key']): unknown =>
    report?.type === 'JSON' && bytes !== null ? { json: JSON.stringify(JSON.parse(bytes.toString('utf8'))) } : bytes
  return {
    ...e.record,
    key: side(e.record.key, e.key),
    value: side(e.record.value, e.value),
    reportKey: e.key === undefined ? undefined : { ...e.key, size: e.key.type === 'JSON' ? 0 : e.key.size },
    reportValue: e.value === undefined ? undefined : { ...e.value, size: e.value.type === 'JSON' ? 0 : e.value.size },
  }
}

/** Checks one record text; answers whether the fast path took it. */
function check (text: string): boolean {
  const buf = Buffer.from(text, 'utf8')
  // the record between other bytes, as in a stream chunk
  const padded = Buffer.concat([Buffer.from(' {"x":'), buf, Buffer.from('}\n')])
  const got = fast.encode(padded, 6, 6 + buf.length, true)
  if (got === undefined) return false
  let want: EncodedRecord
  try {
    want = general(text)
  } catch (err) {
    throw new Error(`the fast path took ${JSON.stringify(text)}, which the general path refuses: ${(err as Error).message}`)
  }
  expect(normalized(got)).toEqual(normalized(want))
  if (got.value?.type === 'JSON' && got.record.value !== null) expect(got.value.size).toBe(got.record.value.length)
  // keys choose the partition: the same bytes as the general path (compact JSON text), whatever the client wrote
  expect(got.record.key).toEqual(want.record.key)
  expect(got.key).toEqual(want.key)
  return true
}

const b64 = fc.uint8Array({ maxLength: 12 }).map(a => Buffer.from(a).toString('base64'))
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), b64, fc.constantFrom('a\\b', 'é', '"', '', '=', 'QQ', 'QQ=', 'Q'))
const dataObject = fc.record({
  type: fc.constantFrom('JSON', 'BINARY', 'STRING', 'json', 'AVRO', 'PROTOBUF', 'JSONSCHEMA'),
  data: fc.oneof(fc.jsonValue(), text, fc.constant(null)),
  subject: fc.string(),
  schema_id: fc.integer(),
}, { requiredKeys: [] })
const record = fc.record({
  partition_id: fc.oneof(fc.integer(), fc.constantFrom(0, 1, 2147483647, 2147483648, -1, 1.5, 1e3, null, '1')),
  timestamp: fc.oneof(fc.nat(), fc.constantFrom(1.5, -1, 1e20, null, '2024-01-31T10:00:00.000Z', '2024-01-31', 'x', 9007199254740993)),
  headers: fc.oneof(fc.constant(null), fc.array(fc.record({ name: text, value: fc.oneof(b64, text, fc.constant(null)) }, { requiredKeys: [] }), { maxLength: 3 })),
  key: fc.oneof(dataObject, fc.constant(null), fc.jsonValue()),
  value: fc.oneof(dataObject, fc.constant(null), fc.jsonValue()),
  other: fc.jsonValue(),
}, { requiredKeys: [] })

describe('RecordFastPath', () => {
  it('takes only what the general path takes, with the same result', () => {
    fc.assert(fc.property(record, fc.constantFrom(undefined, 1, '\t'), (r, indent) => {
      check(JSON.stringify(r, null, indent))
    }), { numRuns: 3000 })
  })

  it('never takes invalid JSON', () => {
    const piece = fc.constantFrom('{', '}', '[', ']', '"', '\\', '\\u00e9', '\\x', ':', ',', '0', '1', '-', '.', 'e', 'E', '+', 'true', 'tru', 'null', 'nul', 'false', ' ', '\n', 'a', '\u0001', 'é')
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), pieces => {
      check(`{"value":{"type":"JSON","data":${pieces.join('')}}}`)
      check(`{"key":{"type":"STRING","data":"${pieces.join('')}"}}`)
    }), { numRuns: 5000 })
    // and mutations of a valid record
    const valid = '{"partition_id":0,"timestamp":1700000000000,"headers":[{"name":"h","value":"aGk="}],"key":{"type":"STRING","data":"k"},"value":{"type":"JSON","data":{"a":[1,2.5e-3,true,null,"x\\"y"]}}}'
    for (let i = 0; i < valid.length; i++) {
      check(valid.slice(0, i) + valid.slice(i + 1))
      for (const c of ['"', ',', '}', ']', '0', ' ']) check(valid.slice(0, i) + c + valid.slice(i))
    }
    expect(check(valid)).toBe(true)
  })

  it('takes the common shapes', () => {
    for (const r of [
      { value: { type: 'JSON', data: { id: 1, name: 'user-1', payload: 'x'.repeat(60) } } },
      { key: { type: 'STRING', data: 'k-1' }, value: { type: 'BINARY', data: 'aGVsbG8=' }, partition_id: 2, timestamp: 1700000000000 },
      { value: { type: 'JSON', data: 'tombstone?' }, key: { type: 'JSON', data: [1, 2] }, headers: [{ name: 'trace', value: 'AQI=' }, { name: 'n', value: null }] },
      { value: { type: 'JSON', data: null } },
      { value: null, key: { type: 'BINARY' }, timestamp: '2024-01-31T10:00:00.000Z' },
      {},
    ]) {
      expect(check(JSON.stringify(r))).toBe(true)
      expect(check(JSON.stringify(r, null, 2))).toBe(true)
    }
    // escapes in a key's JSON data: the key is stored compact, as UTF-8 (the general path's bytes, checked in check())
    expect(check('{"key": {"type": "JSON", "data": {"k": "caf\\u00e9 \\u20ac"}}}')).toBe(true)
  })

  it('takes valid UTF-8 text in a UTF-8 body, and leaves other bytes over 0x7f to the general path', () => {
    const record = '{"key":{"type":"STRING","data":"clé"},"value":{"type":"JSON","data":{"ville":"Zürich","note":"😀 ok"}},"headers":[{"name":"pays-é","value":null}]}'
    expect(check(record)).toBe(true)
    const bytes = Buffer.from(record)
    const taken = fast.encode(bytes, 0, bytes.length, true)
    expect(taken?.record.key?.toString('utf8')).toBe('clé')
    expect(taken?.record.headers?.[0]?.key).toBe('pays-é')
    // an ISO-8859-1 body: the same bytes mean other characters
    expect(fast.encode(bytes, 0, bytes.length, false)).toBeUndefined()
    // not UTF-8: a lone continuation byte, an overlong encoding, a CESU-8 surrogate
    for (const bad of [[0x80], [0xc0, 0xae], [0xed, 0xa0, 0x80]]) {
      const invalid = Buffer.concat([Buffer.from('{"value":{"type":"STRING","data":"'), Buffer.from(bad), Buffer.from('"}}')])
      expect(fast.encode(invalid, 0, invalid.length, true)).toBeUndefined()
    }
  })

  it('leaves to the general path escapes to decode, duplicates and unknown fields', () => {
    for (const t of [
      '{"value":{"type":"STRING","data":"a\\nb"}}',
      '{"value":{"type":"JSON","data":1},"value":null}',
      '{"value":{"type":"JSON","data":1,"data":2}}',
      '{"records":[]}',
      '{"value":{"type":"JSON","data":1,"subject":"s"}}',
      '{"value":{"data":1}}',
      '{"v\\u0061lue":{"type":"JSON","data":1}}',
      '{"partition_id":1.0}',
      `{"value":{"type":"JSON","data":${'['.repeat(100)}${']'.repeat(100)}}}`,
    ]) expect(check(t)).toBe(false)
  })
})
