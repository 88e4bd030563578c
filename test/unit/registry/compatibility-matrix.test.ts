import { describe, expect, it } from 'vitest'
import { MemoryJournal, SchemaRegistry, isRegistryError } from '../../../src/registry/index.js'
import { avroCases, jsonCases, type CompatCase } from '../../fixtures/registry/compat-cases.js'

for (const [title, cases] of [['Avro', avroCases], ['JSON Schema', jsonCases]] as Array<[string, CompatCase[]]>) {
  describe(`${title} evolution matrix`, () => {
    for (const c of cases) {
      for (const [level, ok] of Object.entries(c.expect)) {
        it(`${c.name}: ${level} → ${ok ? 'compatible' : 'incompatible'}`, async () => {
          const reg = await SchemaRegistry.open({ journal: new MemoryJournal() })
          await reg.setCompatibility('s', level as 'BACKWARD')
          await reg.register('s', { schema: c.old, schemaType: c.schemaType })
          const check = reg.testCompatibility('s', 'latest', { schema: c.new, schemaType: c.schemaType }, { verbose: true })
          expect(check.isCompatible, check.messages.join('\n')).toBe(ok)
          if (ok) {
            expect((await reg.register('s', { schema: c.new, schemaType: c.schemaType })).version).toBe(2)
          } else {
            expect(check.messages.length).toBeGreaterThan(0)
            expect(check.messages.at(-1)).toContain(`compatibility: '${level}'`)
            const err = await reg.register('s', { schema: c.new, schemaType: c.schemaType }).then(() => undefined, (e: unknown) => e)
            expect(isRegistryError(err, 'INCOMPATIBLE_SCHEMA')).toBe(true)
            expect(reg.listVersions('s')).toEqual([1])
          }
        })
      }
    }
  })
}
