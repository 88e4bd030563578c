/**
 * Issue 13, the registry's part, over real HTTP: user patterns run in linear time (item 4), a JSON Schema that is a
 * pure `$ref` cycle is refused at registration and schemas over the size limit get a 4xx (item 12).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BINARY, V2, b64, startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'

let h: Harness
let sr: RegistryClient
const JSONSCHEMA_V2 = 'application/vnd.kafka.jsonschema.v2+json'

beforeAll(async () => {
  h = await startHarness({ 'schema.max.bytes': 200_000 })
  sr = registryClient(h.gateway.registryUrl ?? '')
})
afterAll(async () => { await h?.close() })

/**
 * Patterns that backtrack badly on V8's engine, including the bounded-quantifier bypass of the old guard
 * (`.{0,16}` seven times then `x`: it counted as no unbounded repetition and froze the server for 10 to 45 s).
 */
const BACKTRACKING = [
  '.{0,16}'.repeat(7) + 'x',
  '(.{0,16}){7}x',
  'a{0,15}'.repeat(8) + 'b',
  '(a+)+b',
  '(a|a)*b',
  '(a*)*$',
  '.*.*.*.*.*.*x',
  '(\\w+\\s?)*!',
  '(.*a){12}',
  'a{1,100}a{1,100}a{1,100}b',
  '(?:a|aa)+c',
]

/** Each call must come back well within this (the same calls took 10 s and more on a backtracking engine). */
const FAST_MS = 3000

async function timed<T> (fn: () => Promise<T>): Promise<{ ms: number, result: T }> {
  const t0 = performance.now()
  const result = await fn()
  return { ms: performance.now() - t0, result }
}

