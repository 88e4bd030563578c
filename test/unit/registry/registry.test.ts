import { describe, expect, it } from 'vitest'
import { MemoryJournal, SchemaRegistry, isRegistryError, type RegistryErrorKind } from '../../../src/registry/index.js'
import { parseVersion } from '../../../src/http/routes/registry-params.js'

async function fresh (journal = new MemoryJournal()): Promise<{ reg: SchemaRegistry, journal: MemoryJournal }> {
  return { reg: await SchemaRegistry.open({ journal }), journal }
}

async function expectKind (p: Promise<unknown> | (() => unknown), kind: RegistryErrorKind): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    if (!isRegistryError(err)) throw err
    expect(err.kind).toBe(kind)
    return
  }
  throw new Error(`expected ${kind}`)
}

const rec = (fields: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'record', name: 'R', fields, ...extra })

describe('ids and versions', () => {
  it('assigns global ids, reuses them for the same canonical schema, and numbers versions per subject', async () => {
    const { reg } = await fresh()
    const a = rec([{ name: 'a', type: 'int' }])
    const r1 = await reg.register('s1', { schema: a })
    expect(r1).toMatchObject({ id: 1, version: 1, existing: false })
    // whitespace and key order do not matter
    const r2 = await reg.register('s2', { schema: `{ "fields": [ {"type":"int", "name":"a"} ], "name":"R", "type":"record" }` })
    expect(r2).toMatchObject({ id: 1, version: 1 })
    // re-registering returns the existing id/version, no new version
    expect(await reg.register('s1', { schema: a })).toMatchObject({ id: 1, version: 1, existing: true })
    const b = rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: 'x' }])
    expect(await reg.register('s1', { schema: b })).toMatchObject({ id: 2, version: 2 })
    // an older version re-registered returns that version
    expect(await reg.register('s1', { schema: a })).toMatchObject({ id: 1, version: 1, existing: true })
    expect(reg.listVersions('s1')).toEqual([1, 2])
    expect(reg.listSubjects()).toEqual(['s1', 's2'])
    expect(reg.getVersion('s1', 'latest').id).toBe(2)
    expect(reg.subjectsForId(1)).toEqual(['s1', 's2'])
  })

  it('re-registering an older live version returns it without a compatibility check', async () => {
    const { reg } = await fresh()
    await reg.setCompatibility('s', 'NONE')
    const v1 = await reg.register('s', { schema: rec([{ name: 'a', type: 'int' }]) })
    await reg.register('s', { schema: rec([{ name: 'a', type: 'string' }]) })
    await reg.setCompatibility('s', 'BACKWARD')
    // v1 is not BACKWARD-compatible with v2, yet it is simply returned
    expect(await reg.register('s', { schema: rec([{ name: 'a', type: 'int' }]) })).toMatchObject({ id: v1.id, version: 1, existing: true })
    // a soft-deleted identical schema keeps its id but becomes a new version (after the check)
    await reg.setCompatibility('s', 'NONE')
    await reg.deleteVersion('s', 1)
    expect(await reg.register('s', { schema: rec([{ name: 'a', type: 'int' }]) })).toMatchObject({ id: v1.id, version: 3, existing: false })
  })

  it('keeps doc, defaults and custom properties in the stored text (not avsc export) and they count for identity', async () => {
    const { reg } = await fresh()
    const withDoc = rec([{ name: 'a', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'when', 'connect.name': 'x' }], { doc: 'd' })
    const r = await reg.register('s', { schema: withDoc })
    const stored = reg.getSchemaById(r.id).schema
    expect(JSON.parse(stored)).toEqual(JSON.parse(withDoc))
    const r2 = await reg.register('t', { schema: rec([{ name: 'a', type: 'long' }]) })
    expect(r2.id).not.toBe(r.id)
    expect(reg.getSchemaById((await reg.register('u', { schema: '{"type":"string"}' })).id).schema).toBe('"string"')
    // Avro-Java's Schema.toString() order: known attributes, custom properties, then aliases
    const messy = { aliases: ['Old'], fields: [{ type: 'int', name: 'a', aliases: ['b'], 'x.prop': 1 }], name: 'M', type: 'record', 'connect.name': 'q', namespace: 'n' }
    expect(reg.getSchemaById((await reg.register('m', { schema: JSON.stringify(messy) })).id).schema)
      .toBe('{"type":"record","name":"M","namespace":"n","fields":[{"name":"a","type":"int","aliases":["b"],"x.prop":1}],"connect.name":"q","aliases":["Old"]}')
  })

  it('rejects invalid schemas and types with INVALID_SCHEMA', async () => {
    const { reg } = await fresh()
    await expectKind(reg.register('s', { schema: '' }), 'INVALID_SCHEMA')
    await expectKind(reg.register('s', { schema: '{"type":"recrd"}' }), 'INVALID_SCHEMA')
    await expectKind(reg.register('s', { schema: rec([{ name: 'a', type: 'string', default: null }]) }), 'INVALID_SCHEMA')
    await expectKind(reg.register('s', { schema: '{}', schemaType: 'PROTOBUF' }), 'INVALID_SCHEMA')
    await expectKind(reg.register('s', { schema: '{"type": 12}', schemaType: 'JSON' }), 'INVALID_SCHEMA')
    await expectKind(reg.register('bad\nsubject', { schema: '"int"' }), 'INVALID_SUBJECT')
    const small = await SchemaRegistry.open({ journal: new MemoryJournal(), maxSchemaBytes: 64 })
    await expectKind(small.register('s', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a_long_field_name', type: 'string' }] }) }), 'SCHEMA_TOO_LARGE')
    expect(reg.listSubjects()).toEqual([])
  })

  it('parses version ids like Confluent', async () => {
    expect(parseVersion('latest')).toBe('latest')
    expect(parseVersion(' LATEST ')).toBe('latest')
    expect(parseVersion('-1')).toBe('latest')
    expect(parseVersion('3')).toBe(3)
    for (const bad of ['0', '-2', 'x', '2147483648', '1.5']) await expectKind(() => parseVersion(bad), 'INVALID_VERSION')
  })
})

