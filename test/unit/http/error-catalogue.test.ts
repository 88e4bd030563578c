import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorTable, registryErrorTable, type HttpErrorMapping } from '../../../src/http/errors.js'

const DOC = join(import.meta.dirname, '../../../docs/errors.md')

/** The rows `| \`CODE\` | status | error_code | … |` under one `## heading` of docs/errors.md. */
async function documented (heading: string): Promise<Map<string, { status: number, errorCode: number }>> {
  const text = await readFile(DOC, 'utf8')
  const start = text.indexOf(`\n## ${heading}`)
  expect(start, `docs/errors.md has a "## ${heading}" section`).toBeGreaterThanOrEqual(0)
  const end = text.indexOf('\n## ', start + 1)
  const section = text.slice(start, end === -1 ? undefined : end)
  const rows = new Map<string, { status: number, errorCode: number }>()
  for (const m of section.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| (\d+) \|/gm)) {
    rows.set(m[1] as string, { status: Number(m[2]), errorCode: Number(m[3]) })
  }
  return rows
}

function expectDocumented (table: Record<string, HttpErrorMapping>, rows: Map<string, { status: number, errorCode: number }>): void {
  for (const [code, mapping] of Object.entries(table)) {
    expect(rows.get(code), `docs/errors.md documents ${code} as ${mapping.status}/${mapping.errorCode}`).toEqual({ status: mapping.status, errorCode: mapping.errorCode })
  }
  for (const code of rows.keys()) expect(Object.keys(table), `docs/errors.md lists ${code}, which no longer exists`).toContain(code)
}

describe('error catalogue', () => {
  it('every REST proxy error code is documented in docs/errors.md with its status and error_code', async () => {
    expectDocumented(errorTable, await documented('REST proxy'))
  })

  it('every schema registry error code is documented in docs/errors.md with its status and error_code', async () => {
    expectDocumented(registryErrorTable, await documented('Schema registry'))
  })
})
