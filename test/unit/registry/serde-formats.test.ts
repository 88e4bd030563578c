import { describe, expect, it } from 'vitest'
import { MemoryJournal, SchemaRegistry } from '../../../src/registry/index.js'
import { avroFormat } from '../../../src/serde/avro.js'
import { jsonSchemaFormat } from '../../../src/serde/jsonschema.js'
import { frame, unframe } from '../../../src/serde/confluent-wire.js'
import { isKrestError, type KrestErrorCode } from '../../../src/util/errors.js'

function codeOf (fn: () => unknown): KrestErrorCode | undefined {
  try { fn() } catch (err) { return isKrestError(err) ? err.code : undefined }
  return undefined
}
async function codeOfAsync (p: Promise<unknown>): Promise<KrestErrorCode | undefined> {
  try { await p } catch (err) { return isKrestError(err) ? err.code : undefined }
  return undefined
}

describe('Confluent wire format', () => {
  it('frames and unframes 0x00 + big-endian id + payload', () => {
    const b = frame(0x01020304, Buffer.from('xy'))
    expect([...b]).toEqual([0, 1, 2, 3, 4, 0x78, 0x79])
    expect(unframe(b, 'v')).toEqual({ schemaId: 0x01020304, payload: Buffer.from('xy') })
    expect(codeOf(() => unframe(Buffer.from([1, 0, 0, 0, 1]), 'v'))).toBe('DESERIALIZATION_FAILED')
    expect(codeOf(() => unframe(Buffer.from([0, 0]), 'v'))).toBe('DESERIALIZATION_FAILED')
  })
})

describe('avro and jsonschema formats', () => {
  it('avro: registers raw schemas under <topic>-value, encodes Avro JSON, decodes back', async () => {
    const reg = await SchemaRegistry.open({ journal: new MemoryJournal() })
    const avro = avroFormat(reg)
    const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'u', type: ['null', 'string'], default: null }, { name: 'b', type: 'bytes' }] })
    const s = await avro.serializer({ topic: 't', valueSchema: schema })
    expect(s.keySchemaId).toBeNull()
    expect(reg.listSubjects()).toEqual(['t-value'])
    const bytes = s.serializeValue({ u: { string: 'x' }, b: '\u00ff' }) as Buffer
    expect(bytes.readInt32BE(1)).toBe(s.valueSchemaId)
    expect(avro.deserialize(bytes, { topic: 't', isKey: false })).toEqual({ u: { string: 'x' }, b: '\u00ff' })
    expect(codeOf(() => s.serializeValue({ u: 'x', b: '' }))).toBe('INVALID_DATA')
    expect(codeOf(() => s.serializeKey('k'))).toBe('KEY_SCHEMA_MISSING')
    expect(s.serializeKey(null)).toBeNull()
    expect(s.serializeValue(null)).toBeNull()
    // the same text again is served from the cache without new versions
    const again = await avro.serializer({ topic: 't', valueSchema: schema })
    expect(again.valueSchemaId).toBe(s.valueSchemaId)
    expect(reg.listVersions('t-value')).toEqual([1])
    expect(await codeOfAsync(Promise.resolve(avro.serializer({ topic: 't', valueSchema: '{"type":"nope"}' })))).toBe('INVALID_SCHEMA')
    expect(await codeOfAsync(Promise.resolve(avro.serializer({ topic: 't', valueSchemaId: 999 })))).toBe('SCHEMA_REGISTRY_ERROR')
    expect(codeOf(() => avro.deserialize(frame(999, Buffer.alloc(1)), { topic: 't', isKey: false }))).toBe('DESERIALIZATION_FAILED')
    expect(codeOf(() => avro.deserialize(frame(s.valueSchemaId ?? 0, Buffer.from([7])), { topic: 't', isKey: false }))).toBe('DESERIALIZATION_FAILED')
  })

  it('jsonschema: validates data, stores JSON text, refuses an Avro schema id', async () => {
    const reg = await SchemaRegistry.open({ journal: new MemoryJournal() })
    const js = jsonSchemaFormat(reg)
    const s = await js.serializer({ topic: 't', keySchema: '{"type":"string","maxLength":3}', valueSchema: '{"type":"object","required":["a"]}' })
    expect(reg.listSubjects()).toEqual(['t-key', 't-value'])
    const v = s.serializeValue({ a: 1 }) as Buffer
    expect(v.subarray(5).toString()).toBe('{"a":1}')
    expect(js.deserialize(v, { topic: 't', isKey: false })).toEqual({ a: 1 })
    expect(codeOf(() => s.serializeValue({ b: 1 }))).toBe('INVALID_DATA')
    expect(codeOf(() => s.serializeKey('toolong'))).toBe('INVALID_DATA')
    const avroId = (await reg.register('x', { schema: '"string"' })).id
    expect(await codeOfAsync(Promise.resolve(js.serializer({ topic: 't', valueSchemaId: avroId })))).toBe('SCHEMA_REGISTRY_ERROR')
    expect(codeOf(() => js.deserialize(frame(avroId, Buffer.from('"x"')), { topic: 't', isKey: false }))).toBe('DESERIALIZATION_FAILED')
  })
})

describe('jsonschema compiled-validator cache (issue 13 item 11)', () => {
  it('holds at most maxCompiledValidators, least recently used out, and evicted ones still validate', async () => {
    const reg = await SchemaRegistry.open({ journal: new MemoryJournal() })
    const js = jsonSchemaFormat(reg, { maxCompiledValidators: 5 })
    const ids: number[] = []
    for (let i = 0; i < 40; i++) {
      const { id } = await reg.register(`s${i}-value`, { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { [`f${i}`]: { type: 'integer' } }, required: [`f${i}`] }) })
      ids.push(id)
      const s = await js.serializer({ topic: `s${i}`, valueSchemaId: id })
      s.serializeValue({ [`f${i}`]: i })
      expect(js.cachedValidators()).toBeLessThanOrEqual(5)
    }
    expect(js.cachedValidators()).toBe(5)
    // the first schema was evicted long ago: compiled again, and still enforced
    const first = await js.serializer({ topic: 's0', valueSchemaId: ids[0] })
    expect(codeOf(() => first.serializeValue({ f1: 1 }))).toBe('INVALID_DATA')
    expect((first.serializeValue({ f0: 7 }) as Buffer).subarray(5).toString()).toBe('{"f0":7}')
    expect(js.cachedValidators()).toBe(5)
  })
})
