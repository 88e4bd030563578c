/**
 * Generated configuration docs — `npm run config:docs`:
 *   1. schemas/config.schema.json from the settings table (src/config/settings.ts);
 *   2. the README's configuration table from that schema file, between the config-table markers.
 * `--check` writes nothing and exits 1 when either is stale (test/integration/ops-config.test.ts runs the same check).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { configJsonSchema } from '../src/config/schema.js'
import type { ConfigJsonSchema } from '../src/config/schema.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const schemaPath = join(root, 'schemas', 'config.schema.json')
export const readmePath = join(root, 'README.md')
export const TABLE_START = '<!-- config-table:start (generated from schemas/config.schema.json by scripts/config-docs.ts; do not edit) -->'
export const TABLE_END = '<!-- config-table:end -->'

export function schemaText (): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n'
}

function cell (s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** The markdown table of every setting in `schema`, grouped as in the settings table. */
export function configTable (schema: ConfigJsonSchema): string {
  const rows = ['| Setting | Type | Default | Environment | Flag | Description |', '|---|---|---|---|---|---|']
  for (const [name, p] of Object.entries(schema.properties)) {
    const type = p.enum !== undefined ? p.enum.map(v => `\`${v}\``).join(' \\| ') : p.type + (p.minimum !== undefined || p.maximum !== undefined ? ` (${p.minimum ?? ''}…${p.maximum ?? ''})` : '')
    const def = p.default === '' ? '(empty)' : `\`${String(p.default)}\``
    rows.push(`| \`${name}\` | ${cell(type)} | ${cell(def)} | ${p['x-env'].map(e => `\`${e}\``).join('<br>')} | ${p['x-flag'] === undefined ? '' : `\`${p['x-flag']}\``} | ${cell(p.description)} |`)
  }
  return rows.join('\n')
}

/** README text with the table between the markers replaced (the markers must exist). */
export function withTable (readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START)
  const end = readme.indexOf(TABLE_END)
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md lacks the config-table markers`)
  return readme.slice(0, start + TABLE_START.length) + '\n' + table + '\n' + readme.slice(end)
}

/** What is stale: [] when schemas/config.schema.json and the README table are up to date. */
export async function staleFiles (): Promise<string[]> {
  const stale: string[] = []
  const committedSchema = await readFile(schemaPath, 'utf8').catch(() => '')
  if (committedSchema !== schemaText()) stale.push(schemaPath)
  const readme = await readFile(readmePath, 'utf8').catch(() => '')
  const schema = JSON.parse(schemaText()) as ConfigJsonSchema
  if (!readme.includes(TABLE_START) || withTable(readme, configTable(schema)) !== readme) stale.push(readmePath)
  return stale
}

async function main (): Promise<number> {
  if (process.argv.includes('--check')) {
    const stale = await staleFiles()
    for (const f of stale) process.stderr.write(`stale: ${f} (run npm run config:docs)\n`)
    return stale.length === 0 ? 0 : 1
  }
  await writeFile(schemaPath, schemaText())
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as ConfigJsonSchema
  await writeFile(readmePath, withTable(await readFile(readmePath, 'utf8'), configTable(schema)))
  process.stdout.write(`wrote ${schemaPath} and the table in ${readmePath}\n`)
  return 0
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main()
}
