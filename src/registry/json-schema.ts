/**
 * JSON Schema support: parsing/validation (ajv, per draft), identity (sorted-key compact JSON) and a structural
 * compatibility diff following Confluent's `SchemaDiff` rules (STRICT policy): BACKWARD means every document
 * valid under the original (old) schema stays valid under the update (new) schema.
 */
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { RegistryError } from './errors.js'
import { safeRegExpEngine } from '../util/regex-safety.js'
import type { ParsedSchema } from './types.js'

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

type Json = unknown
type Obj = Record<string, unknown>

function isObj (v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Compact JSON with object keys sorted at every level. */
export function sortedJson (v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`
  if (isObj(v)) {
    return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
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

// ---------------------------------------------------------------------------------------------------------------
// $ref resolution

interface Located { node: Json, root: Json }

function pointer (root: Json, fragment: string): Json | undefined {
  if (fragment === '' || fragment === '/') return root
  if (!fragment.startsWith('/')) return undefined
  let cur: Json = root
  for (const raw of fragment.slice(1).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(cur)) cur = cur[Number(part)]
    else if (isObj(cur)) cur = cur[part]
    else return undefined
    if (cur === undefined) return undefined
  }
  return cur
}

function resolveRef (ref: string, root: Json, refs: Map<string, unknown>): Located | undefined {
  const hash = ref.indexOf('#')
  const docName = hash < 0 ? ref : ref.slice(0, hash)
  const fragment = hash < 0 ? '' : ref.slice(hash + 1)
  let doc: Json | undefined = root
  if (docName !== '') {
    doc = refs.get(docName) ?? refs.get(ref)
    if (doc === undefined) {
      // match by trailing file name (e.g. "http://x/y/other.json" referenced as "other.json")
      for (const [name, d] of refs) {
        if (docName.endsWith(`/${name}`) || name.endsWith(`/${docName}`)) { doc = d; break }
      }
    }
    if (doc === undefined && isObj(root) && root.$id === docName) doc = root
  }
  if (doc === undefined) return undefined
  const node = pointer(doc, fragment)
  return node === undefined ? undefined : { node, root: doc }
}

function findUnresolvedRef (node: Json, root: Json, refs: Map<string, unknown>, seen = new Set<unknown>()): string | null {
  if (Array.isArray(node)) {
    for (const n of node) { const r = findUnresolvedRef(n, root, refs, seen); if (r !== null) return r }
    return null
  }
  if (!isObj(node) || seen.has(node)) return null
  seen.add(node)
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, root, refs)
    if (target === undefined) return node.$ref
    if (target.root !== root) { const r = findUnresolvedRef(target.root, target.root, refs, seen); if (r !== null) return r }
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue
    const r = findUnresolvedRef(v, root, refs, seen)
    if (r !== null) return r
  }
  return null
}

/** Keywords whose subschemas apply to the same instance as their parent (no descent into the data). */
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'] as const
const IN_PLACE_SINGLE = ['not', 'if', 'then', 'else'] as const
/** Keywords whose values are data, not subschemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples'])

function inPlaceSubschemas (loc: Located, refs: Map<string, unknown>): Located[] {
  const node = loc.node
  if (!isObj(node)) return []
  const out: Located[] = []
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, loc.root, refs)
    if (target !== undefined) out.push(target)
  }
  for (const k of IN_PLACE_LISTS) {
    const list = node[k]
    if (Array.isArray(list)) for (const s of list) out.push({ node: s, root: loc.root })
  }
  for (const k of IN_PLACE_SINGLE) if (node[k] !== undefined) out.push({ node: node[k], root: loc.root })
  for (const k of ['dependentSchemas', 'dependencies']) {
    const map = node[k]
    if (isObj(map)) for (const s of Object.values(map)) if (!Array.isArray(s)) out.push({ node: s, root: loc.root })
  }
  return out
}

/**
 * A cycle of subschemas that all apply to the same value (`{"$ref": "#"}`, two definitions referring to each other,
 * `{"allOf": [{"$ref": "#"}]}`): validation would recurse forever on any value (ajv overflowed the stack and every
 * produce answered 500, issue 13). Returns the `$ref`s along the cycle, or null. A cycle through `properties`,
 * `items` and the like is a recursive type and fine: each step descends into a smaller value.
 */
export function findInPlaceCycle (json: Json, refs: Map<string, unknown>): string | null {
  const state = new Map<unknown, 'open' | 'done'>()
  const starts: Json[] = []
  const todo: Json[] = [json]
  while (todo.length > 0) {
    const v = todo.pop()
    if (Array.isArray(v)) { todo.push(...v); continue }
    if (!isObj(v)) continue
    starts.push(v)
    for (const [k, x] of Object.entries(v)) if (!DATA_KEYWORDS.has(k)) todo.push(x)
  }
  interface Frame { loc: Located, next: Located[] | undefined, i: number }
  for (const start of starts) {
    if (state.has(start)) continue
    state.set(start, 'open')
    const stack: Frame[] = [{ loc: { node: start, root: json }, next: undefined, i: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame
      top.next ??= inPlaceSubschemas(top.loc, refs)
      const child = top.next[top.i++]
      if (child === undefined) { state.set(top.loc.node, 'done'); stack.pop(); continue }
      if (!isObj(child.node)) continue
      const seen = state.get(child.node)
      if (seen === 'open') {
        const from = stack.findIndex((f) => f.loc.node === child.node)
        const trail = stack.slice(from).map((f) => isObj(f.loc.node) && typeof f.loc.node.$ref === 'string' ? `$ref ${f.loc.node.$ref}` : undefined).filter((x) => x !== undefined)
        return trail.length > 0 ? trail.join(' → ') : 'through allOf/anyOf/oneOf/not/if'
      }
      if (seen === undefined) {
        state.set(child.node, 'open')
        stack.push({ loc: child, next: undefined, i: 0 })
      }
    }
  }
  return null
}

// ---------------------------------------------------------------------------------------------------------------
// Structural diff

export interface JsonDifference { type: string, path: string }

/** Difference types that keep every document valid under the original valid under the update (STRICT). */
const COMPATIBLE = new Set([
  'ID_CHANGED', 'DESCRIPTION_CHANGED', 'TITLE_CHANGED', 'DEFAULT_CHANGED', 'SCHEMA_REMOVED',
  'TYPE_EXTENDED', 'SUM_TYPE_EXTENDED', 'COMBINED_TYPE_EXTENDED', 'PRODUCT_TYPE_NARROWED', 'NOT_TYPE_NARROWED', 'NOT_TYPE_REMOVED',
  'ENUM_ARRAY_EXTENDED', 'ENUM_ARRAY_REMOVED', 'CONST_REMOVED',
  'MAX_LENGTH_INCREASED', 'MAX_LENGTH_REMOVED', 'MIN_LENGTH_DECREASED', 'MIN_LENGTH_REMOVED', 'PATTERN_REMOVED',
  'MAXIMUM_INCREASED', 'MAXIMUM_REMOVED', 'MINIMUM_DECREASED', 'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED', 'EXCLUSIVE_MAXIMUM_REMOVED', 'EXCLUSIVE_MINIMUM_DECREASED', 'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED', 'MULTIPLE_OF_REMOVED',
  'MAX_PROPERTIES_INCREASED', 'MAX_PROPERTIES_REMOVED', 'MIN_PROPERTIES_DECREASED', 'MIN_PROPERTIES_REMOVED',
  'MAX_ITEMS_INCREASED', 'MAX_ITEMS_REMOVED', 'MIN_ITEMS_DECREASED', 'MIN_ITEMS_REMOVED', 'UNIQUE_ITEMS_REMOVED',
  'REQUIRED_ATTRIBUTE_REMOVED', 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'DEPENDENCY_ARRAY_NARROWED', 'DEPENDENCY_ARRAY_REMOVED', 'DEPENDENCY_SCHEMA_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED', 'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL', 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ADDITIONAL_ITEMS_ADDED', 'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL', 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_NAMES_REMOVED', 'CONTAINS_REMOVED', 'MIN_CONTAINS_REMOVED', 'MAX_CONTAINS_REMOVED', 'IF_REMOVED', 'THEN_REMOVED', 'ELSE_REMOVED',
  'DEPENDENT_SCHEMAS_REMOVED', 'UNEVALUATED_PROPERTIES_REMOVED', 'UNEVALUATED_ITEMS_REMOVED'
])

export function isCompatibleDifference (d: JsonDifference): boolean {
  return COMPATIBLE.has(d.type)
}

const OTHER_KEYWORDS: Array<[string, string]> = [
  ['propertyNames', 'PROPERTY_NAMES'], ['contains', 'CONTAINS'], ['minContains', 'MIN_CONTAINS'], ['maxContains', 'MAX_CONTAINS'],
  ['if', 'IF'], ['then', 'THEN'], ['else', 'ELSE'], ['dependentSchemas', 'DEPENDENT_SCHEMAS'],
  ['unevaluatedProperties', 'UNEVALUATED_PROPERTIES'], ['unevaluatedItems', 'UNEVALUATED_ITEMS']
]

const ANNOTATIONS = new Set(['title', 'description', '$id', 'id', '$schema', 'default', 'examples', '$comment', 'definitions', '$defs', 'readOnly', 'writeOnly', 'deprecated'])

function isEmptySchema (s: Json): boolean {
  if (s === true) return true
  return isObj(s) && Object.keys(s).every((k) => ANNOTATIONS.has(k) || k.startsWith('connect.') || k === 'javaType')
}

function typesOf (s: Obj): Set<string> | undefined {
  const t = s.type
  if (typeof t === 'string') return new Set([t])
  if (Array.isArray(t)) return new Set(t.filter((x): x is string => typeof x === 'string'))
  return undefined
}

const COMBINERS = ['oneOf', 'anyOf', 'allOf'] as const
type Combiner = typeof COMBINERS[number]

class Differ {
  private readonly inProgress = new Set<string>()
  private readonly ids = new Map<unknown, number>()

  constructor (private readonly oRefs: Map<string, unknown>, private readonly uRefs: Map<string, unknown>) {}

  private idOf (v: unknown): number {
    let id = this.ids.get(v)
    if (id === undefined) { id = this.ids.size; this.ids.set(v, id) }
    return id
  }

  private deref (loc: Located, refs: Map<string, unknown>): Located {
    let cur = loc
    for (let i = 0; i < 32 && isObj(cur.node) && typeof cur.node.$ref === 'string'; i++) {
      const next = resolveRef(cur.node.$ref, cur.root, refs)
      if (next === undefined) break
      cur = next
    }
    return cur
  }

  compare (o0: Located, u0: Located, path: string, out: JsonDifference[]): void {
    const o = this.deref(o0, this.oRefs)
    const u = this.deref(u0, this.uRefs)
    const key = `${this.idOf(o.node)}:${this.idOf(u.node)}`
    if (this.inProgress.has(key)) return
    this.inProgress.add(key)
    try {
      this.compareResolved(o, u, path, out)
    } finally {
      this.inProgress.delete(key)
    }
  }

  private compatible (o: Located, u: Located, path: string): boolean {
    const out: JsonDifference[] = []
    this.compare(o, u, path, out)
    return out.every(isCompatibleDifference)
  }

  private compareResolved (o: Located, u: Located, path: string, out: JsonDifference[]): void {
    const on = o.node
    const un = u.node
    if (on === false) return
    if (isEmptySchema(un)) {
      if (!isEmptySchema(on)) out.push({ type: 'SCHEMA_REMOVED', path })
      return
    }
    if (un === false || isEmptySchema(on)) { out.push({ type: 'SCHEMA_ADDED', path }); return }
    if (!isObj(on) || !isObj(un)) { out.push({ type: 'TYPE_CHANGED', path }); return }

    if (on.$id !== un.$id && (on.$id !== undefined || un.$id !== undefined)) out.push({ type: 'ID_CHANGED', path })
    if (on.title !== un.title) out.push({ type: 'TITLE_CHANGED', path })
    if (on.description !== un.description) out.push({ type: 'DESCRIPTION_CHANGED', path })
    if (JSON.stringify(on.default) !== JSON.stringify(un.default)) out.push({ type: 'DEFAULT_CHANGED', path })

    const oComb = COMBINERS.find((c) => Array.isArray(on[c]))
    const uComb = COMBINERS.find((c) => Array.isArray(un[c]))
    if (oComb !== undefined || uComb !== undefined) {
      this.compareCombined(o, u, oComb, uComb, path, out)
      if (oComb === undefined || uComb === undefined) return
    }

    // types
    const ot = typesOf(on)
    const ut = typesOf(un)
    let common: Set<string> | undefined
    if (ot !== undefined && ut !== undefined) {
      common = new Set<string>()
      for (const t of ot) {
        if (ut.has(t)) common.add(t)
        else if (t === 'integer' && ut.has('number')) { common.add('number'); out.push({ type: 'TYPE_EXTENDED', path }) } else if (t === 'number' && ut.has('integer')) { common.add('integer'); out.push({ type: 'TYPE_NARROWED', path }) } else out.push({ type: ot.size > 1 ? 'SUM_TYPE_NARROWED' : 'TYPE_CHANGED', path })
      }
      const extra = [...ut].filter((t) => !ot.has(t) && !(t === 'number' && ot.has('integer')))
      if (extra.length > 0 && common.size > 0) out.push({ type: 'SUM_TYPE_EXTENDED', path })
      if (common.size === 0) return
    } else if (ot !== undefined && ut === undefined) {
      out.push({ type: 'TYPE_EXTENDED', path })
    } else if (ot === undefined && ut !== undefined) {
      out.push({ type: 'TYPE_NARROWED', path })
    }

    // enum / const
    const oe = on.enum
    const ue = un.enum
    if (Array.isArray(oe) || Array.isArray(ue)) {
      if (!Array.isArray(oe)) out.push({ type: 'ENUM_ARRAY_NARROWED', path })
      else if (!Array.isArray(ue)) out.push({ type: 'ENUM_ARRAY_REMOVED', path })
      else {
        const os = new Set(oe.map((x) => sortedJson(x)))
        const us = new Set(ue.map((x) => sortedJson(x)))
        const lost = [...os].some((x) => !us.has(x))
        const gained = [...us].some((x) => !os.has(x))
        if (lost && gained) out.push({ type: 'ENUM_ARRAY_CHANGED', path })
        else if (lost) out.push({ type: 'ENUM_ARRAY_NARROWED', path })
        else if (gained) out.push({ type: 'ENUM_ARRAY_EXTENDED', path })
      }
    }
    if ('const' in on || 'const' in un) {
      if (!('const' in un)) out.push({ type: 'CONST_REMOVED', path })
      else if (!('const' in on)) out.push({ type: 'CONST_ADDED', path })
      else if (sortedJson(on.const) !== sortedJson(un.const)) out.push({ type: 'CONST_CHANGED', path })
    }

    const has = (t: string): boolean => common === undefined || common.has(t) || (t === 'number' && common.has('integer'))
    if (has('string')) {
      this.limit(on, un, 'maxLength', 'MAX_LENGTH', path, out)
      this.limit(on, un, 'minLength', 'MIN_LENGTH', path, out)
      if (on.pattern !== un.pattern) {
        out.push({ type: on.pattern === undefined ? 'PATTERN_ADDED' : un.pattern === undefined ? 'PATTERN_REMOVED' : 'PATTERN_CHANGED', path })
      }
    }
    if (has('number') || has('integer')) {
      this.limit(on, un, 'maximum', 'MAXIMUM', path, out)
      this.limit(on, un, 'minimum', 'MINIMUM', path, out)
      this.limit(on, un, 'exclusiveMaximum', 'EXCLUSIVE_MAXIMUM', path, out)
      this.limit(on, un, 'exclusiveMinimum', 'EXCLUSIVE_MINIMUM', path, out)
      const om = on.multipleOf
      const um = un.multipleOf
      if (om !== um) {
        if (typeof om !== 'number') out.push({ type: 'MULTIPLE_OF_ADDED', path })
        else if (typeof um !== 'number') out.push({ type: 'MULTIPLE_OF_REMOVED', path })
        else if (om % um === 0) out.push({ type: 'MULTIPLE_OF_REDUCED', path })
        else if (um % om === 0) out.push({ type: 'MULTIPLE_OF_EXPANDED', path })
        else out.push({ type: 'MULTIPLE_OF_CHANGED', path })
      }
    }
    if (has('object')) this.compareObject(o, u, path, out)
    if (has('array')) this.compareArray(o, u, path, out)

    // keywords without a finer rule: dropping one only widens; any other change is treated as incompatible
    for (const [k, name] of OTHER_KEYWORDS) {
      if (!(k in on) && !(k in un)) continue
      if (!(k in un)) out.push({ type: `${name}_REMOVED`, path })
      else if (!(k in on) || sortedJson(on[k]) !== sortedJson(un[k])) out.push({ type: `${name}_CHANGED`, path })
    }

    if ('not' in on || 'not' in un) {
      if (!('not' in un)) out.push({ type: 'NOT_TYPE_REMOVED', path })
      else if (!('not' in on)) out.push({ type: 'NOT_TYPE_ADDED', path })
      else {
        // not: the update's excluded set must be a subset of the original's → reversed comparison
        const ok = this.compatible({ node: un.not, root: u.root }, { node: on.not, root: o.root }, `${path}/not`)
        if (!ok) out.push({ type: 'NOT_TYPE_EXTENDED', path })
      }
    }
  }

  private limit (on: Obj, un: Obj, key: string, name: string, path: string, out: JsonDifference[]): void {
    const a = on[key]
    const b = un[key]
    if (a === b) return
    if (typeof a !== 'number' && typeof b !== 'number') return
    if (typeof a !== 'number') { out.push({ type: `${name}_ADDED`, path }); return }
    if (typeof b !== 'number') { out.push({ type: `${name}_REMOVED`, path }); return }
    const up = b > a
    // whether the change loosens or tightens is decided by the COMPATIBLE set (e.g. MAXIMUM_INCREASED is allowed)
    out.push({ type: `${name}_${up ? 'INCREASED' : 'DECREASED'}`, path })
  }

  private compareCombined (o: Located, u: Located, oc: Combiner | undefined, uc: Combiner | undefined, path: string, out: JsonDifference[]): void {
    const on = o.node as Obj
    const un = u.node as Obj
    const oSubs: Json[] = oc === undefined ? [stripCombiners(on)] : (on[oc] as Json[])
    const uSubs: Json[] = uc === undefined ? [stripCombiners(un)] : (un[uc] as Json[])
    const ok = oc ?? uc ?? 'anyOf'
    const uk = uc ?? oc ?? 'anyOf'
    if (ok !== uk) {
      if (uk === 'anyOf' || (ok === 'allOf' && uk === 'oneOf')) out.push({ type: 'COMBINED_TYPE_EXTENDED', path })
      else { out.push({ type: 'COMBINED_TYPE_CHANGED', path }); return }
    }
    const p = `${path}/${uk}`
    if (ok === 'allOf' && uk === 'allOf') {
      // product: every update conjunct must be implied by some original conjunct
      if (uSubs.length > oSubs.length) out.push({ type: 'PRODUCT_TYPE_EXTENDED', path })
      else if (uSubs.length < oSubs.length) out.push({ type: 'PRODUCT_TYPE_NARROWED', path })
      const m = this.match(uSubs.map((n) => ({ node: n, root: u.root })), oSubs.map((n) => ({ node: n, root: o.root })), p, true)
      if (m < Math.min(uSubs.length, oSubs.length)) out.push({ type: 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', path })
      return
    }
    // sum: every original branch must be accepted by a distinct update branch
    if (oSubs.length > uSubs.length) out.push({ type: 'SUM_TYPE_NARROWED', path })
    else if (oSubs.length < uSubs.length) out.push({ type: 'SUM_TYPE_EXTENDED', path })
    const m = this.match(oSubs.map((n) => ({ node: n, root: o.root })), uSubs.map((n) => ({ node: n, root: u.root })), p, false)
    if (m < Math.min(oSubs.length, uSubs.length)) out.push({ type: 'COMBINED_TYPE_SUBSCHEMAS_CHANGED', path })
  }

  /** Maximum bipartite matching of compatible (left original-side, right update-side) pairs. */
  private match (left: Located[], right: Located[], path: string, reversed: boolean): number {
    const edges = left.map((l, i) => right.map((r, j) => reversed
      ? this.compatible(r, l, `${path}/${j}`)
      : this.compatible(l, r, `${path}/${i}`)))
    const owner = new Array<number>(right.length).fill(-1)
    const tryAssign = (i: number, seen: boolean[]): boolean => {
      for (let j = 0; j < right.length; j++) {
        if (edges[i]?.[j] !== true || seen[j] === true) continue
        seen[j] = true
        const cur = owner[j] ?? -1
        if (cur < 0 || tryAssign(cur, seen)) { owner[j] = i; return true }
      }
      return false
    }
    let n = 0
    for (let i = 0; i < left.length; i++) if (tryAssign(i, [])) n++
    return n
  }

  private compareObject (o: Located, u: Located, path: string, out: JsonDifference[]): void {
    const on = o.node as Obj
    const un = u.node as Obj
    const oProps = isObj(on.properties) ? on.properties : {}
    const uProps = isObj(un.properties) ? un.properties : {}
    const oReq = new Set(Array.isArray(on.required) ? on.required.filter((x): x is string => typeof x === 'string') : [])
    const uReq = new Set(Array.isArray(un.required) ? un.required.filter((x): x is string => typeof x === 'string') : [])
    const oModel = contentModel(on)
    const uModel = contentModel(un)

    for (const name of new Set([...Object.keys(oProps), ...Object.keys(uProps)])) {
      const p = `${path}/properties/${name}`
      const inO = name in oProps
      const inU = name in uProps
      if (inO && inU) {
        this.compare({ node: oProps[name], root: o.root }, { node: uProps[name], root: u.root }, p, out)
        if (uReq.has(name) && !oReq.has(name)) {
          out.push({ type: hasDefault(uProps[name]) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', path: p })
        } else if (!uReq.has(name) && oReq.has(name)) {
          out.push({ type: 'REQUIRED_ATTRIBUTE_REMOVED', path: p })
        }
      } else if (inU) {
        const added = { node: uProps[name], root: u.root }
        if (oModel === 'open') {
          out.push({
            type: isEmptySchema(added.node)
              ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL'
              : uReq.has(name) ? 'REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL' : 'OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
            path: p
          })
        } else if (oModel === 'partial' && this.covered(o, name, added, false)) {
          out.push({ type: 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', path: p })
        } else if (oModel === 'partial') {
          out.push({ type: 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', path: p })
        } else if (uReq.has(name)) {
          out.push({ type: hasDefault(added.node) ? 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL' : 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', path: p })
        } else {
          out.push({ type: 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', path: p })
        }
      } else {
        const removed = { node: oProps[name], root: o.root }
        if (uModel === 'open') out.push({ type: 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', path: p })
        else if (uModel === 'partial') {
          out.push({ type: this.covered(u, name, removed, true) ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', path: p })
        } else if (removed.node === false) out.push({ type: 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL', path: p })
        else out.push({ type: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', path: p })
      }
    }
    for (const name of uReq) {
      if (!(name in uProps) && !oReq.has(name)) out.push({ type: 'REQUIRED_ATTRIBUTE_ADDED', path: `${path}/required/${name}` })
    }

    const oa = on.additionalProperties
    const ua = un.additionalProperties
    const isOpen = (v: unknown): boolean => v === undefined || v === true
    if (isOpen(oa) && ua === false) out.push({ type: 'ADDITIONAL_PROPERTIES_REMOVED', path })
    else if (isOpen(oa) && isObj(ua)) out.push({ type: 'ADDITIONAL_PROPERTIES_NARROWED', path })
    else if (oa === false && isOpen(ua)) out.push({ type: 'ADDITIONAL_PROPERTIES_ADDED', path })
    else if (oa === false && isObj(ua)) out.push({ type: 'ADDITIONAL_PROPERTIES_EXTENDED', path })
    else if (isObj(oa) && isOpen(ua)) out.push({ type: 'ADDITIONAL_PROPERTIES_EXTENDED', path })
    else if (isObj(oa) && ua === false) out.push({ type: 'ADDITIONAL_PROPERTIES_REMOVED', path })
    else if (isObj(oa) && isObj(ua)) this.compare({ node: oa, root: o.root }, { node: ua, root: u.root }, `${path}/additionalProperties`, out)

    this.limit(on, un, 'maxProperties', 'MAX_PROPERTIES', path, out)
    this.limit(on, un, 'minProperties', 'MIN_PROPERTIES', path, out)

    const od = isObj(on.dependencies) ? on.dependencies : isObj(on.dependentRequired) ? on.dependentRequired : {}
    const ud = isObj(un.dependencies) ? un.dependencies : isObj(un.dependentRequired) ? un.dependentRequired : {}
    for (const k of new Set([...Object.keys(od), ...Object.keys(ud)])) {
      const a = od[k]
      const b = ud[k]
      const p = `${path}/dependencies/${k}`
      if (a === undefined) out.push({ type: Array.isArray(b) ? 'DEPENDENCY_ARRAY_ADDED' : 'DEPENDENCY_SCHEMA_ADDED', path: p })
      else if (b === undefined) out.push({ type: Array.isArray(a) ? 'DEPENDENCY_ARRAY_REMOVED' : 'DEPENDENCY_SCHEMA_REMOVED', path: p })
      else if (Array.isArray(a) && Array.isArray(b)) {
        const as = new Set(a.map(String))
        const bs = new Set(b.map(String))
        const lost = [...as].some((x) => !bs.has(x))
        const gained = [...bs].some((x) => !as.has(x))
        if (lost && gained) out.push({ type: 'DEPENDENCY_ARRAY_CHANGED', path: p })
        else if (gained) out.push({ type: 'DEPENDENCY_ARRAY_EXTENDED', path: p })
        else if (lost) out.push({ type: 'DEPENDENCY_ARRAY_NARROWED', path: p })
      } else if (!Array.isArray(a) && !Array.isArray(b)) {
        this.compare({ node: a, root: o.root }, { node: b, root: u.root }, p, out)
      } else out.push({ type: 'DEPENDENCY_CHANGED', path: p })
    }
  }

  /** Is `prop` (named `name`) covered by the partially open model of `model` (patternProperties / additionalProperties schema)? */
  private covered (model: Located, name: string, prop: Located, removed: boolean): boolean {
    const m = model.node as Obj
    let cover: Json | undefined
    if (isObj(m.patternProperties)) {
      for (const [re, s] of Object.entries(m.patternProperties)) {
        try { if (new RegExp(re, 'u').test(name)) { cover = s; break } } catch { /* invalid pattern: not covering */ }
      }
    }
    if (cover === undefined && isObj(m.additionalProperties)) cover = m.additionalProperties
    if (cover === undefined) return false
    const c = { node: cover, root: model.root }
    return removed ? this.compatible(prop, c, '') : this.compatible(c, prop, '')
  }

  private compareArray (o: Located, u: Located, path: string, out: JsonDifference[]): void {
    const on = o.node as Obj
    const un = u.node as Obj
    const oTuple = Array.isArray(on.prefixItems) ? on.prefixItems as Json[] : Array.isArray(on.items) ? on.items as Json[] : undefined
    const uTuple = Array.isArray(un.prefixItems) ? un.prefixItems as Json[] : Array.isArray(un.items) ? un.items as Json[] : undefined
    if ((oTuple === undefined) !== (uTuple === undefined)) {
      out.push({ type: 'TYPE_CHANGED', path: `${path}/items` })
    } else if (oTuple !== undefined && uTuple !== undefined) {
      const oRest = Array.isArray(on.prefixItems) ? on.items : on.additionalItems
      const uRest = Array.isArray(un.prefixItems) ? un.items : un.additionalItems
      const oOpen = oRest === undefined || oRest === true
      const uOpen = uRest === undefined || uRest === true
      for (let i = 0; i < Math.max(oTuple.length, uTuple.length); i++) {
        const p = `${path}/items/${i}`
        if (i < oTuple.length && i < uTuple.length) this.compare({ node: oTuple[i], root: o.root }, { node: uTuple[i], root: u.root }, p, out)
        else if (i < uTuple.length) {
          if (oOpen) out.push({ type: isEmptySchema(uTuple[i]) ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL', path: p })
          else if (oRest === false) out.push({ type: 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL', path: p })
          else out.push({ type: this.compatible({ node: oRest, root: o.root }, { node: uTuple[i], root: u.root }, p) ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', path: p })
        } else {
          if (uOpen) out.push({ type: 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL', path: p })
          else if (uRest === false) out.push({ type: oTuple[i] === false ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL', path: p })
          else out.push({ type: this.compatible({ node: oTuple[i], root: o.root }, { node: uRest, root: u.root }, p) ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', path: p })
        }
      }
      if (oOpen && uRest === false) out.push({ type: 'ADDITIONAL_ITEMS_REMOVED', path })
      else if (oOpen && isObj(uRest)) out.push({ type: 'ADDITIONAL_ITEMS_NARROWED', path })
      else if (oRest === false && !uOpen && isObj(uRest)) out.push({ type: 'ADDITIONAL_ITEMS_EXTENDED', path })
      else if (oRest === false && uOpen) out.push({ type: 'ADDITIONAL_ITEMS_ADDED', path })
      else if (isObj(oRest) && uOpen) out.push({ type: 'ADDITIONAL_ITEMS_EXTENDED', path })
      else if (isObj(oRest) && isObj(uRest)) this.compare({ node: oRest, root: o.root }, { node: uRest, root: u.root }, `${path}/additionalItems`, out)
    } else if (on.items !== undefined || un.items !== undefined) {
      this.compare({ node: on.items ?? true, root: o.root }, { node: un.items ?? true, root: u.root }, `${path}/items`, out)
    }
    this.limit(on, un, 'maxItems', 'MAX_ITEMS', path, out)
    this.limit(on, un, 'minItems', 'MIN_ITEMS', path, out)
    if (on.uniqueItems !== true && un.uniqueItems === true) out.push({ type: 'UNIQUE_ITEMS_ADDED', path })
    else if (on.uniqueItems === true && un.uniqueItems !== true) out.push({ type: 'UNIQUE_ITEMS_REMOVED', path })
  }
}

function hasDefault (s: Json): boolean {
  return isObj(s) && 'default' in s
}

function stripCombiners (s: Obj): Obj {
  const copy = { ...s }
  for (const c of COMBINERS) delete copy[c]
  return copy
}

function contentModel (s: Obj): 'open' | 'closed' | 'partial' {
  const ap = s.additionalProperties
  const hasPatterns = isObj(s.patternProperties) && Object.keys(s.patternProperties).length > 0
  if (ap === false && !hasPatterns) return 'closed'
  if ((ap === undefined || ap === true) && !hasPatterns) return 'open'
  return 'partial'
}

/** Differences between `original` and `update`, for "is every document valid under original valid under update". */
export function jsonSchemaDiff (original: JsonParsed, update: JsonParsed): JsonDifference[] {
  const out: JsonDifference[] = []
  new Differ(original.refs, update.refs).compare({ node: original.json, root: original.json }, { node: update.json, root: update.json }, '#', out)
  return out
}

/** Incompatible differences, formatted like Confluent's messages. Empty when `update` can read all `original` data. */
export function jsonSchemaReadProblems (reader: JsonParsed, writer: JsonParsed): string[] {
  return jsonSchemaDiff(writer, reader)
    .filter((d) => !isCompatibleDifference(d))
    .map((d) => `Found incompatible change: Difference{jsonPath='${d.path}', type=${d.type}}`)
}
