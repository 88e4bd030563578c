import { describe, expect, it } from 'vitest'
import { JsonSchemaValidators, parseJsonSchema, sortedJson } from '../../../src/registry/json-schema.js'
import { jsonSchemaDiff } from '../../../src/registry/json-schema-compatibility.js'
import { isRegistryError } from '../../../src/registry/errors.js'

const v = new JsonSchemaValidators()
const parse = (s: unknown, refs: Array<{ name: string, schema: string }> = []): ReturnType<typeof parseJsonSchema> => parseJsonSchema(JSON.stringify(s), refs, v)

describe('JSON Schema parsing', () => {
  it('accepts drafts 04, 06, 07, 2019-09 and 2020-12', () => {
    const d4 = parse({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { n: { type: 'number', maximum: 5, exclusiveMaximum: true } } })
    const validate = v.compile(d4)
    expect(validate({ n: 4 })).toBe(true)
    expect(validate({ n: 5 })).toBe(false)
    parse({ $schema: 'http://json-schema.org/draft-06/schema#', type: 'string' })
    parse({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' })
    parse({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'array', minContains: 1, contains: { type: 'string' } })
    const d2020 = parse({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'integer' }], items: false })
    expect(v.compile(d2020)([1])).toBe(true)
    expect(v.compile(d2020)([1, 2])).toBe(false)
  })

  it('rejects non-schemas and unresolvable $refs', () => {
    for (const bad of ['[]', '12', '"x"', '{"type": 5}', '{"properties": {"a": {"$ref": "#/definitions/missing"}}}', '{"$ref": "other.json"}']) {
      let err: unknown
      try { parseJsonSchema(bad, [], v) } catch (e) { err = e }
      expect(isRegistryError(err, 'INVALID_SCHEMA'), bad).toBe(true)
    }
  })

  it('identity ignores key order; stored text keeps it', () => {
    const a = parse({ type: 'object', properties: { b: { type: 'string' }, a: { type: 'integer' } } })
    const b = parseJsonSchema('{ "properties": { "a": {"type":"integer"}, "b": {"type":"string"} }, "type": "object" }', [], v)
    expect(a.canonical).toBe(b.canonical)
    expect(a.text).not.toBe(b.text)
    expect(sortedJson({ z: 1, a: [{ y: 1, b: 2 }] })).toBe('{"a":[{"b":2,"y":1}],"z":1}')
  })

  it('resolves $ref to referenced documents when diffing', () => {
    const refs = (t: string): Array<{ name: string, schema: string }> => [{ name: 'addr.json', schema: JSON.stringify({ type: 'object', properties: { zip: { type: t } } }) }]
    const s = { type: 'object', properties: { home: { $ref: 'addr.json' } } }
    const oldS = parse(s, refs('integer'))
    const widened = parse(s, refs('number'))
    const changed = parse(s, refs('string'))
    expect(jsonSchemaDiff(oldS, widened).map((d) => d.type)).toEqual(['TYPE_EXTENDED'])
    expect(jsonSchemaDiff(oldS, changed).map((d) => [d.type, d.path])).toEqual([['TYPE_CHANGED', '#/properties/home/properties/zip']])
  })

  it('terminates on recursive schemas', () => {
    const tree = (extra: Record<string, unknown>): ReturnType<typeof parse> => parse({ definitions: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/definitions/node' } }, ...extra } } }, $ref: '#/definitions/node' })
    expect(jsonSchemaDiff(tree({}), tree({}))).toEqual([])
    expect(jsonSchemaDiff(tree({}), tree({ x: { type: 'string' } })).map((d) => d.type)).toContain('OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL')
  })

  it('treats changes to keywords without a finer rule as incompatible, their removal as compatible', () => {
    const base = parse({ type: 'object' })
    const named = parse({ type: 'object', propertyNames: { pattern: '^[a-z]+$' } })
    expect(jsonSchemaDiff(base, named).map((d) => d.type)).toEqual(['PROPERTY_NAMES_CHANGED'])
    expect(jsonSchemaDiff(named, base).map((d) => d.type)).toEqual(['PROPERTY_NAMES_REMOVED'])
  })
})
