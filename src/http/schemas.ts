/**
 * Loads the JSON Schemas in the sub-directories of `schemas/` (request and response bodies, each with an `$id`) so routes refer to
 * them as `{ $ref: '<id>#' }`; fastify validates and serializes with them and the OpenAPI document shows them.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `<package>/schemas`, from src/http (tsx) as from dist/http (built). */
export const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url))

export interface JsonSchemaWithId {
  $id: string
  [key: string]: unknown
}

export async function loadSchemas (dir: string = schemasDir): Promise<JsonSchemaWithId[]> {
  // API body schemas live in sub-directories (common/, v2/, v3/, …); top-level files such as config.schema.json
  // describe other things and stay out of the HTTP layer and the OpenAPI document.
  const files = (await readdir(dir, { recursive: true })).filter(f => f.endsWith('.json') && /[\\/]/.test(f)).sort()
  const schemas: JsonSchemaWithId[] = []
  for (const file of files) {
    const parsed = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>
    const id = parsed.$id
    if (typeof id !== 'string') throw new Error(`schema ${file} has no $id`)
    schemas.push({ ...parsed, $id: id })
  }
  return schemas
}
