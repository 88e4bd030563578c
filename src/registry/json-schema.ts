/**
 * JSON Schema support: parsing and meta-schema validation (ajv, per draft), identity (sorted-key compact JSON) and
 * data validators for produce. `$ref` resolution lives in json-schema-refs.ts, compatibility in
 * json-schema-compatibility.ts.
 */
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { RegistryError } from './errors.js'
import { safeRegExpEngine } from '../util/regex-safety.js'
import { findInPlaceCycle, findUnresolvedRef } from './json-schema-refs.js'
import { isObj, sortedJson, type Obj } from './json-value.js'
import type { ParsedSchema } from './types.js'

export { sortedJson }

export interface JsonReferenceDoc {
  name: string
  schema: string
}

export interface JsonParsed extends ParsedSchema {
  schemaType: 'JSON'
  json: unknown
  /** Referenced documents by reference name. */
  refs: Map<string, unknown>
}

type Draft = '07' | '2019' | '2020' | 'legacy'
function draftOf (json: unknown): Draft {
  const s = isObj(json) && typeof json.$schema === 'string' ? json.$schema : ''
  if (s.includes('2020-12')) return '2020'
  if (s.includes('2019-09')) return '2019'
  if (s.includes('draft-04') || s.includes('draft-06') || s.includes('draft-03')) return 'legacy'
  return '07'
}

/**
 * Drafts 04/06 (which Confluent accepts) are checked with the draft-07 vocabulary: `$schema` is dropped and a
 * draft-04 boolean `exclusiveMaximum`/`exclusiveMinimum` becomes its draft-07 number form.
 */
function asDraft07 (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asDraft07)
  if (!isObj(node)) return node
  const out: Obj = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue
    if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') { out[k] = v; continue }
    out[k] = asDraft07(v)
  }
  for (const [flag, limit] of [['exclusiveMaximum', 'maximum'], ['exclusiveMinimum', 'minimum']] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[limit] === 'number') { out[flag] = out[limit]; delete out[limit] } else delete out[flag]
    }
  }
  return out
}

/** One ajv instance per draft, owned by whoever builds this (the registry), never module-level. */
export class JsonSchemaValidators {
  private readonly instances = new Map<Draft, Ajv>()

  private ajv (draft: '07' | '2019' | '2020'): Ajv {
    let a = this.instances.get(draft)
    if (a === undefined) {
      const opts = { strict: false, allErrors: false, validateFormats: false, addUsedSchema: false, code: { regExp: safeRegExpEngine } }
      a = draft === '2020' ? new Ajv2020(opts) : draft === '2019' ? new Ajv2019(opts) : new Ajv(opts)
      this.instances.set(draft, a)
    }
    return a
  }

  /** Checks the schema document against its meta-schema; returns an error text or null. */
  checkSchema (json: unknown): string | null {
    const draft = draftOf(json)
    const a = this.ajv(draft === 'legacy' ? '07' : draft)
    const ok = a.validateSchema((draft === 'legacy' ? asDraft07(json) : json) as AnySchema)
    if (ok === true) return null
    return a.errorsText(a.errors)
  }

  /** Compiles a data validator with referenced documents available under their reference names. */
  compile (parsed: JsonParsed): ValidateFunction {
    // A fresh instance per compiled schema keeps `$id`s of different versions from clashing.
    const draft = draftOf(parsed.json)
    // user `pattern`s run on a linear-time engine, never on V8's backtracking one (ReDoS, issue 13)
    const opts = { strict: false, allErrors: true, validateFormats: false, code: { regExp: safeRegExpEngine } }
    const a = draft === '2020' ? new Ajv2020(opts) : draft === '2019' ? new Ajv2019(opts) : new Ajv(opts)
    for (const [name, doc] of parsed.refs) {
      if (isObj(doc) || typeof doc === 'boolean') {
        const copy = isObj(doc) ? { ...(draftOf(doc) === 'legacy' ? asDraft07(doc) as Obj : doc) } : doc
        if (isObj(copy)) delete copy.$id
        try { a.addSchema(copy as AnySchema, name) } catch { /* a duplicate name: keep the first */ }
      }
    }
    return a.compile((draft === 'legacy' ? asDraft07(parsed.json) : parsed.json) as AnySchema)
  }
}

export function parseJsonSchema (text: string, references: JsonReferenceDoc[], validators: JsonSchemaValidators): JsonParsed {
  if (text.trim() === '') throw new RegistryError('INVALID_SCHEMA', 'Empty schema')
  let json: unknown
  try {
    json = JSON.parse(text) as unknown
  } catch (err) {
    throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: ${(err as Error).message}`)
  }
  if (!isObj(json) && typeof json !== 'boolean') {
    throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: a JSON schema must be an object or a boolean`)
  }
  const problem = validators.checkSchema(json)
  if (problem !== null) throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: ${problem}`)
  const refs = new Map<string, unknown>()
  for (const r of references) {
    try {
      refs.set(r.name, JSON.parse(r.schema) as unknown)
    } catch (err) {
      throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: reference ${r.name}: ${(err as Error).message}`)
    }
  }
  const parsed: JsonParsed = { schemaType: 'JSON', text: JSON.stringify(json), canonical: sortedJson(json), json, refs }
  const unresolved = findUnresolvedRef(json, json, refs)
  if (unresolved !== null) throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: cannot resolve $ref ${unresolved}`)
  const cycle = findInPlaceCycle(json, refs)
  if (cycle !== null) {
    throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text.length > 1000 ? `${text.slice(0, 1000)}...` : text}, details: a $ref cycle never descends into the data (${cycle}): validating any value would recurse forever`)
  }
  return parsed
}
