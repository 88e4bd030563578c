/**
 * Writes openapi/openapi.json from the route schemas (generated — do not edit by hand). `npm run openapi`.
 * `test/integration/gateway-openapi.test.ts` fails when the committed file is stale.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateOpenApiDocument } from '../src/openapi-document.js'

export const openApiPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi', 'openapi.json')

const text = await generateOpenApiDocument()
await mkdir(dirname(openApiPath), { recursive: true })
await writeFile(openApiPath, text)
process.stdout.write(`wrote ${openApiPath}\n`)
