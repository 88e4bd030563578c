/**
 * Issue 18, first part: PROTOBUF schemas in the registry over real HTTP — register, lookup, references (imports),
 * well-known imports, `/schemas/types`, and Confluent's Protobuf compatibility rules under the seven levels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'

let h: Harness
let c: RegistryClient
beforeAll(async () => {
  h = await startHarness()
  c = registryClient(h.gateway.registryUrl ?? '')
})
afterAll(async () => { await h?.close() })

const PB = { schemaType: 'PROTOBUF' }
let subjects = 0

/** Registers `before` under a fresh subject at `level`, then tests `after` against it. */
async function evolve (before: string, after: string, level = 'BACKWARD'): Promise<{ compatible: boolean, messages: string[] }> {
  const subject = `evolve-${++subjects}`
  expect((await c.put(`/config/${subject}`, { compatibility: level })).status).toBe(200)
  const first = await c.register(subject, before, PB)
  expect(first.status, JSON.stringify(first.body)).toBe(200)
  const r = await c.post(`/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: after, ...PB })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  const body = r.body as { is_compatible: boolean, messages: string[] }
  // register agrees with the check
  const reg = await c.register(subject, after, PB)
  expect(reg.status).toBe(body.is_compatible ? 200 : 409)
  return { compatible: body.is_compatible, messages: body.messages }
}

const proto3 = (body: string, pkg = 'acme'): string => `syntax = "proto3";\npackage ${pkg};\n${body}\n`

describe('PROTOBUF schemas in the registry (issue 18)', () => {
  it('lists PROTOBUF in /schemas/types', async () => {
    expect(((await c.get('/schemas/types')).body as string[]).sort()).toEqual(['AVRO', 'JSON', 'PROTOBUF'])
  })

  it('registers, reads back by version and id, looks up, and reuses ids whatever the spacing and comments', async () => {
    const text = proto3('message Order {\n  string id = 1;\n  int64 amount = 2;\n}')
    const r = await c.register('orders-value', text, PB)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ id: expect.any(Number), version: 1, schemaType: 'PROTOBUF', schema: text })
    const id = (r.body as { id: number }).id
    expect((await c.get('/subjects/orders-value/versions/1')).body).toMatchObject({ id, schemaType: 'PROTOBUF', schema: text })
    expect((await c.get(`/schemas/ids/${id}`)).body).toEqual({ schemaType: 'PROTOBUF', schema: text })
    const respaced = '// orders\nsyntax = "proto3"; package acme;   message Order { string id = 1; /* money */ int64 amount = 2; }'
    expect((await c.post('/subjects/orders-value', { schema: respaced, ...PB })).body).toMatchObject({ id, version: 1 })
    expect((await c.register('orders-copy', respaced, PB)).body).toMatchObject({ id, version: 1 })
    // another type with the same text is another schema
    expect((await c.post('/subjects/orders-value', { schema: text })).status).toBe(422) // not valid Avro
  })

  it('references are imports: resolved by reference name, stored, and required', async () => {
    const common = proto3('message Money {\n  string currency = 1;\n  int64 units = 2;\n}', 'acme.common')
    expect((await c.register('money', common, PB)).status).toBe(200)
    const order = proto3('import "acme/money.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Invoice {\n  acme.common.Money total = 1;\n  google.protobuf.Timestamp at = 2;\n}')
    const refs = [{ name: 'acme/money.proto', subject: 'money', version: 1 }]
    const r = await c.register('invoices-value', order, { ...PB, references: refs })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect((await c.get('/subjects/invoices-value/versions/latest')).body).toMatchObject({ references: refs, schemaType: 'PROTOBUF' })
    expect((await c.get('/subjects/money/versions/1/referencedby')).body).toEqual([(r.body as { id: number }).id])
    const missing = await c.register('invoices2-value', order, PB)
    expect(missing.status).toBe(422)
    expect(missing.body).toMatchObject({ error_code: 42201, message: expect.stringContaining('acme/money.proto') })
    expect((await c.del('/subjects/money/versions/1')).status).toBe(422) // referenced: 42206
  })

  it.each([
    ['not proto at all', 'this is not a schema'],
    ['an unknown field type', proto3('message A { Missing m = 1; }')],
    ['no message', proto3('enum E { X = 0; }')],
    ['a duplicate field number', proto3('message A { string a = 1; string b = 1; }')],
  ])('refuses %s with 42201', async (_what, text) => {
    const r = await c.register('bad-proto', text, PB)
    expect(r.status).toBe(422)
    expect(r.body).toMatchObject({ error_code: 42201 })
  })

  const base = proto3('message User {\n  string name = 1;\n  int32 age = 2;\n  Kind kind = 3;\n  oneof contact { string email = 4; string phone = 5; }\n  enum Kind { UNKNOWN = 0; ADMIN = 1; }\n}')
  const user = (fields: string, nested = 'enum Kind { UNKNOWN = 0; ADMIN = 1; }'): string => proto3(`message User {\n${fields}\n${nested}\n}`)
  const contact = 'oneof contact { string email = 4; string phone = 5; }'

  // Confluent's Protobuf rules (SchemaDiff.COMPATIBLE_CHANGES), each checked under BACKWARD
  it.each([
    ['a field added', user(`string name = 1; int32 age = 2; Kind kind = 3; ${contact} string city = 6;`), true],
    ['a field removed', user(`string name = 1; Kind kind = 3; ${contact}`), true],
    ['a field renamed (same number and type)', user(`string full_name = 1; int32 age = 2; Kind kind = 3; ${contact}`), true],
    ['int32 → int64 (same varint group)', user(`string name = 1; int64 age = 2; Kind kind = 3; ${contact}`), true],
    ['int32 → uint32', user(`string name = 1; uint32 age = 2; Kind kind = 3; ${contact}`), true],
    ['int32 → bool', user(`string name = 1; bool age = 2; Kind kind = 3; ${contact}`), true],
    ['int32 → sint32 (zigzag)', user(`string name = 1; sint32 age = 2; Kind kind = 3; ${contact}`), false],
    ['int32 → string', user(`string name = 1; string age = 2; Kind kind = 3; ${contact}`), false],
    ['int32 → fixed32', user(`string name = 1; fixed32 age = 2; Kind kind = 3; ${contact}`), false],
    ['int32 → double', user(`string name = 1; double age = 2; Kind kind = 3; ${contact}`), false],
    ['string → bytes', user(`bytes name = 1; int32 age = 2; Kind kind = 3; ${contact}`), true],
    ['enum → int32 (enums are varints)', user(`string name = 1; int32 age = 2; int32 kind = 3; ${contact}`), true],
    ['scalar → message', user(`Name name = 1; int32 age = 2; Kind kind = 3; ${contact}`, 'enum Kind { UNKNOWN = 0; ADMIN = 1; } message Name { string v = 1; }'), false],
    ['an enum constant added', user(`string name = 1; int32 age = 2; Kind kind = 3; ${contact}`, 'enum Kind { UNKNOWN = 0; ADMIN = 1; GUEST = 2; }'), true],
    ['an enum constant removed', user(`string name = 1; int32 age = 2; Kind kind = 3; ${contact}`, 'enum Kind { UNKNOWN = 0; }'), true],
    ['a oneof field added', user('string name = 1; int32 age = 2; Kind kind = 3; oneof contact { string email = 4; string phone = 5; string fax = 6; }'), true],
    ['a oneof field moved to the top level', user('string name = 1; int32 age = 2; Kind kind = 3; string email = 4; oneof contact { string phone = 5; }'), true],
    ['a field moved into an existing oneof', user('string name = 1; Kind kind = 3; oneof contact { string email = 4; string phone = 5; int32 age = 2; }'), false],
    ['two fields moved into a new oneof', user(`oneof who { string name = 1; int32 age = 2; } Kind kind = 3; ${contact}`), false],
    ['the package changed', proto3('message User {\n  string name = 1;\n  int32 age = 2;\n  Kind kind = 3;\n  oneof contact { string email = 4; string phone = 5; }\n  enum Kind { UNKNOWN = 0; ADMIN = 1; }\n}', 'other'), false],
    ['the message removed (another added)', proto3('message Person { string name = 1; }'), false],
    ['a message added after it', `${base}message Extra { string x = 1; }\n`, true],
    ['a repeated label on a string (proto3 implicit → repeated)', user(`repeated string name = 1; int32 age = 2; Kind kind = 3; ${contact}`), true],
  ])('BACKWARD: %s → compatible %s', async (_what, after, expected) => {
    const r = await evolve(base, after)
    expect(r.compatible, r.messages.join('\n')).toBe(expected)
    if (!expected) expect(r.messages[0]).toMatch(/type=[A-Z_]+/)
  })

  it('proto2 labels: optional → repeated numeric is FIELD_NUMERIC_LABEL_CHANGED, required fields added or removed are refused', async () => {
    const p2 = (fields: string): string => `syntax = "proto2";\npackage acme;\nmessage M {\n${fields}\n}\n`
    expect((await evolve(p2('optional int32 a = 1;'), p2('repeated int32 a = 1;'))).compatible).toBe(false)
    expect((await evolve(p2('optional string a = 1;'), p2('repeated string a = 1;'))).compatible).toBe(true)
    expect((await evolve(p2('optional int32 a = 1;'), p2('optional int32 a = 1; required int32 b = 2;'))).compatible).toBe(false)
    expect((await evolve(p2('optional int32 a = 1; required int32 b = 2;'), p2('optional int32 a = 1;'))).compatible).toBe(false)
  })

  it('nested message types are compared where fields use them, and recursive types terminate', async () => {
    const tree = (valueType: string): string => proto3(`message Node {\n  ${valueType} value = 1;\n  repeated Node children = 2;\n  Meta meta = 3;\n}\nmessage Meta { string owner = 1; }`)
    expect((await evolve(tree('int32'), tree('int64'))).compatible).toBe(true)
    expect((await evolve(tree('int32'), tree('string'))).compatible).toBe(false)
    const metaChanged = proto3('message Node {\n  int32 value = 1;\n  repeated Node children = 2;\n  Meta meta = 3;\n}\nmessage Meta { int32 owner = 1; }')
    const r = await evolve(tree('int32'), metaChanged)
    expect(r.compatible).toBe(false)
    expect(r.messages.join(' ')).toContain('FIELD_SCALAR_KIND_CHANGED')
  })

  it('directions: FORWARD and FULL apply the rules the other way and both ways; NONE accepts anything', async () => {
    const v1 = proto3('message E { string a = 1; }')
    const required = 'syntax = "proto2";\npackage acme;\nmessage E { optional string a = 1; }\n'
    const requiredAdded = 'syntax = "proto2";\npackage acme;\nmessage E { optional string a = 1; required int32 b = 2; }\n'
    expect((await evolve(required, requiredAdded, 'BACKWARD')).compatible).toBe(false)
    expect((await evolve(required, requiredAdded, 'FORWARD')).compatible).toBe(false) // removing a required field breaks old readers too
    expect((await evolve(v1, proto3('message E { int32 a = 1; }'), 'FULL')).compatible).toBe(false)
    expect((await evolve(v1, proto3('message E { string a = 1; int32 b = 2; }'), 'FULL_TRANSITIVE')).compatible).toBe(true)
    expect((await evolve(v1, proto3('message E { int32 a = 1; }'), 'NONE')).compatible).toBe(true)
    // a schema of another type is incompatible unless NONE
    const subject = `evolve-${++subjects}`
    expect((await c.register(subject, v1, PB)).status).toBe(200)
    expect((await c.register(subject, '"string"')).status).toBe(409)
  })
})

describe('v2 produce and consume with application/vnd.kafka.protobuf.v2+json (issue 18)', () => {
  const PROTOBUF_V2 = 'application/vnd.kafka.protobuf.v2+json'
  const schema = proto3('message Reading {\n  string sensor = 1;\n  int64 at = 2;\n  double value = 3;\n  Unit unit = 4;\n  repeated string tags = 5;\n  Place place = 6;\n  message Place { string site = 1; }\n  enum Unit { CELSIUS = 0; KELVIN = 1; }\n}\nmessage Other { string x = 1; }')

  it('produces JSON as Confluent wire format with message indexes, and a protobuf consumer reads the JSON back', async () => {
    const value = { sensor: 's1', at: '1733000000000', value: 21.5, unit: 'KELVIN', tags: ['a', 'b'], place: { site: 'lab' } }
    const p = await h.call('POST', '/topics/readings', { raw: JSON.stringify({ value_schema: schema, records: [{ value }, { value: { sensor: 's2' } }] }), headers: { 'content-type': PROTOBUF_V2 } })
    expect(p.status, p.text).toBe(200)
    const id = (p.body as { value_schema_id: number }).value_schema_id
    expect((await c.get('/subjects/readings-value/versions/1')).body).toMatchObject({ id, schemaType: 'PROTOBUF' })
    // the stored bytes: magic 0, the id, message indexes [0] as one zero byte, then the message
    expect((await h.call('POST', '/consumers/pb-raw', { body: { name: 'c', format: 'binary', 'auto.offset.reset': 'earliest' } })).status).toBe(200)
    expect((await h.call('POST', '/consumers/pb-raw/instances/c/subscription', { body: { topics: ['readings'] } })).status).toBe(204)
    let raw: Array<{ value: string }> = []
    for (let i = 0; i < 20 && raw.length < 2; i++) raw.push(...(await h.call('GET', '/consumers/pb-raw/instances/c/records?timeout=500', { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })).body as Array<{ value: string }>)
    const bytes = Buffer.from(raw[0]?.value ?? '', 'base64')
    expect(bytes[0]).toBe(0)
    expect(bytes.readInt32BE(1)).toBe(id)
    expect(bytes[5]).toBe(0)
    expect(bytes.subarray(6, 10).toString('latin1')).toBe('\n\x02s1') // field 1, length 2, "s1"

    expect((await h.call('POST', '/consumers/pb', { body: { name: 'c', format: 'protobuf', 'auto.offset.reset': 'earliest' } })).status).toBe(200)
    expect((await h.call('POST', '/consumers/pb/instances/c/subscription', { body: { topics: ['readings'] } })).status).toBe(204)
    const got: Array<{ value: unknown }> = []
    for (let i = 0; i < 20 && got.length < 2; i++) {
      const r = await h.call('GET', '/consumers/pb/instances/c/records?timeout=500', { headers: { accept: PROTOBUF_V2 } })
      expect(r.status, r.text).toBe(200)
      got.push(...(r.body as Array<{ value: unknown }>))
    }
    expect(got.map((r) => r.value)).toEqual([value, { sensor: 's2' }]) // defaults left out, as proto3 JSON does
  })

  it('by value_schema_id; bad data is refused with nothing written', async () => {
    const reg = await c.register('readings2-value', schema, PB)
    const id = (reg.body as { id: number }).id
    const produce = async (value: unknown): Promise<number> => (await h.call('POST', '/topics/readings2', { raw: JSON.stringify({ value_schema_id: id, records: [{ value: { sensor: 'ok' } }, { value }] }), headers: { 'content-type': PROTOBUF_V2 } })).status
    expect(await produce({ sensor: 'x', value: 1 })).toBe(200)
    for (const bad of [{ nope: 1 }, { place: { nope: 'x' } }, { value: 'not a number' }, { unit: 'FAHRENHEIT' }, { at: 1.5 }, { tags: 'x' }, { tags: [1] }, { place: 3 }, 'a string', [1]]) {
      expect(await produce(bad)).toBe(400)
    }
    const offsets = await h.call('GET', '/topics/readings2/partitions/0/offsets')
    expect(offsets.body).toMatchObject({ end_offset: 2 })
  })
})
