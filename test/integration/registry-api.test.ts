import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'

const V1 = 'application/vnd.schemaregistry.v1+json'
const rec = (fields: unknown[], name = 'R'): Record<string, unknown> => ({ type: 'record', name, fields })

let h: Harness
let c: RegistryClient
beforeAll(async () => {
  h = await startHarness()
  const url = h.gateway.registryUrl
  if (url === undefined) throw new Error('registry listener not started')
  c = registryClient(url)
})
afterAll(async () => { await h.close() })

describe('schema registry HTTP API', () => {
  it('serves the root, schema types and contexts', async () => {
    expect((await c.get('/')).body).toEqual({})
    const types = await c.get('/schemas/types')
    expect(types.status).toBe(200)
    expect(types.contentType).toContain(V1)
    expect((types.body as string[]).sort()).toEqual(['AVRO', 'JSON', 'PROTOBUF'])
    expect((await c.get('/contexts')).body).toEqual(['.'])
  })

  it('registers (200 + id), reuses ids across subjects, lists subjects and versions', async () => {
    const s1 = rec([{ name: 'a', type: 'int' }], 'Basic')
    const r1 = await c.register('basic-value', s1)
    expect(r1.status).toBe(200)
    expect(r1.body).toEqual({ id: expect.any(Number), version: 1, schemaType: 'AVRO', schema: expect.any(String) })
    const id = (r1.body as { id: number }).id
    expect((await c.register('basic-value', s1)).body).toMatchObject({ id, version: 1 })
    expect((await c.register('basic-other', s1)).body).toMatchObject({ id, version: 1 })
    expect((await c.get('/subjects')).body).toEqual(expect.arrayContaining(['basic-value', 'basic-other']))
    expect((await c.get('/subjects/basic-value/versions')).body).toEqual([1])
    const v = await c.get('/subjects/basic-value/versions/latest')
    expect(v.body).toEqual({ subject: 'basic-value', version: 1, id, schema: JSON.stringify(s1) })
    expect((await c.get('/subjects/basic-value/versions/-1')).body).toMatchObject({ version: 1 })
    const raw = await c.get('/subjects/basic-value/versions/1/schema')
    expect(raw.body).toEqual(s1)
    expect((await c.get(`/schemas/ids/${id}`)).body).toEqual({ schema: JSON.stringify(s1) })
    expect((await c.get(`/schemas/ids/${id}/schema`)).body).toEqual(s1)
    expect((await c.get(`/schemas/ids/${id}?subject=basic-value&fetchMaxId=true`)).body).toEqual({ schema: JSON.stringify(s1), subject: 'basic-value', version: 1, maxId: expect.any(Number) })
    expect((await c.get(`/schemas/ids/${id}/subjects`)).body).toEqual(['basic-other', 'basic-value'])
    expect((await c.get(`/schemas/ids/${id}/versions`)).body).toEqual([{ subject: 'basic-other', version: 1 }, { subject: 'basic-value', version: 1 }])
    const look = await c.post('/subjects/basic-value', { schema: JSON.stringify(s1) })
    expect(look.body).toEqual({ subject: 'basic-value', id, version: 1, schema: JSON.stringify(s1) })
    expect((await c.get('/schemas')).status).toBe(200)
  })

  it('answers the reference error codes', async () => {
    const expectErr = (r: { status: number, body: unknown }, status: number, code: number): void => {
      expect(r.status).toBe(status)
      expect(r.body).toMatchObject({ error_code: code, message: expect.any(String) })
    }
    expectErr(await c.get('/subjects/nope/versions'), 404, 40401)
    expectErr(await c.get('/subjects/nope/versions/1'), 404, 40401)
    await c.register('codes', '"string"')
    expectErr(await c.get('/subjects/codes/versions/9'), 404, 40402)
    expectErr(await c.get('/subjects/codes/versions/0'), 422, 42202)
    expectErr(await c.get('/subjects/codes/versions/abc'), 422, 42202)
    expectErr(await c.get('/schemas/ids/99999'), 404, 40403)
    expectErr(await c.get('/schemas/ids/abc'), 404, 404)
    expectErr(await c.post('/subjects/codes', { schema: '"int"' }), 404, 40403)
    expectErr(await c.register('codes', '{"type":"nope"}'), 422, 42201)
    expectErr(await c.register('codes', ''), 422, 42201)
    expectErr(await c.register('codes', '"int"', { schemaType: 'PROTOBUF' }), 422, 42201)
    expectErr(await c.post('/subjects/codes/versions', {}), 422, 42201)
    expectErr(await c.post('/subjects/codes/versions', '{"schema": '), 400, 400)
    expectErr(await c.register('codes', '"int"'), 409, 409)
    expectErr(await c.put('/config', { compatibility: 'SIDEWAYS' }), 422, 42203)
    expectErr(await c.put('/mode', { mode: 'SIDEWAYS' }), 422, 42204)
    expectErr(await c.get('/config/codes'), 404, 40408)
    expectErr(await c.get('/mode/codes'), 404, 40409)
    expectErr(await c.register('bad\tsubject', '"int"'), 422, 42208)
    expectErr(await c.get('/no/such/route'), 404, 404)
    expectErr(await c.call('PUT', '/subjects/codes/versions', { schema: '"int"' }), 405, 405)
    expectErr(await c.call('DELETE', '/schemas/types'), 405, 405)
    // unknown body fields are ignored
    expect((await c.post('/subjects/codes/versions', { schema: '"string"', metadata: null, ruleSet: null, whatever: 1 })).status).toBe(200)
  })

  it('reports incompatible schemas with 409 and says what broke', async () => {
    await c.register('evolve', rec([{ name: 'a', type: 'int' }]))
    const bad = await c.register('evolve', rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }]))
    expect(bad.status).toBe(409)
    expect((bad.body as { message: string }).message).toMatch(/incompatible.*READER_FIELD_MISSING_DEFAULT_VALUE.*'b'.*oldSchemaVersion: 1.*compatibility: 'BACKWARD'/)
    const check = await c.post('/compatibility/subjects/evolve/versions/latest?verbose=true', { schema: JSON.stringify(rec([{ name: 'a', type: 'string' }])) })
    expect(check.status).toBe(200)
    expect(check.body).toMatchObject({ is_compatible: false, messages: expect.arrayContaining([expect.stringMatching(/TYPE_MISMATCH.*fields\/0\/type.*reader type: STRING not compatible with writer type: INT/)]) })
    expect((await c.post('/compatibility/subjects/evolve/versions/latest', { schema: JSON.stringify(rec([{ name: 'a', type: 'long' }])) })).body).toEqual({ is_compatible: true })
    expect((await c.post('/compatibility/subjects/evolve/versions?verbose=true', { schema: JSON.stringify(rec([{ name: 'a', type: 'long' }])) })).body).toEqual({ is_compatible: true, messages: [] })
    expect((await c.post('/compatibility/subjects/evolve/versions/5', { schema: '"int"' })).body).toMatchObject({ error_code: 40402 })
    expect((await c.post('/compatibility/subjects/fresh-subject/versions/latest', { schema: '"int"' })).body).toEqual({ is_compatible: true })
    // checks never change state
    expect((await c.get('/subjects/evolve/versions')).body).toEqual([1])
    const good = await c.register('evolve', rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: 'x' }]))
    expect(good.status).toBe(200)
    expect((await c.get('/subjects/evolve/versions')).body).toEqual([1, 2])
  })

  it('config: global and subject levels, request key compatibility, response key compatibilityLevel', async () => {
    expect((await c.get('/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' })
    expect((await c.put('/config/cfg-subject', { compatibility: 'full' })).body).toEqual({ compatibility: 'FULL' })
    expect((await c.get('/config/cfg-subject')).body).toEqual({ compatibilityLevel: 'FULL' })
    expect((await c.get('/config/other?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' })
    expect((await c.del('/config/cfg-subject')).body).toEqual({ compatibilityLevel: 'FULL' })
    expect((await c.del('/config/cfg-subject')).body).toMatchObject({ error_code: 40401 })
    expect((await c.get('/mode')).body).toEqual({ mode: 'READWRITE' })
    expect((await c.put('/mode/ro-subject', { mode: 'READONLY' })).body).toEqual({ mode: 'READONLY' })
    expect((await c.register('ro-subject', '"int"')).body).toMatchObject({ error_code: 42205 })
    expect((await c.get('/mode/ro-subject')).body).toEqual({ mode: 'READONLY' })
    expect((await c.del('/mode/ro-subject')).body).toEqual({ mode: 'READONLY' })
    expect((await c.register('ro-subject', '"int"')).status).toBe(200)
  })

  it('soft and permanent deletes of versions and subjects', async () => {
    await c.put('/config/del', { compatibility: 'NONE' })
    const id1 = ((await c.register('del', '"int"')).body as { id: number }).id
    await c.register('del', '"long"')
    expect((await c.del('/subjects/del/versions/2?permanent=true')).body).toMatchObject({ error_code: 40407 })
    expect((await c.del('/subjects/del/versions/latest')).body).toBe(2)
    expect((await c.del('/subjects/del/versions/2')).body).toMatchObject({ error_code: 40406 })
    expect((await c.get('/subjects/del/versions')).body).toEqual([1])
    expect((await c.get('/subjects/del/versions?deleted=true')).body).toEqual([1, 2])
    expect((await c.get('/subjects/del/versions/2?deleted=true')).body).toMatchObject({ version: 2 })
    expect((await c.del('/subjects/del/versions/2?permanent=true')).body).toBe(2)
    expect((await c.del('/subjects/del?permanent=true')).body).toMatchObject({ error_code: 40405 })
    expect((await c.del('/subjects/del')).body).toEqual([1])
    expect((await c.del('/subjects/del')).body).toMatchObject({ error_code: 40404 })
    expect((await c.get('/subjects')).body).not.toContain('del')
    expect((await c.get('/subjects?deleted=true')).body).toContain('del')
    expect((await c.get(`/schemas/ids/${id1}`)).status).toBe(200)
    expect((await c.del('/subjects/del?permanent=true')).body).toEqual([1])
    expect((await c.get('/subjects/del/versions?deleted=true')).body).toMatchObject({ error_code: 40401 })
    expect((await c.del('/subjects/del')).body).toMatchObject({ error_code: 40401 })
  })

  it('references: Avro named types across subjects; referencedby; deletion blocked with 42206', async () => {
    const addr = { type: 'record', name: 'Address', namespace: 'com.acme', fields: [{ name: 'street', type: 'string' }] }
    const aid = ((await c.register('address', addr)).body as { id: number }).id
    const person = { type: 'record', name: 'Person', namespace: 'com.acme', fields: [{ name: 'home', type: 'com.acme.Address' }] }
    expect((await c.register('person', person)).body).toMatchObject({ error_code: 42201 })
    const refs = [{ name: 'com.acme.Address', subject: 'address', version: 1 }]
    const pid = ((await c.register('person', person, { references: refs })).body as { id: number }).id
    expect(pid).not.toBe(aid)
    expect((await c.get('/subjects/person/versions/1')).body).toMatchObject({ references: refs })
    expect((await c.get(`/schemas/ids/${pid}`)).body).toMatchObject({ references: refs })
    expect((await c.get('/subjects/address/versions/1/referencedby')).body).toEqual([pid])
    expect((await c.del('/subjects/address/versions/1')).body).toMatchObject({ error_code: 42206 })
    expect((await c.del('/subjects/address')).body).toMatchObject({ error_code: 42206 })
    // JSON Schema $ref to another subject
    const money = { type: 'object', properties: { cents: { type: 'integer' } }, required: ['cents'] }
    await c.register('money.json', money, { schemaType: 'JSON' })
    const invoice = { type: 'object', properties: { total: { $ref: 'money.json' } } }
    expect((await c.register('invoice', invoice, { schemaType: 'JSON' })).body).toMatchObject({ error_code: 42201 })
    const jsonRefs = [{ name: 'money.json', subject: 'money.json', version: 1 }]
    const iid = ((await c.register('invoice', invoice, { schemaType: 'JSON', references: jsonRefs })).body as { id: number }).id
    expect((await c.get('/subjects/money.json/versions/1/referencedby')).body).toEqual([iid])
    expect((await c.get(`/schemas/ids/${iid}`)).body).toEqual({ schemaType: 'JSON', references: jsonRefs, schema: JSON.stringify(invoice) })
    // a permanent delete is blocked by any referrer, even a soft-deleted one
    expect((await c.del('/subjects/invoice')).body).toEqual([1])
    expect((await c.del('/subjects/money.json')).body).toEqual([1])
    expect((await c.del('/subjects/money.json?permanent=true')).body).toMatchObject({ error_code: 42206 })
    expect((await c.del('/subjects/invoice?permanent=true')).body).toEqual([1])
    expect((await c.del('/subjects/money.json?permanent=true')).body).toEqual([1])
  })

  it('JSON Schema: schemaType round trip and Confluent STRICT open/closed content model rules', async () => {
    const open = { type: 'object', properties: { a: { type: 'string' } } }
    const r = await c.register('js-open', open, { schemaType: 'JSON' })
    expect(r.status).toBe(200)
    const id = (r.body as { id: number }).id
    expect((await c.get(`/schemas/ids/${id}`)).body).toEqual({ schemaType: 'JSON', schema: JSON.stringify(open) })
    const added = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } }
    expect((await c.register('js-open', added, { schemaType: 'JSON' })).status).toBe(409)
    const closed = { ...open, additionalProperties: false }
    await c.register('js-closed', closed, { schemaType: 'JSON' })
    expect((await c.register('js-closed', { ...added, additionalProperties: false }, { schemaType: 'JSON' })).status).toBe(200)
    // widening integer→number ok, narrowing back not
    await c.register('js-num', { type: 'integer' }, { schemaType: 'JSON' })
    expect((await c.register('js-num', { type: 'number' }, { schemaType: 'JSON' })).status).toBe(200)
    expect((await c.register('js-num', { type: 'integer', maximum: 3 }, { schemaType: 'JSON' })).status).toBe(409)
    expect((await c.post('/subjects/js-num', { schemaType: 'JSON', schema: '{ "type" : "number" }' })).body).toMatchObject({ version: 2, schemaType: 'JSON' })
  })

  it('IMPORT mode takes ids and versions as given; READWRITE refuses ids', async () => {
    expect((await c.put('/mode/imported', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' })
    expect((await c.register('imported', '"float"', { id: 5000, version: 3 })).body).toMatchObject({ id: 5000, version: 3 })
    expect((await c.get('/subjects/imported/versions/3')).body).toMatchObject({ id: 5000, version: 3, schema: '"float"' })
    expect((await c.register('imported', '"double"', { id: 5000, version: 4 })).body).toMatchObject({ error_code: 42207 })
    expect((await c.put('/mode/basic-value', { mode: 'IMPORT' })).body).toMatchObject({ error_code: 42205 })
    await c.put('/mode/imported', { mode: 'READWRITE' })
    expect((await c.register('imported', '"double"', { id: 6000 })).body).toMatchObject({ error_code: 42205 })
    // new ids continue above imported ones
    expect(((await c.register('after-import', '"double"')).body as { id: number }).id).toBeGreaterThan(5000)
  })

  it('concurrent registrations get one id per distinct schema and gap-free versions', async () => {
    const schemas = Array.from({ length: 6 }, (_, i) => ({ type: 'record', name: `C${i}`, fields: [{ name: 'f', type: 'int' }] }))
    for (const subject of ['conc-0', 'conc-1', 'conc-2']) await c.put(`/config/${subject}`, { compatibility: 'NONE' })
    const results = await Promise.all(Array.from({ length: 36 }, async (_, k) => {
      const schema = schemas[k % 6]
      const subject = `conc-${k % 3}`
      const r = await c.post(`/subjects/${subject}/versions`, { schema: JSON.stringify(schema) })
      expect(r.status).toBe(200)
      return { schema: k % 6, id: (r.body as { id: number }).id }
    }))
    const idsBySchema = new Map<number, Set<number>>()
    for (const r of results) idsBySchema.set(r.schema, (idsBySchema.get(r.schema) ?? new Set()).add(r.id))
    for (const ids of idsBySchema.values()) expect(ids.size).toBe(1)
    expect(new Set(results.map((r) => r.id)).size).toBe(6)
    for (const subject of ['conc-0', 'conc-1', 'conc-2']) {
      // each subject got two distinct schemas, each registered twice: versions 1 and 2, no gaps, no duplicates
      expect((await c.get(`/subjects/${subject}/versions`)).body).toEqual([1, 2])
    }
  })

  it('content negotiation and request content types', async () => {
    const javaAccept = 'text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2'
    expect((await c.get('/subjects', { accept: javaAccept })).contentType).toContain(V1)
    expect((await c.get('/subjects', { accept: 'application/json' })).contentType).toContain('application/json')
    expect((await c.get('/subjects', { accept: 'application/vnd.schemaregistry.v2+json;q=0.1, application/vnd.schemaregistry+json;q=0.9' })).contentType).toContain('application/vnd.schemaregistry+json')
    const na = await c.get('/subjects', { accept: 'text/plain' })
    expect(na.status).toBe(406)
    expect(na.body).toEqual({ error_code: 406, message: 'HTTP 406 Not Acceptable' })
    const plain = await c.call('POST', '/subjects/ct/versions', JSON.stringify({ schema: '"int"' }), { 'content-type': 'application/json; charset=utf-8' })
    expect(plain.status).toBe(200)
    const html = await c.call('POST', '/subjects/ct/versions', '<x/>', { 'content-type': 'text/html' })
    expect(html.status).toBe(415)
    expect(html.body).toEqual({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
  })

  it('subjects with slashes and other characters are path-encoded', async () => {
    const subject = 'test_sche/ma:lifecycle{"x"}'
    expect((await c.register(subject, '"boolean"')).status).toBe(200)
    expect((await c.get(`/subjects/${encodeURIComponent(subject)}/versions`)).body).toEqual([1])
    expect((await c.get('/subjects')).body).toContain(subject)
  })

  it('is also served on the REST API port (no clash with the REST proxy)', async () => {
    const res = await request(`${h.url}/subjects/basic-value/versions/1`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.json()).toMatchObject({ subject: 'basic-value', version: 1 })
    const missing = await request(`${h.url}/subjects/nope/versions`)
    expect(missing.statusCode).toBe(404)
    expect(await missing.body.json()).toMatchObject({ error_code: 40401 })
    const root = await request(`${h.url}/`, { headers: { accept: 'application/vnd.kafka.v2+json' } })
    expect(root.statusCode).toBe(200)
    const main = registryClient(h.url)
    expect((await main.register('main-port', '"int"')).status).toBe(200)
    expect((await main.register('main-port', '"string"')).body).toMatchObject({ error_code: 409 })
    expect((await main.call('POST', '/subjects/main-port/versions', '<x/>', { 'content-type': 'text/html' })).body).toEqual({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' })
    expect((await main.call('POST', '/subjects/main-port/versions', '{"schema":', {})).body).toMatchObject({ error_code: 400 })
    expect((await main.get('/subjects', { accept: 'text/plain' })).status).toBe(406)
    expect((await main.get('/subjects/main-port/versions/zero')).body).toMatchObject({ error_code: 42202 })
  })
})
