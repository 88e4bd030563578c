import { describe, expect, it } from 'vitest'
import avro from 'avsc'
import { avroIncompatibilities } from '../../../src/registry/avro-compatibility.js'
import { avroCases } from '../../fixtures/registry/compat-cases.js'

const T = (s: unknown): avro.Type => avro.Type.forSchema(s as avro.Schema)

describe('Avro schema resolution checker', () => {
  it('reports every incompatibility with its kind and path', () => {
    const writer = T({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }, { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X', 'Y', 'Z'] } }, { name: 'f', type: { type: 'fixed', name: 'F', size: 4 } }] })
    const reader = T({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X'] } }, { name: 'f', type: { type: 'fixed', name: 'F', size: 8 } }, { name: 'n', type: 'string' }] })
    const found = avroIncompatibilities(reader, writer, 'new', 'old')
    expect(found.map((i) => [i.kind, i.path])).toEqual([
      ['TYPE_MISMATCH', '/fields/0/type'],
      ['MISSING_ENUM_SYMBOLS', '/fields/1/type/symbols'],
      ['FIXED_SIZE_MISMATCH', '/fields/2/type/size'],
      ['READER_FIELD_MISSING_DEFAULT_VALUE', '/fields/3']
    ])
    expect(found[1]?.description).toContain("missing enum symbols 'Y, Z'")
    expect(found[3]?.description).toBe("The field 'n' at path '/fields/3' in the new schema has no default value and is missing in the old schema")
  })

  it('handles unions on either side, promotions and aliases', () => {
    expect(avroIncompatibilities(T(['null', 'long']), T('int'))).toEqual([])
    expect(avroIncompatibilities(T('int'), T(['int', 'string'])).map((i) => [i.kind, i.path])).toEqual([['TYPE_MISMATCH', '/1']])
    expect(avroIncompatibilities(T(['null', 'string']), T(['null', 'int'])).map((i) => i.kind)).toEqual(['MISSING_UNION_BRANCH'])
    expect(avroIncompatibilities(T({ type: 'record', name: 'New', aliases: ['ns.Old'], fields: [] }), T({ type: 'record', name: 'Old', namespace: 'ns', fields: [] }))).toEqual([])
    expect(avroIncompatibilities(T({ type: 'record', name: 'New', fields: [] }), T({ type: 'record', name: 'Old', fields: [] })).map((i) => i.kind)).toEqual(['NAME_MISMATCH'])
  })

  it('terminates on recursive types', () => {
    const list = (extra: unknown[]): avro.Type => T({ type: 'record', name: 'Node', fields: [{ name: 'v', type: 'int' }, { name: 'next', type: ['null', 'Node'], default: null }, ...extra] })
    expect(avroIncompatibilities(list([]), list([]))).toEqual([])
    expect(avroIncompatibilities(list([{ name: 'x', type: 'int' }]), list([])).map((i) => i.kind)).toContain('READER_FIELD_MISSING_DEFAULT_VALUE')
  })

  it('agrees with avsc\'s resolver on the whole evolution matrix', () => {
    for (const c of avroCases) {
      const oldT = T(JSON.parse(c.old))
      const newT = T(JSON.parse(c.new))
      for (const [reader, writer] of [[newT, oldT], [oldT, newT]] as const) {
        let avscOk = true
        try { reader.createResolver(writer, { ignoreNamespaces: true }) } catch { avscOk = false }
        expect(avroIncompatibilities(reader, writer).length === 0, c.name).toBe(avscOk)
      }
    }
  })
})