describe('Avro compatibility', () => {
  it('transitive levels check every live version; non-transitive only the latest', async () => {
    const v1 = rec([{ name: 'a', type: 'int' }])
    const v2 = rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: 'x' }])
    const v3 = rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }])
    const { reg } = await fresh()
    await reg.register('s', { schema: v1 })
    await reg.register('s', { schema: v2 })
    expect(reg.testCompatibility('s', undefined, { schema: v3 }).isCompatible).toBe(true)
    await reg.setCompatibility('s', 'BACKWARD_TRANSITIVE')
    expect(reg.testCompatibility('s', undefined, { schema: v3 }).isCompatible).toBe(false)
    // an explicit version collapses transitive to its plain form
    expect(reg.testCompatibility('s', 2, { schema: v3 }).isCompatible).toBe(true)
    await expectKind(reg.register('s', { schema: v3 }), 'INCOMPATIBLE_SCHEMA')
    // deleting the blocking version lets it in
    await reg.deleteVersion('s', 1)
    expect((await reg.register('s', { schema: v3 })).version).toBe(3)
  })

  it('answers compatible for a subject without versions and 40402 for a missing version', async () => {
    const { reg } = await fresh()
    expect(reg.testCompatibility('none', 'latest', { schema: '"int"' }).isCompatible).toBe(true)
    await reg.register('s', { schema: '"int"' })
    await expectKind(() => reg.testCompatibility('s', 7, { schema: '"int"' }), 'VERSION_NOT_FOUND')
    expect(reg.testCompatibility('s', 'latest', { schema: '{"x"' }, { verbose: true }).isCompatible).toBe(false)
    await expectKind(() => reg.testCompatibility('s', 'latest', { schema: '{"x"' }), 'INVALID_SCHEMA')
  })

  it('different schema types are incompatible unless NONE', async () => {
    const { reg } = await fresh()
    await reg.register('s', { schema: '"string"' })
    await expectKind(reg.register('s', { schema: '{"type":"string"}', schemaType: 'JSON' }), 'INCOMPATIBLE_SCHEMA')
    await reg.setCompatibility('s', 'NONE')
    expect((await reg.register('s', { schema: '{"type":"string"}', schemaType: 'JSON' })).version).toBe(2)
  })
})

