/**
 * Issue 16 item 4: krest's registry driven by Confluent's current JavaScript client, `@confluentinc/schemaregistry`,
 * over real HTTP — the scenarios of the client's own e2e suite (register → version, data-contract metadata,
 * configs with normalize, lookups) and its Avro and JSON Schema serializers against krest's REST proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Compatibility, RuleMode, SchemaRegistryClient, type RuleSet, type SchemaInfo } from '@confluentinc/schemaregistry/dist/schemaregistry-client.js'
import { AvroDeserializer, AvroSerializer } from '@confluentinc/schemaregistry/dist/serde/avro.js'
import { JsonDeserializer, JsonSerializer } from '@confluentinc/schemaregistry/dist/serde/json.js'
import { ProtobufDeserializer, ProtobufSerializer } from '@confluentinc/schemaregistry/dist/serde/protobuf.js'
import { SerdeType } from '@confluentinc/schemaregistry/dist/serde/serde.js'
import { AuthorSchema } from '@confluentinc/schemaregistry/dist/test/serde/test/example_pb.js'
import { create } from '@bufbuild/protobuf'
import { BINARY, startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'

let h: Harness
let raw: RegistryClient
let url: string
/** A fresh client each time, so its caches never answer for the server. */
const client = (): SchemaRegistryClient => new SchemaRegistryClient({ baseURLs: [url], cacheCapacity: 512 })

beforeAll(async () => {
  h = await startHarness()
  url = h.gateway.registryUrl ?? ''
  raw = registryClient(url)
})
afterAll(async () => { await h?.close() })

const userSchema = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }] })
const userSchema2 = JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }, { name: 'email', type: 'string', default: '' }] })
const metadata = { properties: { owner: 'Bob Jones', email: 'bob@acme.com' } }
const metadata2 = { properties: { owner: 'Bob Jones2', email: 'bob@acme.com' } }

