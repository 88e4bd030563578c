/**
 * Avro support: parsing (validation by avsc) and Confluent-style canonical text. Compatibility lives in
 * `avro-compatibility.ts`.
 *
 * avsc's exported schema (`type.schema()`) drops `doc`, `default`, `aliases`, custom properties and
 * `logicalType`, so the stored/returned text and identity are built here from the submitted JSON instead.
 */
import avro from 'avsc'
import type { Type } from 'avsc'
import { RegistryError } from './errors.js'
import type { ParsedSchema } from './types.js'

export interface AvroParsed extends ParsedSchema {
  schemaType: 'AVRO'
  type: Type
}

/** A referenced schema, already in dependency order (dependencies first). */
export interface AvroReferenceText {
  name: string
  schema: string
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])
const NAMED = new Set(['record', 'error', 'enum', 'fixed'])
// Avro-Java's `Schema.toString()` order: known attributes, then custom properties, then (named types) aliases
const TYPE_KEY_ORDER = ['type', 'name', 'namespace', 'doc', 'fields', 'symbols', 'items', 'values', 'size', 'default']
const TYPE_KEY_LAST = ['aliases']
const FIELD_KEY_ORDER = ['name', 'type', 'doc', 'default', 'order', 'aliases']

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function namespaceOf (fullName: string): string {
  const i = fullName.lastIndexOf('.')
  return i < 0 ? '' : fullName.slice(0, i)
}

function simpleName (fullName: string): string {
  const i = fullName.lastIndexOf('.')
  return i < 0 ? fullName : fullName.slice(i + 1)
}

function qualify (name: string, enclosing: string): string {
  if (name.includes('.') || enclosing === '') return name
  return `${enclosing}.${name}`
}

function orderKeys (obj: Record<string, unknown>, order: string[], map: (key: string, v: unknown) => unknown, last: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of order) {
    if (k in obj && obj[k] !== undefined) out[k] = map(k, obj[k])
  }
  for (const k of Object.keys(obj).filter((x) => !order.includes(x) && !last.includes(x)).sort()) {
    if (obj[k] !== undefined) out[k] = map(k, obj[k])
  }
  for (const k of last) {
    if (k in obj && obj[k] !== undefined) out[k] = map(k, obj[k])
  }
  return out
}

/**
 * Canonical JSON value for an Avro schema, close to Avro-Java's `Schema.toString()`: fixed key order, all
 * attributes kept, `{"type":"int"}` collapsed to `"int"`, namespaces written only where they change.
 */
function canonicalNode (node: unknown, enclosing: string): unknown {
  if (typeof node === 'string') {
    if (PRIMITIVES.has(node)) return node
    const full = qualify(node, enclosing)
    return namespaceOf(full) === enclosing ? simpleName(full) : full
  }
  if (Array.isArray(node)) return node.map((b) => canonicalNode(b, enclosing))
  if (!isObject(node)) return node
  const t = node.type
  if (typeof t === 'string' && PRIMITIVES.has(t) && Object.keys(node).length === 1) return t
  if (typeof t === 'string' && NAMED.has(t) && typeof node.name === 'string') {
    const ns = typeof node.namespace === 'string' && !node.name.includes('.') ? node.namespace : enclosing
    const full = qualify(node.name, ns)
    const myNs = namespaceOf(full)
    const copy: Record<string, unknown> = { ...node, name: simpleName(full) }
    delete copy.namespace
    if (myNs !== enclosing) copy.namespace = myNs
    return orderKeys(copy, TYPE_KEY_ORDER, (k, v) => {
      if (k === 'fields' && Array.isArray(v)) {
        return v.map((f) => isObject(f)
          ? orderKeys(f, FIELD_KEY_ORDER, (fk, fv) => fk === 'type' ? canonicalNode(fv, myNs) : fv)
          : f)
      }
      return v
    }, TYPE_KEY_LAST)
  }
  return orderKeys(node, TYPE_KEY_ORDER, (k, v) => (k === 'type' || k === 'items' || k === 'values') ? canonicalNode(v, enclosing) : v)
}

export function avroCanonicalText (json: unknown): string {
  return JSON.stringify(canonicalNode(json, ''))
}

function parseJsonText (text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    // A bare type name is valid Avro when sent unquoted by some tools: accept only primitive names.
    const trimmed = text.trim()
    if (PRIMITIVES.has(trimmed)) return trimmed
    throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: ${(err as Error).message}`)
  }
}

/** Parse an Avro schema with its references (dependency order). Throws INVALID_SCHEMA. */
export function parseAvro (text: string, references: AvroReferenceText[] = []): AvroParsed {
  if (text.trim() === '') throw new RegistryError('INVALID_SCHEMA', 'Empty schema')
  const json = parseJsonText(text)
  const registry: Record<string, Type> = {}
  for (const ref of references) {
    try {
      avro.Type.forSchema(parseJsonText(ref.schema) as avro.Schema, { registry })
    } catch (err) {
      throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text} with refs ${JSON.stringify(references.map((r) => r.name))}, details: reference ${ref.name}: ${(err as Error).message}`)
    }
  }
  let type: Type
  try {
    type = avro.Type.forSchema(json as avro.Schema, { registry })
  } catch (err) {
    throw new RegistryError('INVALID_SCHEMA', `Invalid schema ${text}, details: ${(err as Error).message}`)
  }
  const canonical = avroCanonicalText(json)
  return { schemaType: 'AVRO', text: canonical, canonical, type }
}