describe('JSON Schema compatibility (STRICT, Confluent rules)', () => {
  it('FORWARD swaps the direction', async () => {
    const { reg } = await fresh()
    await reg.setCompatibility(null, 'FORWARD')
    await reg.register('s', { schema: JSON.stringify({ type: 'number' }), schemaType: 'JSON' })
    expect(reg.testCompatibility('s', 'latest', { schema: JSON.stringify({ type: 'integer' }), schemaType: 'JSON' }).isCompatible).toBe(true)
    expect(reg.testCompatibility('s', 'latest', { schema: JSON.stringify({ type: 'string' }), schemaType: 'JSON' }).isCompatible).toBe(false)
  })
})

describe('deletes', () => {
  it('soft then hard deletes versions with Confluent preconditions and version numbering', async () => {
    const { reg } = await fresh()
    await reg.setCompatibility(null, 'NONE')
    await reg.register('s', { schema: '"int"' })
    await reg.register('s', { schema: '"string"' })
    await expectKind(reg.deleteVersion('s', 2, { permanent: true }), 'VERSION_NOT_SOFT_DELETED')
    expect(await reg.deleteVersion('s', 'latest')).toBe(2)
    await expectKind(reg.deleteVersion('s', 2), 'VERSION_SOFT_DELETED')
    await expectKind(() => reg.getVersion('s', 2), 'VERSION_NOT_FOUND')
    expect(reg.getVersion('s', 2, { deleted: true }).deleted).toBe(true)
    expect(reg.listVersions('s')).toEqual([1])
    expect(reg.listVersions('s', { deleted: true })).toEqual([1, 2])
    // soft-deleted schemas are still readable by id
    expect(reg.getSchemaById(2).schema).toBe('"string"')
    // the next version counts soft-deleted ones
    expect((await reg.register('s', { schema: '"long"' })).version).toBe(3)
    expect(await reg.deleteVersion('s', 2, { permanent: true })).toBe(2)
    await expectKind(() => reg.getSchemaById(2), 'SCHEMA_NOT_FOUND')
    await reg.deleteVersion('s', 3)
    await reg.deleteVersion('s', 3, { permanent: true })
    // hard-deleted versions are freed; ids are not reused
    const again = await reg.register('s', { schema: '"string"' })
    expect(again.version).toBe(2)
    expect(again.id).toBe(4)
  })

  it('soft and hard deletes subjects', async () => {
    const { reg } = await fresh()
    await reg.register('s', { schema: '"int"' })
    await expectKind(reg.deleteSubject('s', { permanent: true }), 'SUBJECT_NOT_SOFT_DELETED')
    expect(await reg.deleteSubject('s')).toEqual([1])
    await expectKind(reg.deleteSubject('s'), 'SUBJECT_SOFT_DELETED')
    expect(reg.listSubjects()).toEqual([])
    expect(reg.listSubjects({ deleted: true })).toEqual(['s'])
    await expectKind(() => reg.listVersions('s'), 'SUBJECT_NOT_FOUND')
    await expectKind(() => reg.lookup('s', { schema: '"int"' }), 'SUBJECT_NOT_FOUND')
    expect(reg.lookup('s', { schema: '"int"' }, { deleted: true }).version).toBe(1)
    await reg.setCompatibility('s', 'FULL')
    expect(await reg.deleteSubject('s', { permanent: true })).toEqual([1])
    await expectKind(reg.deleteSubject('s'), 'SUBJECT_NOT_FOUND')
    await expectKind(() => reg.getSubjectCompatibility('s', false), 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED')
  })
})

describe('references', () => {
  it('resolves Avro named types across subjects and blocks deleting referenced versions', async () => {
    const { reg } = await fresh()
    const addr = JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.x', fields: [{ name: 'street', type: 'string' }] })
    const a = await reg.register('address', { schema: addr })
    const person = JSON.stringify({ type: 'record', name: 'Person', namespace: 'com.x', fields: [{ name: 'home', type: 'com.x.Address' }] })
    await expectKind(reg.register('person', { schema: person }), 'INVALID_SCHEMA')
    const refs = [{ name: 'com.x.Address', subject: 'address', version: 1 }]
    const p = await reg.register('person', { schema: person, references: refs })
    expect(p.id).not.toBe(a.id)
    expect(reg.getSchemaById(p.id).references).toEqual(refs)
    expect(reg.referencedBy('address', 1)).toEqual([p.id])
    await expectKind(reg.deleteVersion('address', 1), 'REFERENCE_EXISTS')
    await expectKind(reg.deleteSubject('address'), 'REFERENCE_EXISTS')
    // same text without references is a different schema (unparsable here)
    expect(reg.lookup('person', { schema: person, references: refs }).id).toBe(p.id)
    // a fully inlined equivalent (no references) finds it too
    const inlined = JSON.stringify({ type: 'record', name: 'Person', namespace: 'com.x', fields: [{ name: 'home', type: JSON.parse(addr) as unknown }] })
    expect(reg.lookup('person', { schema: inlined }).id).toBe(p.id)
    const different = JSON.stringify({ type: 'record', name: 'Person', namespace: 'com.x', fields: [{ name: 'home', type: { type: 'record', name: 'Address', fields: [{ name: 'street', type: 'bytes' }] } }] })
    await expectKind(() => reg.lookup('person', { schema: different }), 'SCHEMA_NOT_FOUND')
    // the parsed form can encode a nested record
    const parsed = reg.parsedSchema(p.id)
    expect(parsed.schemaType).toBe('AVRO')
  })

  it('resolves JSON $ref to another subject', async () => {
    const { reg } = await fresh()
    await reg.register('addr', { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { street: { type: 'string' } } }) })
    const s = JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } })
    await expectKind(reg.register('p', { schemaType: 'JSON', schema: s }), 'INVALID_SCHEMA')
    const r = await reg.register('p', { schemaType: 'JSON', schema: s, references: [{ name: 'address.json', subject: 'addr', version: 1 }] })
    expect(reg.referencedBy('addr', 'latest')).toEqual([r.id])
  })
})