describe('ReDoS: user patterns run in linear time (issue 13 item 4)', () => {
  it.each(BACKTRACKING)('topic_pattern %s subscribes, and a long topic name is matched against it at once', async (pattern) => {
    const group = `redos-${Buffer.from(pattern).toString('hex').slice(0, 24)}`
    expect((await h.call('POST', `/consumers/${group}`, { body: { name: 'c', format: 'binary' } })).status).toBe(200)
    expect((await h.call('POST', `/consumers/${group}/instances/c/subscription`, { body: { topic_pattern: pattern } })).status).toBe(204)
    // creating a topic matches its name against every subscribed pattern
    const topic = 'a'.repeat(200)
    const { ms, result } = await timed(async () => await h.call('POST', `/topics/${topic}`, { body: { records: [{ value: b64('x') }] }, headers: { 'content-type': BINARY } }))
    expect(result.status).toBe(200)
    expect(ms).toBeLessThan(FAST_MS)
    const r = await timed(async () => await h.call('GET', `/consumers/${group}/instances/c/records?timeout=100`, { headers: { accept: BINARY } }))
    expect(r.result.status).toBe(200)
    expect(r.ms).toBeLessThan(FAST_MS)
    expect((await h.call('DELETE', `/consumers/${group}/instances/c`, { headers: { 'content-type': V2 } })).status).toBe(204)
  })

  it('a topic_pattern matches whole names, as Java\'s Pattern.matches does', async () => {
    expect((await h.call('POST', '/consumers/whole', { body: { name: 'c', format: 'binary', 'auto.offset.reset': 'earliest' } })).status).toBe(200)
    expect((await h.call('POST', '/consumers/whole/instances/c/subscription', { body: { topic_pattern: 'whole-[0-9]+' } })).status).toBe(204)
    for (const t of ['whole-1', 'whole-1x', 'xwhole-2']) {
      expect((await h.call('POST', `/topics/${t}`, { body: { records: [{ value: b64(t) }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    }
    const seen = new Set<string>()
    for (let i = 0; i < 20 && seen.size === 0; i++) {
      const r = await h.call('GET', '/consumers/whole/instances/c/records?timeout=500', { headers: { accept: BINARY } })
      for (const rec of r.body as Array<{ topic: string }>) seen.add(rec.topic)
    }
    expect([...seen]).toEqual(['whole-1'])
  })

  it.each(['(a)\\1', '(?<x>a)\\k<x>', '(?=a)a', '(?!a)b', '(?<=a)b', '(', 'x'.repeat(1001)])('topic_pattern %s that a linear-time engine cannot run answers 400', async (pattern) => {
    const group = `unsafe-${Buffer.from(pattern).toString('hex').slice(0, 24)}`
    expect((await h.call('POST', `/consumers/${group}`, { body: { name: 'c', format: 'binary' } })).status).toBe(200)
    const r = await h.call('POST', `/consumers/${group}/instances/c/subscription`, { body: { topic_pattern: pattern } })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({ error_code: 400, message: expect.stringContaining('topic_pattern') })
  })

  it.each(BACKTRACKING)('JSON Schema pattern %s registers, and produce validates a long value at once', async (pattern) => {
    const subject = `redos-${Buffer.from(pattern).toString('hex').slice(0, 24)}`
    const schema = JSON.stringify({ type: 'object', properties: { s: { type: 'string', pattern } }, patternProperties: { [pattern]: { type: 'integer' } } })
    const reg = await sr.register(`${subject}-value`, schema, { schemaType: 'JSON' })
    expect(reg.status).toBe(200)
    const id = (reg.body as { id: number }).id
    for (const long of ['a'.repeat(5000), 'a'.repeat(100) + '!']) {
      const { ms, result } = await timed(async () => await h.call('POST', `/topics/${subject}`, {
        raw: JSON.stringify({ value_schema_id: id, records: [{ value: { s: long, [long]: 'not an integer' } }] }),
        headers: { 'content-type': JSONSCHEMA_V2 }
      }))
      expect(ms).toBeLessThan(FAST_MS)
      expect([200, 400]).toContain(result.status) // 400 when the value does not conform: either way, at once
    }
  })

  it('JSON Schema patterns are still enforced', async () => {
    const reg = await sr.register('pattern-enforced-value', { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2}$' } }, patternProperties: { '^x-': { type: 'integer' } } }, { schemaType: 'JSON' })
    expect(reg.status).toBe(200)
    const id = (reg.body as { id: number }).id
    const produce = async (value: unknown): Promise<number> => (await h.call('POST', '/topics/pattern-enforced', {
      raw: JSON.stringify({ value_schema_id: id, records: [{ value }] }), headers: { 'content-type': JSONSCHEMA_V2 }
    })).status
    expect(await produce({ code: 'ABC-12', 'x-n': 3 })).toBe(200)
    expect(await produce({ code: 'ABC-123' })).toBe(400)
    expect(await produce({ code: 'abc-12' })).toBe(400)
    expect(await produce({ 'x-n': 'three' })).toBe(400)
  })

  it.each([
    { type: 'string', pattern: '(a)\\1' },
    { type: 'string', pattern: '(?=a)a' },
    { type: 'object', patternProperties: { '(?<!a)b': {} } },
    { type: 'object', propertyNames: { pattern: '(x)\\1' } },
    { type: 'string', pattern: 'x'.repeat(1001) },
  ])('JSON Schema %j whose pattern a linear-time engine cannot run is refused with 42201', async (schema) => {
    const r = await sr.register('unsafe-pattern-value', schema, { schemaType: 'JSON' })
    expect(r.status).toBe(422)
    expect(r.body).toEqual({ error_code: 42201, message: expect.stringContaining('pattern') })
  })
})

describe('JSON Schema $ref cycles and schema size (issue 13 item 12)', () => {
  it.each([
    { $ref: '#' },
    { definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } }, $ref: '#/definitions/a' },
    { type: 'object', properties: { x: { $ref: '#/definitions/a' } }, definitions: { a: { $ref: '#/definitions/a' } } },
    { allOf: [{ $ref: '#' }] },
    { $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: { a: { anyOf: [{ $ref: '#/$defs/b' }] }, b: { not: { $ref: '#/$defs/a' } } }, $ref: '#/$defs/a' },
  ])('a pure $ref cycle %j is refused at registration with 42201 (it used to register, then every produce answered 500)', async (schema) => {
    const r = await sr.register('ref-cycle-value', schema, { schemaType: 'JSON' })
    expect(r.status).toBe(422)
    expect(r.body).toEqual({ error_code: 42201, message: expect.stringContaining('cycle') })
    const p = await h.call('POST', '/topics/ref-cycle', { raw: JSON.stringify({ value_schema: JSON.stringify(schema), records: [{ value: { x: 1 } }] }), headers: { 'content-type': JSONSCHEMA_V2 } })
    expect(p.status).toBe(422)
  })

  it('a $ref cycle through a property (a recursive type) still registers and validates', async () => {
    const tree = { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } }, required: ['value'] }
    const r = await sr.register('tree-value', tree, { schemaType: 'JSON' })
    expect(r.status).toBe(200)
    const id = (r.body as { id: number }).id
    const produce = async (value: unknown): Promise<number> => (await h.call('POST', '/topics/tree', {
      raw: JSON.stringify({ value_schema_id: id, records: [{ value }] }), headers: { 'content-type': JSONSCHEMA_V2 }
    })).status
    expect(await produce({ value: 1, children: [{ value: 2, children: [] }] })).toBe(200)
    expect(await produce({ value: 1, children: [{ children: [] }] })).toBe(400)
  })

  it('a schema over schema.max.bytes answers 422/42209 naming the limit, and one under it registers', async () => {
    const big = (n: number): string => JSON.stringify({ type: 'object', description: 'd'.repeat(n) })
    const over = await sr.register('big-value', big(250_000), { schemaType: 'JSON' })
    expect(over.status).toBe(422)
    expect(over.body).toEqual({ error_code: 42209, message: expect.stringContaining('schema.max.bytes') })
    expect((await sr.register('big-value', big(150_000), { schemaType: 'JSON' })).status).toBe(200)
    // quotes double in the stored record: the limit counts what is stored, not only the text sent
    const quoted = JSON.stringify({ type: 'object', description: '"'.repeat(120_000) })
    const q = await sr.register('big-quoted-value', quoted, { schemaType: 'JSON' })
    expect(q.status).toBe(422)
    expect((q.body as { error_code: number }).error_code).toBe(42209)
  })
})

describe('a schema the journal cannot hold (issue 13 item 12)', () => {
  let big: Harness
  beforeAll(async () => { big = await startHarness({ 'schema.max.bytes': 4_000_000 }) })
  afterAll(async () => { await big?.close() })

  it('a schema over 1 MB answers 4xx, not 500/50001, even when the limit is set above the _schemas topic\'s record limit', async () => {
    const c = registryClient(big.gateway.registryUrl ?? '')
    const r = await c.register('huge-value', JSON.stringify({ type: 'object', description: 'd'.repeat(1_200_000) }), { schemaType: 'JSON' })
    expect(r.status).toBe(422)
    expect(r.body).toEqual({ error_code: 42209, message: expect.any(String) })
    expect((await c.get('/subjects')).body).toEqual([])
  })
})