describe('@confluentinc/schemaregistry client against krest (issue 16 item 4)', () => {
  it('register answers id and version; the schema comes back by subject and id with its metadata; getId finds it; deletes', async () => {
    const c = client()
    const info: SchemaInfo = { schema: userSchema, metadata }
    const registered = await c.registerFullResponse('e2e-basic', info)
    expect(registered).toMatchObject({ id: expect.any(Number), version: 1, schema: userSchema, metadata })
    const byId = await c.getBySubjectAndId('e2e-basic', registered.id as number)
    expect(byId).toMatchObject({ schema: userSchema, metadata })
    expect(await c.getId('e2e-basic', info)).toBe(registered.id)
    expect(await c.getVersion('e2e-basic', info)).toBe(1)
    expect(await c.getAllVersions('e2e-basic')).toEqual([1])
    expect(await c.deleteSubjectVersion('e2e-basic', 1)).toBe(1)
    expect(await c.deleteSubjectVersion('e2e-basic', 1, true)).toBe(1)
  })

  it('schema metadata: versions, latest, and the latest with given metadata', async () => {
    const c = client()
    const r1 = await c.registerFullResponse('e2e-meta', { schema: userSchema, metadata })
    const r2 = await c.registerFullResponse('e2e-meta', { schema: userSchema2, schemaType: 'AVRO', metadata: metadata2 })
    expect(r2.version).toBe(2)
    const v1 = { id: r1.id, version: 1, schema: userSchema, subject: 'e2e-meta', metadata }
    const v2 = { id: r2.id, version: 2, schema: userSchema2, subject: 'e2e-meta', metadata: metadata2 }
    expect(await client().getLatestSchemaMetadata('e2e-meta')).toEqual(v2)
    expect(await client().getSchemaMetadata('e2e-meta', 1)).toEqual(v1)
    expect(await client().getLatestWithMetadata('e2e-meta', { owner: 'Bob Jones', email: 'bob@acme.com' })).toEqual(v1)
    await expect(client().getLatestWithMetadata('e2e-meta', { owner: 'nobody' })).rejects.toThrow()
  })

  it('metadata and ruleSet are part of the identity, and inherited from the latest version when not sent', async () => {
    const c = client()
    const plain = await c.registerFullResponse('e2e-contract', { schema: userSchema })
    const withMeta = await c.registerFullResponse('e2e-contract', { schema: userSchema, metadata })
    expect(withMeta.id).not.toBe(plain.id) // same text, other contract: another schema
    expect(withMeta.version).toBe(2)
    // without metadata, register and lookup take the latest version's: the same schema as version 2
    const again = await raw.register('e2e-contract', userSchema)
    expect(again.body).toMatchObject({ id: withMeta.id, version: 2, metadata })
    // lookup matches exactly first (version 1 has no metadata), as Confluent's lookUpSchemaUnderSubject does
    expect((await raw.post('/subjects/e2e-contract', { schema: userSchema })).body).toMatchObject({ version: 1, id: plain.id })
    expect((await raw.post('/subjects/e2e-contract', { schema: userSchema, metadata })).body).toMatchObject({ version: 2, id: withMeta.id, metadata })
    const ruleSet: RuleSet = { domainRules: [{ name: 'checkAge', kind: 'CONDITION', type: 'CEL', mode: RuleMode.WRITE, expr: 'message.age > 0' }] }
    const withRules = await c.registerFullResponse('e2e-contract', { schema: userSchema, metadata, ruleSet })
    expect(withRules).toMatchObject({ version: 3, metadata, ruleSet })
    expect(withRules.id).not.toBe(withMeta.id)
    expect(await client().getLatestSchemaMetadata('e2e-contract')).toMatchObject({ version: 3, metadata, ruleSet })
    // stored in _schemas: the same after a restart
    await h.restart()
    url = h.gateway.registryUrl ?? ''
    raw = registryClient(url)
    expect(await client().getSchemaMetadata('e2e-contract', 3)).toMatchObject({ id: withRules.id, metadata, ruleSet })
    expect(await client().getSchemaMetadata('e2e-contract', 1)).not.toHaveProperty('metadata')
    expect((await raw.get(`/schemas/ids/${withRules.id}`)).body).toMatchObject({ metadata, ruleSet })
    expect((await raw.register('e2e-contract', userSchema, { metadata: 'no' })).status).toBe(422)
  })

  it('compatibility per subject and tests against a version', async () => {
    const c = client()
    const r = await c.registerFullResponse('e2e-compat', { schema: userSchema, metadata })
    expect(await c.updateCompatibility('e2e-compat', Compatibility.BACKWARD_TRANSITIVE)).toBe(Compatibility.BACKWARD_TRANSITIVE)
    expect(await c.getCompatibility('e2e-compat')).toBe(Compatibility.BACKWARD_TRANSITIVE)
    expect(await c.testSubjectCompatibility('e2e-compat', { schema: userSchema2, schemaType: 'AVRO', metadata: metadata2 })).toBe(true)
    expect(await c.testCompatibility('e2e-compat', r.version as number, { schema: userSchema2, schemaType: 'AVRO', metadata: metadata2 })).toBe(true)
  })

  it('normalize set with PUT /config comes back from GET /config, globally and per subject', async () => {
    const c = client()
    await c.registerFullResponse('e2e-config', { schema: userSchema })
    expect(await c.updateConfig('e2e-config', { compatibility: Compatibility.FULL, normalize: true })).toBeDefined()
    expect(await c.getConfig('e2e-config')).toEqual({ compatibilityLevel: Compatibility.FULL, normalize: true })
    expect(await c.updateDefaultConfig({ compatibility: Compatibility.FULL, normalize: false })).toBeDefined()
    expect(await c.getDefaultConfig()).toEqual({ compatibilityLevel: Compatibility.FULL, normalize: false })
    expect(await c.updateDefaultCompatibility(Compatibility.BACKWARD)).toBe(Compatibility.BACKWARD)
    expect(await c.getDefaultCompatibility()).toBe(Compatibility.BACKWARD)
    expect(await c.getDefaultConfig()).toEqual({ compatibilityLevel: Compatibility.BACKWARD, normalize: false })
    // only normalize: the level set before stays; the older clients' shapes are unchanged
    expect((await raw.put('/config/e2e-config', { normalize: false })).body).toEqual({ normalize: false })
    expect((await raw.get('/config/e2e-config')).body).toEqual({ compatibilityLevel: 'FULL', normalize: false })
    expect((await raw.put('/config', { compatibility: 'none' })).body).toEqual({ compatibility: 'NONE' })
    expect((await raw.put('/config', { normalize: 'yes' })).status).toBe(422)
    expect((await raw.put('/config', {})).body).toMatchObject({ error_code: 42203 })
    expect((await raw.call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'NONE', normalize: false })
    expect((await raw.get('/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' })
  })

  it('Avro: the client\'s serializer writes bytes krest\'s avro consumer reads, and krest\'s avro producer writes bytes its deserializer reads', async () => {
    const c = client()
    const serializer = new AvroSerializer(c, SerdeType.VALUE, { useLatestVersion: true })
    const deserializer = new AvroDeserializer(client(), SerdeType.VALUE, {})
    await c.register('e2e-avro-value', { schemaType: 'AVRO', schema: userSchema })
    const bytes = await serializer.serialize('e2e-avro', { name: 'Bob Jones', age: 25 })
    const produced = await h.call('POST', '/topics/e2e-avro', { body: { records: [{ value: bytes.toString('base64') }] }, headers: { 'content-type': BINARY } })
    expect(produced.status).toBe(200)
    const viaKrest = await h.call('POST', '/topics/e2e-avro', {
      raw: JSON.stringify({ value_schema: userSchema, records: [{ value: { name: 'Alice', age: 31 } }] }),
      headers: { 'content-type': 'application/vnd.kafka.avro.v2+json' }
    })
    expect(viaKrest.status).toBe(200)
    const records = await consumeAll('e2e-avro', 'avro', 2)
    expect(records.map((r) => r.value)).toEqual([{ name: 'Bob Jones', age: 25 }, { name: 'Alice', age: 31 }])
    const rawRecords = await consumeAll('e2e-avro', 'binary', 2)
    const decoded = []
    for (const r of rawRecords) decoded.push(await deserializer.deserialize('e2e-avro', Buffer.from(r.value as string, 'base64')))
    expect(decoded).toEqual([{ name: 'Bob Jones', age: 25 }, { name: 'Alice', age: 31 }])
  })

  it('JSON Schema: the client\'s serializer and krest\'s jsonschema format read each other\'s bytes', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name'] })
    const c = client()
    await c.register('e2e-json-value', { schemaType: 'JSON', schema })
    const serializer = new JsonSerializer(c, SerdeType.VALUE, { useLatestVersion: true })
    const deserializer = new JsonDeserializer(client(), SerdeType.VALUE, {})
    const bytes = await serializer.serialize('e2e-json', { name: 'Bob', age: 7 })
    expect((await h.call('POST', '/topics/e2e-json', { body: { records: [{ value: bytes.toString('base64') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    const viaKrest = await h.call('POST', '/topics/e2e-json', {
      raw: JSON.stringify({ value_schema: schema, records: [{ value: { name: 'Eve' } }] }),
      headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' }
    })
    expect(viaKrest.status).toBe(200)
    expect((await consumeAll('e2e-json', 'jsonschema', 2)).map((r) => r.value)).toEqual([{ name: 'Bob', age: 7 }, { name: 'Eve' }])
    const decoded = []
    for (const r of await consumeAll('e2e-json', 'binary', 2)) decoded.push(await deserializer.deserialize('e2e-json', Buffer.from(r.value as string, 'base64')))
    expect(decoded).toEqual([{ name: 'Bob', age: 7 }, { name: 'Eve' }])
  })
})

let groups = 0
/** Reads `n` records of `topic` from the start through a v2 consumer instance of `format`. */
async function consumeAll (topic: string, format: string, n: number): Promise<Array<{ value: unknown }>> {
  const group = `e2e-${format}-${++groups}`
  expect((await h.call('POST', `/consumers/${group}`, { body: { name: 'c', format, 'auto.offset.reset': 'earliest' } })).status).toBe(200)
  expect((await h.call('POST', `/consumers/${group}/instances/c/subscription`, { body: { topics: [topic] } })).status).toBe(204)
  const out: Array<{ value: unknown }> = []
  for (let i = 0; i < 30 && out.length < n; i++) {
    const r = await h.call('GET', `/consumers/${group}/instances/c/records?timeout=500`, { headers: { accept: `application/vnd.kafka.${format}.v2+json` } })
    expect(r.status).toBe(200)
    out.push(...(r.body as Array<{ value: unknown }>))
  }
  await h.call('DELETE', `/consumers/${group}/instances/c`, { headers: { 'content-type': 'application/vnd.kafka.v2+json' } })
  return out
}

describe('@confluentinc/schemaregistry Protobuf serializer against krest (issue 18)', () => {
  it('the client registers a serialized descriptor (importing the built-in confluent/meta.proto), and krest\'s protobuf consumer reads its bytes', async () => {
    const ser = new ProtobufSerializer(client(), SerdeType.VALUE, { autoRegisterSchemas: true })
    ser.registry.add(AuthorSchema)
    const bytes = await ser.serialize('e2e-pb', create(AuthorSchema, { name: 'Kafka', id: 123, picture: Buffer.from([1, 2, 3]), works: ['The Castle', 'The Trial'] }))
    expect((await h.call('POST', '/topics/e2e-pb', { body: { records: [{ value: bytes.toString('base64') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    const [record] = await consumeAll('e2e-pb', 'protobuf', 1)
    expect(record?.value).toEqual({ name: 'Kafka', id: 123, picture: 'AQID', works: ['The Castle', 'The Trial'] })
    // and the client's deserializer reads the same bytes back through krest's registry
    const de = new ProtobufDeserializer(client(), SerdeType.VALUE, {})
    const back = await de.deserialize('e2e-pb', bytes) as { name: string, works: string[] }
    expect(back.name).toBe('Kafka')
    expect(back.works).toEqual(['The Castle', 'The Trial'])
  })

  it('bytes krest\'s REST proxy writes from a .proto schema are read by the client\'s deserializer', async () => {
    const schema = 'syntax = "proto3";\npackage shop;\nmessage Basket {\n  string owner = 1;\n  repeated string items = 2;\n  int64 total = 3;\n}\n'
    const p = await h.call('POST', '/topics/e2e-pb-rest', {
      raw: JSON.stringify({ value_schema: schema, records: [{ value: { owner: 'ann', items: ['tea', 'jam'], total: '1250' } }] }),
      headers: { 'content-type': 'application/vnd.kafka.protobuf.v2+json' }
    })
    expect(p.status, p.text).toBe(200)
    const [record] = await consumeAll('e2e-pb-rest', 'binary', 1)
    const de = new ProtobufDeserializer(client(), SerdeType.VALUE, {})
    const back = await de.deserialize('e2e-pb-rest', Buffer.from(record?.value as string, 'base64')) as { owner: string, items: string[], total: bigint }
    expect(back.owner).toBe('ann')
    expect(back.items).toEqual(['tea', 'jam'])
    expect(back.total).toBe(1250n)
  })
})