describe('config and mode', () => {
  it('keeps subject and global levels apart', async () => {
    const { reg } = await fresh()
    expect(reg.getGlobalCompatibility()).toBe('BACKWARD')
    await expectKind(() => reg.getSubjectCompatibility('s', false), 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED')
    expect(reg.getSubjectCompatibility('s', true)).toBe('BACKWARD')
    await reg.setCompatibility('s', 'FULL_TRANSITIVE')
    expect(reg.getSubjectCompatibility('s', false)).toBe('FULL_TRANSITIVE')
    expect(await reg.deleteCompatibility('s')).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' })
    await expectKind(reg.deleteCompatibility('s'), 'SUBJECT_NOT_FOUND')
    await reg.setCompatibility(null, 'NONE')
    expect(await reg.deleteCompatibility(null)).toEqual({ compatibilityLevel: 'NONE' })
    expect(reg.getGlobalCompatibility()).toBe('BACKWARD')
  })

  it('READONLY forbids writes; IMPORT takes ids as given', async () => {
    const { reg } = await fresh()
    await reg.setMode(null, 'READONLY')
    await expectKind(reg.register('s', { schema: '"int"' }), 'OPERATION_NOT_PERMITTED')
    await reg.setMode(null, 'IMPORT')
    expect(await reg.register('s', { schema: '"int"', id: 42, version: 7 })).toMatchObject({ id: 42, version: 7 })
    await expectKind(reg.register('t', { schema: '"long"', id: 42 }), 'ID_DOES_NOT_MATCH')
    await expectKind(reg.register('t', { schema: '"long"', id: 50, version: 0 }), 'INVALID_VERSION')
    await reg.setMode(null, 'READWRITE')
    await expectKind(reg.register('t', { schema: '"long"', id: 5 }), 'OPERATION_NOT_PERMITTED')
    expect((await reg.register('t', { schema: '"long"' })).id).toBe(43)
    await expectKind(reg.setMode(null, 'IMPORT'), 'OPERATION_NOT_PERMITTED')
    await reg.setMode('t', 'READWRITE')
    await reg.setMode(null, 'READONLY')
    expect((await reg.register('t', { schema: '"long"' })).id).toBe(43) // the subject's own READWRITE wins
    await reg.setMode(null, 'READONLY_OVERRIDE')
    await expectKind(reg.register('t', { schema: '"float"' }), 'OPERATION_NOT_PERMITTED')
    await reg.setMode(null, 'READWRITE')
    await reg.setMode('x', 'READONLY')
    await expectKind(reg.register('x', { schema: '"int"' }), 'OPERATION_NOT_PERMITTED')
    await expectKind(() => reg.getSubjectMode('s', false), 'SUBJECT_LEVEL_MODE_NOT_CONFIGURED')
  })
})

describe('journal replay', () => {
  it('rebuilds the same state from the journal and never reuses ids', async () => {
    const journal = new MemoryJournal()
    const { reg } = await fresh(journal)
    await reg.setCompatibility(null, 'NONE')
    await reg.setCompatibility('b', 'FULL')
    await reg.register('a', { schema: '"int"' })
    await reg.register('a', { schema: '"string"' })
    await reg.register('b', { schema: '"long"' })
    await reg.deleteVersion('a', 2)
    await reg.deleteSubject('b')
    await reg.deleteSubject('b', { permanent: true })
    const snapshot = journal.records.slice()
    const again = await SchemaRegistry.open({ journal })
    expect(again.listSubjects({ deleted: true })).toEqual(['a'])
    expect(again.listVersions('a', { deleted: true })).toEqual([1, 2])
    expect(again.getVersion('a', 2, { deleted: true }).deleted).toBe(true)
    expect(again.getGlobalCompatibility()).toBe('NONE')
    await expectKind(() => again.getSubjectCompatibility('b', false), 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED')
    expect((await again.register('c', { schema: '"boolean"' })).id).toBe(4)
    // compacting the log down to the newest record per key keeps the id counter
    const compacted = new MemoryJournal()
    const newest = new Map<string, { key: Buffer, value: Buffer | null }>()
    for (const r of snapshot) { newest.delete(r.key.toString()); newest.set(r.key.toString(), r) }
    for (const r of newest.values()) if (r.value !== null) compacted.records.push(r)
    const afterCompaction = await SchemaRegistry.open({ journal: compacted })
    // id 3 (the highest) was hard-deleted and its records compacted away: still not reused
    expect((await afterCompaction.register('d', { schema: '"double"' })).id).toBe(4)
  })

  it('a failed journal write leaves no half-written state', async () => {
    const journal = new MemoryJournal()
    const { reg } = await fresh(journal)
    journal.failNext = new Error('disk full')
    await expectKind(reg.register('s', { schema: '"int"' }), 'STORE_ERROR')
    expect(reg.listSubjects()).toEqual([])
    expect((await reg.register('s', { schema: '"int"' })).id).toBe(1)
  })
})
