import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient } from './registry-helpers.js'
import { hasTopic, readPartition } from '../helpers/backend-reads.js'

const AVRO = 'application/vnd.kafka.avro.v2+json'
const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json'
const V2 = 'application/vnd.kafka.v2+json'

const userSchema = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'com.acme',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: ['null', 'int'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] }
  ]
})

let h: Harness
beforeAll(async () => { h = await startHarness() })
afterAll(async () => { await h.close() })

async function storedValues (topic: string): Promise<Buffer[]> {
  if (!(await hasTopic(h.gateway.backend, topic))) return []
  return (await readPartition(h.gateway.backend, topic, 0)).map((r) => r.value ?? Buffer.alloc(0))
}

describe('REST proxy v2 produce with schemas', () => {
  it('avro: registers value_schema under <topic>-value, writes the Confluent wire format, reuses the id', async () => {
    const res = await h.call('POST', '/topics/users', {
      headers: { 'content-type': AVRO, accept: V2 },
      body: { value_schema: userSchema, records: [{ value: { name: 'ann', age: { int: 31 }, tags: ['a'] } }, { value: { name: 'bob', age: null } }] }
    })
    expect(res.status).toBe(200)
    const body = res.body as { key_schema_id: number | null, value_schema_id: number, offsets: Array<{ partition: number, offset: number }> }
    expect(body.key_schema_id).toBeNull()
    expect(body.value_schema_id).toBeGreaterThan(0)
    expect(body.offsets.map((o) => o.offset)).toEqual([0, 1])
    const reg = registryClient(h.url)
    expect((await reg.get('/subjects/users-value/versions/1')).body).toMatchObject({ id: body.value_schema_id })

    const stored = await storedValues('users')
    expect(stored).toHaveLength(2)
    for (const b of stored) {
      expect(b[0]).toBe(0)
      expect(b.readInt32BE(1)).toBe(body.value_schema_id)
    }
    // decodes back to Avro JSON (wrapped unions, defaults filled in)
    const avro = h.gateway.formats.get('avro')
    expect(avro.deserialize(stored[0] as Buffer, { topic: 'users', isKey: false })).toEqual({ name: 'ann', age: { int: 31 }, tags: ['a'] })
    expect(avro.deserialize(stored[1] as Buffer, { topic: 'users', isKey: false })).toEqual({ name: 'bob', age: null, tags: [] })

    // by id, and with a key schema
    const byId = await h.call('POST', '/topics/users', {
      headers: { 'content-type': AVRO },
      body: { key_schema: '"string"', value_schema_id: body.value_schema_id, records: [{ key: 'k1', value: { name: 'cy' } }] }
    })
    expect(byId.status).toBe(200)
    expect(byId.body).toMatchObject({ value_schema_id: body.value_schema_id, key_schema_id: expect.any(Number) })
    expect((await reg.get('/subjects/users-key/versions')).body).toEqual([1])
  })

  it('avro: rejects data that does not fit, and data without a schema (42201/42202), writing nothing', async () => {
    const before = (await storedValues('strict')).length
    const bad = await h.call('POST', '/topics/strict', {
      headers: { 'content-type': AVRO },
      body: { value_schema: userSchema, records: [{ value: { name: 'ok' } }, { value: { name: 'x', age: 'old' } }] }
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error_code: 400, message: expect.stringContaining('Avro') })
    const unwrapped = await h.call('POST', '/topics/strict', {
      headers: { 'content-type': AVRO },
      body: { value_schema: userSchema, records: [{ value: { name: 'x', age: 3 } }] }
    })
    expect(unwrapped.status).toBe(400)
    const noValueSchema = await h.call('POST', '/topics/strict', { headers: { 'content-type': AVRO }, body: { records: [{ value: { name: 'x' } }] } })
    expect(noValueSchema.status).toBe(422)
    expect(noValueSchema.body).toMatchObject({ error_code: 42202 })
    const noKeySchema = await h.call('POST', '/topics/strict', { headers: { 'content-type': AVRO }, body: { value_schema: userSchema, records: [{ key: 'k', value: { name: 'x' } }] } })
    expect(noKeySchema.status).toBe(422)
    expect(noKeySchema.body).toMatchObject({ error_code: 42201 })
    const badSchema = await h.call('POST', '/topics/strict', { headers: { 'content-type': AVRO }, body: { value_schema: '{"type":"nope"}', records: [{ value: 1 }] } })
    expect(badSchema.status).toBe(422)
    expect(badSchema.body).toMatchObject({ error_code: 42205 })
    const unknownId = await h.call('POST', '/topics/strict', { headers: { 'content-type': AVRO }, body: { value_schema_id: 987654, records: [{ value: 1 }] } })
    expect(unknownId.status).toBe(422)
    expect(unknownId.body).toMatchObject({ error_code: 42207 })
    expect(await storedValues('strict')).toHaveLength(before)
  })

  it('avro: an incompatible value_schema is refused (42207) and not registered', async () => {
    await h.call('POST', '/topics/evolving', { headers: { 'content-type': AVRO }, body: { value_schema: userSchema, records: [{ value: { name: 'a' } }] } })
    const incompatible = JSON.stringify({ type: 'record', name: 'User', namespace: 'com.acme', fields: [{ name: 'name', type: 'int' }] })
    const res = await h.call('POST', '/topics/evolving', { headers: { 'content-type': AVRO }, body: { value_schema: incompatible, records: [{ value: { name: 1 } }] } })
    expect(res.status).toBe(422)
    expect(res.body).toMatchObject({ error_code: 42207, message: expect.stringContaining('incompatible') })
    expect((await registryClient(h.url).get('/subjects/evolving-value/versions')).body).toEqual([1])
  })

  it('jsonschema: validates records against the schema and stores 0x00 + id + JSON text', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string', maxLength: 20 } }, required: ['id'] })
    const ok = await h.call('POST', '/topics/people', { headers: { 'content-type': JSONSCHEMA }, body: { value_schema: schema, records: [{ value: { id: 1, email: 'a@b.c' } }] } })
    expect(ok.status).toBe(200)
    const id = (ok.body as { value_schema_id: number }).value_schema_id
    expect((await registryClient(h.url).get(`/schemas/ids/${id}`)).body).toMatchObject({ schemaType: 'JSON' })
    const bad = await h.call('POST', '/topics/people', { headers: { 'content-type': JSONSCHEMA }, body: { value_schema_id: id, records: [{ value: { id: 2 } }, { value: { email: 'no id' } }] } })
    expect(bad.status).toBe(400)
    expect((bad.body as { message: string }).message).toMatch(/does not conform.*id/)
    const stored = await storedValues('people')
    expect(stored).toHaveLength(1)
    const b = stored[0] as Buffer
    expect(b[0]).toBe(0)
    expect(b.readInt32BE(1)).toBe(id)
    expect(JSON.parse(b.subarray(5).toString('utf8'))).toEqual({ id: 1, email: 'a@b.c' })
    expect(h.gateway.formats.get('jsonschema').deserialize(b, { topic: 'people', isKey: false })).toEqual({ id: 1, email: 'a@b.c' })
    // an Avro schema id is not usable for jsonschema data
    const avroId = (await registryClient(h.url).register('some-avro', '"string"')).body as { id: number }
    const wrongType = await h.call('POST', '/topics/people', { headers: { 'content-type': JSONSCHEMA }, body: { value_schema_id: avroId.id, records: [{ value: 'x' }] } })
    expect(wrongType.status).toBe(422)
  })
})

