/**
 * Guards run on every schema submitted before it is parsed: nesting depth and user patterns.
 */
import { RegistryError } from './errors.js'
import { compileSafeRegex } from '../util/regex-safety.js'

/**
 * Deepest JSON nesting a schema may have. Parsing, canonical forms, compatibility checks and validators all recurse
 * over the schema: a few thousand levels overflowed the stack and answered 500 (issue 7). Real schemas stay far below.
 */
export const MAX_SCHEMA_NESTING = 256

/**
 * JSON Schema `pattern`s run against produced values and `patternProperties` against property names. They run on a
 * linear-time engine (util/regex-safety.ts), which cannot express back-references or lookaround: such a pattern is
 * refused at registration with 42201 rather than failing every produce later.
 */
export function checkSchemaPatterns (text: string): void {
  let json: unknown
  try { json = JSON.parse(text) } catch { return } // the parser reports syntax errors
  const todo: unknown[] = [json]
  while (todo.length > 0) {
    const v = todo.pop()
    if (Array.isArray(v)) { todo.push(...v); continue }
    if (v === null || typeof v !== 'object') continue
    for (const [k, x] of Object.entries(v)) {
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue // data, not schemas
      const patterns = k === 'pattern' && typeof x === 'string' ? [x] : k === 'patternProperties' && x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.keys(x) : []
      for (const p of patterns) {
        try {
          compileSafeRegex(p)
        } catch (err) {
          throw new RegistryError('INVALID_SCHEMA', `Invalid schema: pattern ${JSON.stringify(p.slice(0, 100))} is refused: ${(err as Error).message}`)
        }
      }
      todo.push(x)
    }
  }
}

/** The JSON nesting depth of `text` (objects and arrays, outside strings), counted without recursion; stops past `limit`. */
export function jsonNestingDepth (text: string, limit = Number.MAX_SAFE_INTEGER): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) { max = depth; if (max > limit) return max }
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return max
}
