/** Bad input never yields a 500 or a crash from the registry API: always a 4xx with {error_code, message}. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'

let h: Harness
let c: RegistryClient
beforeAll(async () => {
  h = await startHarness()
  c = registryClient(h.gateway.registryUrl ?? '')
  await c.register('fuzz', { type: 'record', name: 'F', fields: [{ name: 'a', type: 'int' }] })
})
afterAll(async () => { await h.close() })

const schemaish = fc.oneof(
  fc.json(),
  fc.constantFrom('"int"', '{"type":"record","name":"X","fields":[]}', '{"type":"record"}', '{"type":"enum","name":"E","symbols":["A","A"]}',
    '{"type":"array"}', '[]', '["null"]', '{"type":"fixed","name":"F","size":-1}', '{"type":"record","name":"1bad","fields":[]}',
    '{"type":"object","properties":{"a":{"$ref":"#/nope"}}}', '{"type":"object","required":"a"}', 'null', '"notatype"'),
  fc.string()
)

const body = fc.oneof(
  fc.record({ schema: schemaish }, { requiredKeys: [] }),
  fc.record({ schema: schemaish, schemaType: fc.constantFrom('AVRO', 'JSON', 'PROTOBUF', 'avro', 'json', 'XML', '') }),
  fc.record({ schema: schemaish, references: fc.array(fc.record({ name: fc.string(), subject: fc.string(), version: fc.oneof(fc.integer(), fc.constant(-1)) })) }),
  fc.anything()
)

describe('registry bad input', () => {
  it('register, lookup and compatibility answer 200/404/409/422/400, never 500', async () => {
    await fc.assert(fc.asyncProperty(body, fc.constantFrom('POST /subjects/fuzz/versions', 'POST /subjects/fuzz', 'POST /compatibility/subjects/fuzz/versions/latest?verbose=true', 'POST /compatibility/subjects/fuzz/versions', 'POST /subjects/fuzz-new/versions'), async (b, route) => {
      const [, path] = route.split(' ')
      const res = await c.post(path ?? '', JSON.stringify(b) ?? 'null')
      expect([200, 400, 404, 409, 422]).toContain(res.status)
      if (res.status !== 200) expect(res.body).toMatchObject({ error_code: expect.any(Number), message: expect.any(String) })
    }), { numRuns: 300 })
  })

  it('odd path parameters and config bodies are 4xx', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ minLength: 1 }), fc.anything(), async (seg, cfg) => {
      const s = encodeURIComponent(seg)
      for (const [method, path, payload] of [
        ['GET', `/subjects/fuzz/versions/${s}`, undefined],
        ['DELETE', `/subjects/${s}/versions/${s}`, undefined],
        ['GET', `/schemas/ids/${s}`, undefined],
        ['PUT', `/config/${s}`, JSON.stringify(cfg) ?? 'null'],
        ['PUT', `/mode/${s}`, JSON.stringify(cfg) ?? 'null'],
        ['GET', `/subjects/${s}/versions/latest/referencedby`, undefined]
      ] as Array<['GET' | 'PUT' | 'DELETE', string, string | undefined]>) {
        const res = await c.call(method, path, payload)
        expect(res.status, `${method} ${path}`).toBeLessThan(500)
        if (res.status >= 400) expect(res.body).toMatchObject({ error_code: expect.any(Number), message: expect.any(String) })
      }
    }), { numRuns: 100 })
    // and the registry still works
    expect((await c.get('/subjects/fuzz/versions')).body).toEqual([1])
  })
})
