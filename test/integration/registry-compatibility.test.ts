/** The schema evolution matrix end to end over HTTP: compatibility checks, register (200 / 409) and transitive levels. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient, type RegistryClient } from './registry-helpers.js'
import { avroCases, jsonCases, transitiveAvro, type CompatCase } from '../fixtures/registry/compat-cases.js'

let h: Harness
let c: RegistryClient
beforeAll(async () => {
  h = await startHarness()
  c = registryClient(h.gateway.registryUrl ?? '')
})
afterAll(async () => { await h.close() })

let n = 0
for (const [title, cases] of [['Avro', avroCases], ['JSON Schema', jsonCases]] as Array<[string, CompatCase[]]>) {
  describe(`${title} evolution matrix over HTTP`, () => {
    for (const cs of cases) {
      for (const [level, ok] of Object.entries(cs.expect)) {
        it(`${cs.name}: ${level} → ${ok ? 'compatible' : 'incompatible'}`, async () => {
          const subject = `matrix-${++n}`
          const body = (schema: string): Record<string, unknown> => cs.schemaType === 'AVRO' ? { schema } : { schema, schemaType: 'JSON' }
          expect((await c.put(`/config/${subject}`, { compatibility: level })).status).toBe(200)
          expect((await c.post(`/subjects/${subject}/versions`, body(cs.old))).status).toBe(200)
          const check = await c.post(`/compatibility/subjects/${subject}/versions/latest?verbose=true`, body(cs.new))
          expect(check.status).toBe(200)
          expect(check.body).toMatchObject({ is_compatible: ok })
          const reg = await c.post(`/subjects/${subject}/versions`, body(cs.new))
          if (ok) {
            expect(reg.status).toBe(200)
            expect((await c.get(`/subjects/${subject}/versions`)).body).toEqual([1, 2])
          } else {
            expect(reg.status).toBe(409)
            expect(reg.body).toMatchObject({ error_code: 409, message: expect.stringContaining('incompatible') })
            expect((await c.get(`/subjects/${subject}/versions`)).body).toEqual([1])
          }
        })
      }
    }
  })
}

describe('transitive levels over HTTP', () => {
  for (const [level, transitiveOk] of [['BACKWARD', true], ['BACKWARD_TRANSITIVE', false], ['FULL', true], ['FULL_TRANSITIVE', false], ['FORWARD_TRANSITIVE', true]] as Array<[string, boolean]>) {
    it(`${level}: v3 against v1, v2 → ${transitiveOk ? 'registered' : '409'}`, async () => {
      const subject = `transitive-${level}`
      await c.put(`/config/${subject}`, { compatibility: 'NONE' })
      await c.register(subject, transitiveAvro.v1)
      await c.register(subject, transitiveAvro.v2)
      await c.put(`/config/${subject}`, { compatibility: level })
      const all = await c.post(`/compatibility/subjects/${subject}/versions?verbose=true`, { schema: transitiveAvro.v3 })
      expect(all.body).toMatchObject({ is_compatible: transitiveOk })
      if (!transitiveOk) expect((all.body as { messages: string[] }).messages.join(' ')).toMatch(/oldSchemaVersion/)
      // against one explicit version, transitive levels collapse to their plain form
      const onlyV2 = await c.post(`/compatibility/subjects/${subject}/versions/2`, { schema: transitiveAvro.v3 })
      expect(onlyV2.body).toEqual({ is_compatible: true })
      expect((await c.register(subject, transitiveAvro.v3)).status).toBe(transitiveOk ? 200 : 409)
    })
  }

  it('a soft-deleted version no longer blocks registration', async () => {
    const subject = 'transitive-delete'
    await c.put(`/config/${subject}`, { compatibility: 'NONE' })
    await c.register(subject, transitiveAvro.v1)
    await c.register(subject, transitiveAvro.v2)
    await c.put(`/config/${subject}`, { compatibility: 'BACKWARD_TRANSITIVE' })
    expect((await c.register(subject, transitiveAvro.v3)).status).toBe(409)
    expect((await c.del(`/subjects/${subject}/versions/1`)).body).toBe(1)
    expect((await c.register(subject, transitiveAvro.v3)).status).toBe(200)
    expect((await c.get(`/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2, 3])
  })
})