describe('consumers with avro / jsonschema format', () => {
  it('decode records by their embedded schema id', async () => {
    await h.call('POST', '/topics/cons-avro', { headers: { 'content-type': AVRO }, body: { value_schema: userSchema, records: [{ value: { name: 'zed', age: { int: 9 } } }] } })
    const created = await h.call('POST', '/consumers/reg-g1', { headers: { 'content-type': V2 }, body: { name: 'c1', format: 'avro', 'auto.offset.reset': 'earliest' } })
    expect(created.status).toBe(200)
    const base = '/consumers/reg-g1/instances/c1'
    expect((await h.call('POST', `${base}/subscription`, { headers: { 'content-type': V2 }, body: { topics: ['cons-avro'] } })).status).toBe(204)
    let records: Array<{ value: unknown }> = []
    for (let i = 0; i < 20 && records.length === 0; i++) {
      const res = await h.call('GET', `${base}/records?timeout=500`, { headers: { accept: AVRO } })
      expect(res.status).toBe(200)
      records = res.body as Array<{ value: unknown }>
    }
    expect(records[0]?.value).toEqual({ name: 'zed', age: { int: 9 }, tags: [] })
    await h.call('DELETE', base, { headers: { 'content-type': V2 } })
  })

  it('jsonschema consumers get the JSON back', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { n: { type: 'integer' } } })
    expect((await h.call('POST', '/topics/cons-json', { headers: { 'content-type': JSONSCHEMA }, body: { value_schema: schema, records: [{ value: { n: 7 } }] } })).status).toBe(200)
    expect((await h.call('POST', '/consumers/reg-g2', { headers: { 'content-type': V2 }, body: { name: 'c2', format: 'jsonschema', 'auto.offset.reset': 'earliest' } })).status).toBe(200)
    const base = '/consumers/reg-g2/instances/c2'
    await h.call('POST', `${base}/subscription`, { headers: { 'content-type': V2 }, body: { topics: ['cons-json'] } })
    let records: Array<{ value: unknown }> = []
    for (let i = 0; i < 20 && records.length === 0; i++) {
      const res = await h.call('GET', `${base}/records?timeout=500`, { headers: { accept: JSONSCHEMA } })
      expect(res.status).toBe(200)
      records = res.body as Array<{ value: unknown }>
    }
    expect(records[0]?.value).toEqual({ n: 7 })
    await h.call('DELETE', base, { headers: { 'content-type': V2 } })
  })
})
