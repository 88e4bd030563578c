import { describe, expect, it } from 'vitest'
import { mappingFor } from '../../../src/http/errors.js'
import { decodeBase64 } from '../../../src/serde/binary.js'
import { FormatRegistry } from '../../../src/serde/registry.js'
import { isKrestError } from '../../../src/util/errors.js'

describe('FormatRegistry', () => {
  it('offers binary and json built in; a schema format without a registry is UNSUPPORTED_FORMAT → 422/42206', () => {
    const formats = FormatRegistry.withBuiltins()
    expect(formats.has('binary')).toBe(true)
    expect(formats.has('json')).toBe(true)
    let caught: unknown
    try { formats.get('avro') } catch (err) { caught = err }
    expect(isKrestError(caught, 'UNSUPPORTED_FORMAT')).toBe(true)
    expect(mappingFor('UNSUPPORTED_FORMAT')).toEqual({ status: 422, errorCode: 42206 })
  })

  it('json stores the JSON text and reads it back', async () => {
    const json = FormatRegistry.withBuiltins().get('json')
    const s = await json.serializer({ topic: 't' })
    expect(s.serializeValue({ a: [1, 'é'] })?.toString('utf8')).toBe('{"a":[1,"é"]}')
    expect(s.serializeValue(null)).toBeNull()
    expect(s.serializeKey(undefined)).toBeNull()
    expect(json.deserialize(Buffer.from('{"a":1}'), { topic: 't', isKey: false })).toEqual({ a: 1 })
    expect(() => json.deserialize(Buffer.from('{nope'), { topic: 't', isKey: true })).toThrow(/key of a record in t is not JSON/)
  })
})

describe('base64', () => {
  it('accepts standard base64 with or without padding, and rejects anything else', () => {
    expect(decodeBase64('S2Fma2E=', 'v')?.toString()).toBe('Kafka')
    expect(decodeBase64('S2Fma2E', 'v')?.toString()).toBe('Kafka')
    expect(decodeBase64('', 'v')?.length).toBe(0)
    expect(decodeBase64(null, 'v')).toBeNull()
    for (const bad of ['S2Fma2E==', 'not base64!', 'a', 'ab=c', 'S2F-a2E_', 42, {}]) {
      expect(() => decodeBase64(bad, 'v'), String(bad)).toThrow(/is not a base64 string/)
    }
  })
})
