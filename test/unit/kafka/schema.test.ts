import { describe, expect, it } from 'vitest'
import { KAFKA_APIS } from '../../../src/kafka/apis/index.js'
import { KafkaApiRegistry } from '../../../src/kafka/registry.js'
import { KafkaReader, ProtocolDecodeError } from '../../../src/kafka/protocol/reader.js'
import { array, compileMessage, field, versionRange } from '../../../src/kafka/protocol/schema.js'
import { KafkaWriter } from '../../../src/kafka/protocol/writer.js'

const sample = [
  field('id', 'int32', '0+'),
  field('name', 'string', '0+', { nullable: '2+' }),
  field('big', 'int64', '1+', { default: -1 }),
  array('items', [
    field('key', 'int16', '0+'),
    array('values', 'int32', '0+'),
  ], '0+', { nullable: '1+' }),
  field('payload', 'records', '0+'),
  field('hint', 'string', '2+', { tag: 0, default: null, nullable: '2+' }),
]

function encode (version: number, flexible: boolean, m: Record<string, unknown>): Buffer {
  const w = new KafkaWriter(8)
  compileMessage(sample, version, flexible).encode(w, m)
  return Buffer.concat(w.finish())
}

describe('message definitions interpreter', () => {
  it('parses version ranges', () => {
    expect(versionRange('3+')).toEqual({ min: 3, max: Number.POSITIVE_INFINITY })
    expect(versionRange('0-4')).toEqual({ min: 0, max: 4 })
    expect(versionRange('7')).toEqual({ min: 7, max: 7 })
    expect(() => versionRange('x')).toThrow()
  })

  it('writes the classic encodings (int16 strings, int32 arrays and bytes, no tags)', () => {
    const bytes = encode(0, false, { id: 7, name: 'ab', items: [{ key: 1, values: [2] }], payload: Buffer.from([9]) })
    expect(bytes.toString('hex')).toBe('00000007' + '00026162' + '00000001' + '0001' + '00000001' + '00000002' + '00000001' + '09')
  })

  it('writes the compact encodings with tagged-field sections (KIP-482)', () => {
    const bytes = encode(2, true, { id: 7, name: null, big: 5, items: null, payload: null, hint: 'x' })
    // id, null compact string (0), int64, null compact array (0), null compact bytes (0), tags: 1 field, tag 0, size 2, compact "x"
    expect(bytes.toString('hex')).toBe('00000007' + '00' + '0000000000000005' + '00' + '00' + '01' + '00' + '02' + '0278')
    const empty = encode(2, true, { id: 1, name: 'a', items: [], payload: null })
    expect(empty.subarray(-1).toString('hex')).toBe('00') // empty tag section when the tagged field is at its default
  })

  it('round-trips every version, giving absent fields their defaults', () => {
    for (const [version, flexible] of [[0, false], [1, false], [2, true], [3, true]] as const) {
      const m = { id: -3, name: 'héllo', big: 2 ** 40 + 3, items: [{ key: -1, values: [1, 2, 3] }, { key: 2, values: [] }], payload: Buffer.from('abc'), hint: flexible ? 'h' : null }
      const decoded = compileMessage(sample, version, flexible).decode(new KafkaReader(encode(version, flexible, m)))
      expect(decoded).toEqual({ ...m, big: version >= 1 ? m.big : -1 })
    }
  })

  it('skips unknown tagged fields and rejects truncated or inconsistent input', () => {
    const codec = compileMessage(sample, 2, true)
    const good = encode(2, true, { id: 1, name: 'a', items: [], payload: null })
    // replace the empty tag section with one unknown tag (5) of 3 bytes
    const withUnknown = Buffer.concat([good.subarray(0, -1), Buffer.from([1, 5, 3, 1, 2, 3])])
    expect(codec.decode(new KafkaReader(withUnknown))).toMatchObject({ id: 1, name: 'a', hint: null })
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => codec.decode(new KafkaReader(good.subarray(0, cut)))).toThrow(ProtocolDecodeError)
    }
    const hugeArray = Buffer.from('00000001' + '0000' + '7fffffff', 'hex')
    expect(() => compileMessage(sample, 0, false).decode(new KafkaReader(hugeArray))).toThrow(/cannot fit/)
    const nullArrayV0 = Buffer.from('00000001' + '0000' + 'ffffffff', 'hex')
    expect(() => compileMessage(sample, 0, false).decode(new KafkaReader(nullArrayV0))).toThrow(/must not be null/)
  })

  it('compiles every registered API at every served version, request and response', () => {
    const registry = new KafkaApiRegistry(KAFKA_APIS)
    for (const api of KAFKA_APIS) {
      for (let v = api.served.min; v <= api.served.max; v++) {
        const served = registry.version(api.messages.key, v)
        expect(served, `${api.messages.name} v${v}`).toBeDefined()
        for (const codec of [served!.request, served!.response]) {
          const w = new KafkaWriter()
          codec.encode(w, {})
          const r = new KafkaReader(Buffer.concat(w.finish()))
          codec.decode(r)
          expect(r.remaining).toBe(0)
        }
      }
    }
    expect(registry.supported.map(s => s.apiKey)).toEqual([...registry.supported.map(s => s.apiKey)].sort((a, b) => a - b))
    expect(() => new KafkaApiRegistry([...KAFKA_APIS, KAFKA_APIS[0]!])).toThrow(/registered twice/)
  })
})
