/**
 * The schema registry domain: subjects → versions → global ids, compatibility levels, modes, soft/hard deletes and
 * references, with Confluent Schema Registry semantics. All state is derived from the journal (Confluent `_schemas`
 * record shapes): every change is appended first and then applied through the same code path that replays the
 * journal at start-up, so a restart rebuilds exactly the same ids and versions.
 */
import { parseAvro, type AvroParsed } from './avro.js'
import { avroIncompatibilities, formatAvroIncompatibility } from './avro-compatibility.js'
import { RegistryError } from './errors.js'
import { compileSafeRegex } from '../util/regex-safety.js'
import { isKrestError } from '../util/errors.js'
import { JsonSchemaValidators, jsonSchemaReadProblems, parseJsonSchema, type JsonParsed } from './json-schema.js'
import {
  COMPATIBILITY_LEVELS, MODES,
  type CompatibilityLevel, type Mode, type SchemaInput, type SchemaJournal, type SchemaReference, type SchemaType,
  type SchemaVersion, type StoredSchema
} from './types.js'
import { SerialQueue } from '../util/serial-queue.js'

export type AnyParsed = AvroParsed | JsonParsed

export interface SchemaRegistryOptions {
  journal: SchemaJournal
  /** `schema.compatibility.level`, default BACKWARD. */
  defaultCompatibility?: CompatibilityLevel
  /**
   * Largest schema accepted, in bytes of its stored journal record (the text as JSON-escaped, with references):
   * `schema.max.bytes`, default 1,000,000, which fits a `_schemas` record under Kafka's default 1 MiB batch limit.
   */
  maxSchemaBytes?: number
}

export interface RegisterResult { id: number, version: number, existing: boolean }
export interface CompatibilityResult { isCompatible: boolean, messages: string[] }

const MAX_VERSION = 2 ** 31 - 1
export const DEFAULT_MAX_SCHEMA_BYTES = 1_000_000

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
function checkSchemaPatterns (text: string): void {
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
export type VersionSelector = number | 'latest'

/** Parses a version path parameter: `latest` (case-insensitive, trimmed), -1, or 1..2^31-1. Throws INVALID_VERSION. */
export function parseVersion (raw: string | number): VersionSelector {
  const s = String(raw).trim()
  if (s.toLowerCase() === 'latest') return 'latest'
  if (/^-?\d+$/.test(s)) {
    const n = Number(s)
    if (n === -1) return 'latest'
    if (n >= 1 && n <= MAX_VERSION) return n
  }
  throw new RegistryError('INVALID_VERSION', `The specified version '${String(raw)}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`)
}

export function parseCompatibilityLevel (raw: unknown): CompatibilityLevel {
  const s = typeof raw === 'string' ? raw.trim().toUpperCase() : ''
  const level = COMPATIBILITY_LEVELS.find((l) => l === s)
  if (level === undefined) {
    throw new RegistryError('INVALID_COMPATIBILITY_LEVEL', 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive')
  }
  return level
}

export function parseMode (raw: unknown): Mode {
  const s = typeof raw === 'string' ? raw.trim().toUpperCase() : ''
  const mode = MODES.find((m) => m === s)
  if (mode === undefined) throw new RegistryError('INVALID_MODE', 'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.')
  return mode
}

export function validateSubject (subject: string): void {
  // eslint-disable-next-line no-control-regex
  if (subject.length === 0 || /[\u0000-\u001f\u007f-\u009f]/.test(subject) || subject === '__GLOBAL' || subject === '__EMPTY') {
    throw new RegistryError('INVALID_SUBJECT', `The specified subject '${subject}' is not a valid.`)
  }
}

function subjectNotFound (subject: string): RegistryError {
  return new RegistryError('SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`)
}
function versionNotFound (v: VersionSelector | number): RegistryError {
  return new RegistryError('VERSION_NOT_FOUND', `Version ${String(v)} not found.`)
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

// ----- journal record shapes (Confluent `_schemas`; key field order matters for compaction) -----
function schemaKey (subject: string, version: number): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'SCHEMA', subject, version, magic: 1 }))
}
function configKey (subject: string | null): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'CONFIG', subject, magic: 0 }))
}
function modeKey (subject: string | null): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'MODE', subject, magic: 0 }))
}
/** krest-specific: the highest id ever assigned, written before hard deletes so ids are never reused after compaction. */
function maxIdKey (): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'MAX_ID', magic: 0 }))
}
function schemaValue (v: SchemaVersion): Buffer {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  out.schema = v.schema
  out.deleted = v.deleted
  return Buffer.from(JSON.stringify(out))
}

function readReferences (raw: unknown): SchemaReference[] {
  if (!Array.isArray(raw)) return []
  return raw.filter(isRecord).map((r) => ({ name: String(r.name), subject: String(r.subject), version: Number(r.version) }))
}

export class SchemaRegistry {
  private readonly journal: SchemaJournal
  private readonly defaultCompatibility: CompatibilityLevel
  private readonly maxSchemaBytes: number
  private readonly validators = new JsonSchemaValidators()

  private readonly subjects = new Map<string, Map<number, SchemaVersion>>()
  private readonly schemas = new Map<number, StoredSchema>()
  /** How many stored subject-versions (live or soft-deleted) hold each id. */
  private readonly holders = new Map<number, number>()
  private readonly configs = new Map<string, CompatibilityLevel>()
  private globalConfig: CompatibilityLevel | undefined
  private readonly modes = new Map<string, Mode>()
  private globalMode: Mode | undefined
  private maxId = 0

  private readonly parsedById = new Map<number, AnyParsed>()
  private readonly identityById = new Map<number, string>()
  private readonly idByIdentity = new Map<string, number>()
  private readonly writes = new SerialQueue()
  private applied = 0

  private constructor (opts: SchemaRegistryOptions) {
    this.journal = opts.journal
    this.defaultCompatibility = opts.defaultCompatibility ?? 'BACKWARD'
    this.maxSchemaBytes = opts.maxSchemaBytes ?? DEFAULT_MAX_SCHEMA_BYTES
  }

  /** Builds a registry and replays its journal; resolves once the whole history is applied. */
  static async open (opts: SchemaRegistryOptions): Promise<SchemaRegistry> {
    const r = new SchemaRegistry(opts)
    await r.journal.replay((key, value) => { r.apply(key, value) })
    return r
  }

  // ------------------------------------------------------------------------------------------------ apply / write

  /** The highest schema id ever assigned (ids are never reused). */
  get maxSchemaId (): number { return this.maxId }

  /** Changes every time a journal record is applied; lets callers cache lookups safely. */
  get generation (): number { return this.applied }

  private apply (keyBuf: Buffer, valueBuf: Buffer | null): void {
    this.applied++
    let key: unknown
    let value: unknown = null
    try {
      key = JSON.parse(keyBuf.toString('utf8')) as unknown
      if (valueBuf !== null) value = JSON.parse(valueBuf.toString('utf8')) as unknown
    } catch {
      return // not ours / corrupt: ignored, as Confluent's reader does
    }
    if (!isRecord(key)) return
    const subject = typeof key.subject === 'string' ? key.subject : null
    switch (key.keytype) {
      case 'SCHEMA': {
        if (subject === null || typeof key.version !== 'number') return
        if (value === null) { this.removeVersion(subject, key.version); return }
        if (!isRecord(value) || typeof value.id !== 'number' || typeof value.schema !== 'string') return
        const schemaType: SchemaType = value.schemaType === 'JSON' ? 'JSON' : 'AVRO'
        const v: SchemaVersion = {
          subject, version: key.version, id: value.id, schemaType, schema: value.schema,
          references: readReferences(value.references), deleted: value.deleted === true
        }
        const existing = this.schemas.get(v.id)
        if (existing !== undefined && (existing.schema !== v.schema || existing.schemaType !== v.schemaType) && !this.holdsSameIdentity(existing, v)) {
          return // an id collision with a different schema is ignored on replay, as Confluent does
        }
        const previous = this.subjects.get(subject)?.get(v.version)
        if (previous !== undefined && previous.id === v.id) {
          this.subjects.get(subject)?.set(v.version, v) // e.g. a soft delete: the id keeps its holder
          return
        }
        this.removeVersion(subject, v.version)
        let versions = this.subjects.get(subject)
        if (versions === undefined) { versions = new Map(); this.subjects.set(subject, versions) }
        versions.set(v.version, v)
        if (!this.schemas.has(v.id)) this.schemas.set(v.id, { id: v.id, schemaType: v.schemaType, schema: v.schema, references: v.references })
        this.holders.set(v.id, (this.holders.get(v.id) ?? 0) + 1)
        if (v.id > this.maxId) this.maxId = v.id
        return
      }
      case 'DELETE_SUBJECT': {
        const versions = subject === null ? undefined : this.subjects.get(subject)
        if (versions === undefined || !isRecord(value) || typeof value.version !== 'number') return
        for (const v of versions.values()) if (v.version <= value.version) v.deleted = true
        return
      }
      case 'CONFIG': {
        if (value === null) {
          if (subject === null) this.globalConfig = undefined
          else this.configs.delete(subject)
          return
        }
        if (!isRecord(value)) return
        const level = COMPATIBILITY_LEVELS.find((l) => l === String(value.compatibilityLevel).toUpperCase())
        if (level === undefined) return
        if (subject === null) this.globalConfig = level
        else this.configs.set(subject, level)
        return
      }
      case 'MODE': {
        if (value === null) {
          if (subject === null) this.globalMode = undefined
          else this.modes.delete(subject)
          return
        }
        if (!isRecord(value)) return
        const mode = MODES.find((m) => m === String(value.mode).toUpperCase())
        if (mode === undefined) return
        if (subject === null) this.globalMode = mode
        else this.modes.set(subject, mode)
        return
      }
      case 'MAX_ID': {
        if (isRecord(value) && typeof value.maxId === 'number' && value.maxId > this.maxId) this.maxId = value.maxId
        return
      }
      default:
    }
  }

  private holdsSameIdentity (a: StoredSchema, b: SchemaVersion): boolean {
    try {
      return this.identityOf(a.id) === this.identityKey(this.parse(b.schemaType, b.schema, b.references), b.references)
    } catch {
      return false
    }
  }

  private removeVersion (subject: string, version: number): void {
    const versions = this.subjects.get(subject)
    const old = versions?.get(version)
    if (versions === undefined || old === undefined) return
    versions.delete(version)
    if (versions.size === 0) this.subjects.delete(subject)
    const n = (this.holders.get(old.id) ?? 1) - 1
    if (n > 0) { this.holders.set(old.id, n); return }
    // no subject-version holds the id any more: it is gone (a re-registration gets a new id, as in Confluent)
    this.holders.delete(old.id)
    this.schemas.delete(old.id)
    this.parsedById.delete(old.id)
    const identity = this.identityById.get(old.id)
    this.identityById.delete(old.id)
    if (identity !== undefined && this.idByIdentity.get(identity) === old.id) this.idByIdentity.delete(identity)
  }

  /** Appends records in order and applies each once it is durable. */
  private async write (records: Array<[Buffer, Buffer | null]>): Promise<void> {
    for (const [k, v] of records) {
      try {
        await this.journal.append(k, v)
      } catch (err) {
        // the `_schemas` topic's own record limit (max.message.bytes) may be below schema.max.bytes
        if (isKrestError(err, 'RECORD_TOO_LARGE')) throw new RegistryError('SCHEMA_TOO_LARGE', `Schema too large for the schema store: ${err.message}`, { cause: err })
        throw new RegistryError('STORE_ERROR', `Error while writing to the schema store: ${(err as Error).message}`, { cause: err })
      }
      this.apply(k, v)
    }
  }

  /** Runs mutations one at a time so each sees the state left by the previous one. */
  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    return this.writes.run(fn)
  }

  // ------------------------------------------------------------------------------------------------ parsing

  private resolveReferenceVersion (ref: SchemaReference): SchemaVersion {
    const versions = this.subjects.get(ref.subject)
    let v: SchemaVersion | undefined
    if (versions !== undefined) {
      if (ref.version === -1) v = this.latestLive(ref.subject)
      else v = versions.get(ref.version)
    }
    if (v === undefined) {
      throw new RegistryError('INVALID_SCHEMA', `Invalid schema: reference ${ref.name} to subject '${ref.subject}' version ${ref.version} not found`)
    }
    return v
  }

  /** Referenced schemas, transitively, dependencies first, deduplicated by subject-version. */
  private flattenReferences (refs: SchemaReference[], out: Array<{ name: string, schemaType: SchemaType, schema: string }> = [], seen = new Set<string>(), depth = 0): Array<{ name: string, schemaType: SchemaType, schema: string }> {
    if (depth > 32) throw new RegistryError('INVALID_SCHEMA', 'Invalid schema: references nest too deeply')
    for (const ref of refs) {
      const v = this.resolveReferenceVersion(ref)
      const key = `${v.subject}\u0000${v.version}`
      if (seen.has(key)) continue
      seen.add(key)
      this.flattenReferences(v.references, out, seen, depth + 1)
      out.push({ name: ref.name, schemaType: v.schemaType, schema: v.schema })
    }
    return out
  }

  private parse (schemaType: SchemaType, text: string, refs: SchemaReference[]): AnyParsed {
    if (jsonNestingDepth(text, MAX_SCHEMA_NESTING) > MAX_SCHEMA_NESTING) throw new RegistryError('INVALID_SCHEMA', `Invalid schema: nested deeper than ${MAX_SCHEMA_NESTING} levels`)
    if (schemaType === 'JSON') checkSchemaPatterns(text)
    const flat = this.flattenReferences(refs)
    if (schemaType === 'AVRO') return parseAvro(text, flat.filter((r) => r.schemaType === 'AVRO'))
    return parseJsonSchema(text, flat.filter((r) => r.schemaType === 'JSON'), this.validators)
  }

  private identityKey (p: AnyParsed, refs: SchemaReference[]): string {
    return `${p.schemaType}\u0000${p.canonical}\u0000${refs.map((r) => `${r.name}\u0001${r.subject}\u0001${r.version}`).join('\u0002')}`
  }

  /** The parsed form of a stored schema id (cached). */
  parsedSchema (id: number): AnyParsed {
    const cached = this.parsedById.get(id)
    if (cached !== undefined) return cached
    const s = this.schemas.get(id)
    if (s === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`)
    const p = this.parse(s.schemaType, s.schema, s.references)
    this.parsedById.set(id, p)
    return p
  }

  private identityOf (id: number): string | undefined {
    const cached = this.identityById.get(id)
    if (cached !== undefined) return cached
    const s = this.schemas.get(id)
    if (s === undefined) return undefined
    let key: string
    try {
      key = this.identityKey(this.parsedSchema(id), s.references)
    } catch {
      key = `unparsable\u0000${id}`
    }
    this.identityById.set(id, key)
    if (!this.idByIdentity.has(key)) this.idByIdentity.set(key, id)
    return key
  }

  private findIdByIdentity (key: string): number | undefined {
    const known = this.idByIdentity.get(key)
    if (known !== undefined && this.schemas.has(known)) return known
    for (const id of this.schemas.keys()) {
      if (!this.identityById.has(id) && this.identityOf(id) === key) return id
    }
    return undefined
  }

  private normalizeInput (input: SchemaInput): { schemaType: SchemaType, references: SchemaReference[] } {
    const t = (input.schemaType ?? 'AVRO').toUpperCase()
    if (t !== 'AVRO' && t !== 'JSON') {
      throw new RegistryError('INVALID_SCHEMA', t === 'PROTOBUF' ? 'Invalid schema type PROTOBUF: not supported by this registry' : `Invalid schema type ${input.schemaType ?? ''}`)
    }
    if (typeof input.schema !== 'string') throw new RegistryError('INVALID_SCHEMA', 'Empty schema')
    if (input.schema.trim() === '') throw new RegistryError('INVALID_SCHEMA', 'Empty schema')
    this.checkSize(Buffer.byteLength(input.schema), 'bytes')
    const references = (input.references ?? []).map((r) => {
      if (typeof r.name !== 'string' || typeof r.subject !== 'string' || !Number.isInteger(r.version)) {
        throw new RegistryError('INVALID_SCHEMA', 'Invalid schema: a reference needs a name, a subject and an integer version')
      }
      // pin "latest" (-1) to the version it means now, so the stored schema's meaning cannot drift
      const version = r.version === -1 ? this.resolveReferenceVersion(r).version : r.version
      return { name: r.name, subject: r.subject, version }
    })
    return { schemaType: t, references }
  }

  private checkSize (bytes: number, what: string): void {
    if (bytes > this.maxSchemaBytes) throw new RegistryError('SCHEMA_TOO_LARGE', `Schema too large: ${bytes} ${what}, the limit (schema.max.bytes) is ${this.maxSchemaBytes}`)
  }

  // ------------------------------------------------------------------------------------------------ reads

  private latestLive (subject: string): SchemaVersion | undefined {
    const versions = this.subjects.get(subject)
    if (versions === undefined) return undefined
    let best: SchemaVersion | undefined
    for (const v of versions.values()) if (!v.deleted && (best === undefined || v.version > best.version)) best = v
    return best
  }

  private liveVersionsNewestFirst (subject: string): SchemaVersion[] {
    return [...(this.subjects.get(subject)?.values() ?? [])].filter((v) => !v.deleted).sort((a, b) => b.version - a.version)
  }

  listSubjects (opts: { deleted?: boolean, deletedOnly?: boolean, subjectPrefix?: string } = {}): string[] {
    const prefix = opts.subjectPrefix === undefined || opts.subjectPrefix === ':*:' ? '' : opts.subjectPrefix
    const out: string[] = []
    for (const [s, versions] of this.subjects) {
      if (!s.startsWith(prefix)) continue
      const live = [...versions.values()].some((v) => !v.deleted)
      if (opts.deletedOnly === true ? !live : (live || opts.deleted === true)) out.push(s)
    }
    return out.sort()
  }

  listVersions (subject: string, opts: { deleted?: boolean, deletedOnly?: boolean } = {}): number[] {
    const versions = this.subjects.get(subject)
    const out = [...(versions?.values() ?? [])]
      .filter((v) => opts.deletedOnly === true ? v.deleted : (!v.deleted || opts.deleted === true))
      .map((v) => v.version)
      .sort((a, b) => a - b)
    if (out.length === 0 && opts.deletedOnly !== true) throw subjectNotFound(subject)
    return out
  }

  getVersion (subject: string, selector: VersionSelector, opts: { deleted?: boolean } = {}): SchemaVersion {
    const versions = this.subjects.get(subject)
    if (versions === undefined) throw subjectNotFound(subject)
    const anyLive = [...versions.values()].some((v) => !v.deleted)
    if (!anyLive && opts.deleted !== true) throw subjectNotFound(subject)
    let v: SchemaVersion | undefined
    if (selector === 'latest') {
      v = this.latestLive(subject)
      if (v === undefined && opts.deleted === true) v = [...versions.values()].sort((a, b) => b.version - a.version)[0]
    } else {
      v = versions.get(selector)
      if (v !== undefined && v.deleted && opts.deleted !== true) v = undefined
    }
    if (v === undefined) throw versionNotFound(selector)
    return v
  }

  getSchemaById (id: number): StoredSchema {
    const s = this.schemas.get(id)
    if (s === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`)
    return s
  }

  versionsForId (id: number, opts: { deleted?: boolean } = {}): Array<{ subject: string, version: number }> {
    this.getSchemaById(id)
    const out: Array<{ subject: string, version: number }> = []
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) if (v.id === id && (!v.deleted || opts.deleted === true)) out.push({ subject: v.subject, version: v.version })
    }
    return out.sort((a, b) => a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : a.version - b.version)
  }

  subjectsForId (id: number, opts: { deleted?: boolean } = {}): string[] {
    return [...new Set(this.versionsForId(id, opts).map((v) => v.subject))]
  }

  listSchemas (opts: { subjectPrefix?: string, deleted?: boolean, latestOnly?: boolean } = {}): SchemaVersion[] {
    const out: SchemaVersion[] = []
    for (const subject of this.listSubjects({ subjectPrefix: opts.subjectPrefix, deleted: opts.deleted })) {
      const versions = [...(this.subjects.get(subject)?.values() ?? [])]
        .filter((v) => !v.deleted || opts.deleted === true)
        .sort((a, b) => a.version - b.version)
      if (opts.latestOnly === true) { const last = versions[versions.length - 1]; if (last !== undefined) out.push(last) } else out.push(...versions)
    }
    return out
  }

  /** Ids of stored schemas (live or soft-deleted) that reference `subject` at `selector`. */
  referencedBy (subject: string, selector: VersionSelector): number[] {
    const target = this.getVersion(subject, selector, { deleted: true })
    return [...this.referrers(target.subject, target.version, true)].map((v) => v.id).filter((id, i, a) => a.indexOf(id) === i).sort((a, b) => a - b)
  }

  private referrers (subject: string, version: number, includeDeleted: boolean): SchemaVersion[] {
    const out: SchemaVersion[] = []
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!includeDeleted && v.deleted) continue
        if (v.references.some((r) => r.subject === subject && r.version === version)) out.push(v)
      }
    }
    return out
  }

  /** Is this schema registered under the subject? Returns the stored version (the stored text, not the posted one). */
  lookup (subject: string, input: SchemaInput, opts: { deleted?: boolean } = {}): SchemaVersion {
    const versions = this.subjects.get(subject)
    if (versions === undefined) throw subjectNotFound(subject)
    if (![...versions.values()].some((v) => !v.deleted) && opts.deleted !== true) throw subjectNotFound(subject)
    const { schemaType, references } = this.normalizeInput(input)
    const parsed = this.parse(schemaType, input.schema, references)
    const key = this.identityKey(parsed, references)
    const candidates = [...versions.values()].filter((v) => !v.deleted || opts.deleted === true).sort((a, b) => a.version - b.version)
    const hit = candidates.find((v) => this.identityOf(v.id) === key) ??
      // a fully inlined schema (no references) also matches a stored one that uses references for the same types
      (references.length === 0 ? candidates.find((v) => this.sameResolvedSchema(v.id, parsed)) : undefined)
    if (hit === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', 'Schema not found')
    return hit
  }

  /** Same schema once references are resolved (Avro: the resolved type with its attributes; JSON: same text). */
  private sameResolvedSchema (id: number, candidate: AnyParsed): boolean {
    let stored: AnyParsed
    try { stored = this.parsedSchema(id) } catch { return false }
    if (stored.schemaType === 'AVRO' && candidate.schemaType === 'AVRO') {
      return JSON.stringify(stored.type.schema({ exportAttrs: true })) === JSON.stringify(candidate.type.schema({ exportAttrs: true }))
    }
    return stored.schemaType === candidate.schemaType && stored.canonical === candidate.canonical
  }

  // ------------------------------------------------------------------------------------------------ config & mode

  effectiveCompatibility (subject: string): CompatibilityLevel {
    return this.configs.get(subject) ?? this.globalConfig ?? this.defaultCompatibility
  }

  getGlobalCompatibility (): CompatibilityLevel {
    return this.globalConfig ?? this.defaultCompatibility
  }

  getSubjectCompatibility (subject: string, defaultToGlobal: boolean): CompatibilityLevel {
    const own = this.configs.get(subject)
    if (own !== undefined) return own
    if (defaultToGlobal) return this.getGlobalCompatibility()
    throw new RegistryError('SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED', `Subject '${subject}' does not have subject-level compatibility configured`)
  }

  async setCompatibility (subject: string | null, level: CompatibilityLevel): Promise<void> {
    if (subject !== null) validateSubject(subject)
    await this.exclusive(async () => {
      this.checkWritable(subject)
      await this.write([[configKey(subject), Buffer.from(JSON.stringify({ compatibilityLevel: level }))]])
    })
  }

  /** Removes a level; returns the level that was in force before. */
  async deleteCompatibility (subject: string | null): Promise<CompatibilityLevel> {
    return await this.exclusive(async () => {
      this.checkWritable(subject)
      if (subject === null) {
        const old = this.getGlobalCompatibility()
        if (this.globalConfig !== undefined) await this.write([[configKey(null), null]])
        return old
      }
      const old = this.configs.get(subject)
      if (old === undefined) throw subjectNotFound(subject)
      await this.write([[configKey(subject), null]])
      return old
    })
  }

  getGlobalMode (): Mode {
    return this.globalMode ?? 'READWRITE'
  }

  effectiveMode (subject: string | null): Mode {
    // READONLY_OVERRIDE at the global level wins over subject-level modes
    if (this.globalMode === 'READONLY_OVERRIDE') return 'READONLY_OVERRIDE'
    return (subject === null ? undefined : this.modes.get(subject)) ?? this.getGlobalMode()
  }

  getSubjectMode (subject: string, defaultToGlobal: boolean): Mode {
    const own = this.modes.get(subject)
    if (own !== undefined) return own
    if (defaultToGlobal) return this.getGlobalMode()
    throw new RegistryError('SUBJECT_LEVEL_MODE_NOT_CONFIGURED', `Subject '${subject}' does not have subject-level mode configured`)
  }

  async setMode (subject: string | null, mode: Mode, opts: { force?: boolean } = {}): Promise<void> {
    if (subject !== null) validateSubject(subject)
    await this.exclusive(async () => {
      if (mode === 'IMPORT' && opts.force !== true) {
        const live = subject === null ? this.listSubjects().length > 0 : this.latestLive(subject) !== undefined
        if (live) throw new RegistryError('OPERATION_NOT_PERMITTED', 'Cannot import since found existing subjects')
      }
      await this.write([[modeKey(subject), Buffer.from(JSON.stringify({ subject, mode }))]])
    })
  }

  async deleteMode (subject: string): Promise<Mode> {
    return await this.exclusive(async () => {
      const old = this.modes.get(subject)
      if (old === undefined) throw subjectNotFound(subject)
      await this.write([[modeKey(subject), null]])
      return old
    })
  }

  private checkWritable (subject: string | null): void {
    const mode = this.effectiveMode(subject)
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw new RegistryError('OPERATION_NOT_PERMITTED', subject === null ? 'The registry is in read-only mode' : `Subject ${subject} is in read-only mode`)
    }
  }

  // ------------------------------------------------------------------------------------------------ compatibility

  /** Why `reader` cannot read data written with `writer`; the labels say which is the new and which the old schema. */
  private readProblems (reader: AnyParsed, writer: AnyParsed, readerLabel: string, writerLabel: string): string[] {
    if (reader.schemaType === 'AVRO' && writer.schemaType === 'AVRO') {
      return avroIncompatibilities(reader.type, writer.type, readerLabel, writerLabel).map(formatAvroIncompatibility)
    }
    if (reader.schemaType === 'JSON' && writer.schemaType === 'JSON') return jsonSchemaReadProblems(reader, writer)
    return ['Incompatible because of different schema type']
  }

  /** Checks `candidate` against `previous` (newest first) under `level`; the messages say what broke. */
  private check (candidate: AnyParsed, previous: SchemaVersion[], level: CompatibilityLevel): string[] {
    if (level === 'NONE') return []
    const transitive = level.endsWith('_TRANSITIVE')
    const targets = transitive ? previous : previous.slice(0, 1)
    const backward = level.startsWith('BACKWARD') || level.startsWith('FULL')
    const forward = level.startsWith('FORWARD') || level.startsWith('FULL')
    for (const prev of targets) {
      const old = this.parsedSchema(prev.id)
      const messages: string[] = []
      if (old.schemaType !== candidate.schemaType) {
        messages.push('Incompatible because of different schema type')
      } else {
        // BACKWARD: the new schema reads old data; FORWARD: the old schema reads new data
        if (backward) messages.push(...this.readProblems(candidate, old, 'new', 'old'))
        if (forward) messages.push(...this.readProblems(old, candidate, 'old', 'new'))
      }
      if (messages.length > 0) {
        const oldText = prev.schema.length > 10240 ? `${prev.schema.slice(0, 10240)}...` : prev.schema
        messages.push(`{oldSchemaVersion: ${prev.version}}`, `{oldSchema: '${oldText}'}`, `{validateFields: 'false', compatibility: '${level}'}`)
        return messages
      }
    }
    return []
  }

  /**
   * POST /compatibility/subjects/{s}/versions[/{v}]: with a version, checks against that one version only (so
   * transitive levels collapse); without, against all live versions like register does. Never changes state.
   */
  testCompatibility (subject: string, selector: VersionSelector | undefined, input: SchemaInput, opts: { verbose?: boolean } = {}): CompatibilityResult {
    let parsed: AnyParsed
    try {
      const { schemaType, references } = this.normalizeInput(input)
      parsed = this.parse(schemaType, input.schema, references)
    } catch (err) {
      if (opts.verbose === true && err instanceof RegistryError && err.kind === 'INVALID_SCHEMA') return { isCompatible: false, messages: [err.message] }
      throw err
    }
    const level = this.effectiveCompatibility(subject)
    let previous: SchemaVersion[]
    if (selector === undefined) {
      previous = this.liveVersionsNewestFirst(subject)
    } else if (selector === 'latest') {
      const latest = this.latestLive(subject)
      previous = latest === undefined ? [] : [latest]
    } else {
      const v = this.subjects.get(subject)?.get(selector)
      if (v === undefined || v.deleted) throw versionNotFound(selector)
      previous = [v]
    }
    const effective: CompatibilityLevel = selector !== undefined && level.endsWith('_TRANSITIVE') ? level.replace('_TRANSITIVE', '') as CompatibilityLevel : level
    const messages = this.check(parsed, previous, effective)
    return { isCompatible: messages.length === 0, messages }
  }

  // ------------------------------------------------------------------------------------------------ register

  async register (subject: string, input: SchemaInput): Promise<RegisterResult> {
    validateSubject(subject)
    return await this.exclusive(async () => {
      const mode = this.effectiveMode(subject)
      if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') throw new RegistryError('OPERATION_NOT_PERMITTED', `Subject ${subject} is in read-only mode`)
      const importing = mode === 'IMPORT'
      if (!importing && input.id !== undefined && input.id >= 0) {
        throw new RegistryError('OPERATION_NOT_PERMITTED', `Subject ${subject} is not in import mode`)
      }
      const { schemaType, references } = this.normalizeInput(input)
      const parsed = this.parse(schemaType, input.schema, references)
      const key = this.identityKey(parsed, references)
      const versions = this.subjects.get(subject)

      // the same schema already live in this subject: its id and version, no compatibility check
      if (versions !== undefined && !(importing && input.id !== undefined)) {
        const same = [...versions.values()].filter((v) => !v.deleted).sort((a, b) => a.version - b.version).find((v) => this.identityOf(v.id) === key)
        if (same !== undefined) return { id: same.id, version: same.version, existing: true }
      }

      let id = this.findIdByIdentity(key)
      if (importing && input.id !== undefined && input.id >= 0) {
        const holder = this.schemas.get(input.id)
        if (holder !== undefined && this.identityOf(input.id) !== key) {
          throw new RegistryError('ID_DOES_NOT_MATCH', `Schema id ${input.id} already exists with a different schema`)
        }
        id = input.id
      }

      if (!importing) {
        const messages = this.check(parsed, this.liveVersionsNewestFirst(subject), this.effectiveCompatibility(subject))
        if (messages.length > 0) {
          throw new RegistryError('INCOMPATIBLE_SCHEMA', `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`)
        }
      }

      const maxVersion = Math.max(0, ...(versions?.keys() ?? []))
      let version = maxVersion + 1
      if (input.version !== undefined && input.version !== -1) {
        if (importing) {
          if (!Number.isInteger(input.version) || input.version < 1 || input.version > MAX_VERSION) parseVersion(String(input.version))
          const clash = versions?.get(input.version)
          if (clash !== undefined && clash.id !== id) throw new RegistryError('OPERATION_NOT_PERMITTED', `Overwrite new schema with id ${id ?? -1} is not permitted: version ${input.version} already exists`)
          version = input.version
        } else if (input.version !== version) {
          throw new RegistryError('INVALID_SCHEMA', 'Version is not one more than previous version')
        }
      }
      if (version > MAX_VERSION) throw new RegistryError('INVALID_SCHEMA', 'Too many versions')
      const finalId = id ?? this.maxId + 1
      const record: SchemaVersion = { subject, version, id: finalId, schemaType, schema: parsed.text, references, deleted: false }
      const value = schemaValue(record)
      this.checkSize(value.length, 'bytes once stored')
      await this.write([[schemaKey(subject, version), value]])
      this.parsedById.set(finalId, this.parsedById.get(finalId) ?? parsed)
      return { id: finalId, version, existing: false }
    })
  }

  // ------------------------------------------------------------------------------------------------ deletes

  async deleteVersion (subject: string, selector: VersionSelector, opts: { permanent?: boolean } = {}): Promise<number> {
    return await this.exclusive(async () => {
      this.checkWritable(subject)
      const versions = this.subjects.get(subject)
      if (versions === undefined) throw subjectNotFound(subject)
      const permanent = opts.permanent === true
      let target: SchemaVersion | undefined
      if (selector === 'latest') {
        target = this.latestLive(subject)
        if (target === undefined && permanent) target = [...versions.values()].sort((a, b) => b.version - a.version)[0]
      } else {
        target = versions.get(selector)
      }
      if (target === undefined) {
        if (!permanent && ![...versions.values()].some((v) => !v.deleted)) throw subjectNotFound(subject)
        throw versionNotFound(selector)
      }
      const referenceError = new RegistryError('REFERENCE_EXISTS', `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${target.version}}.`)
      if (!permanent) {
        if (target.deleted) throw new RegistryError('VERSION_SOFT_DELETED', `Subject '${subject}' Version ${target.version} was soft deleted.Set permanent=true to delete permanently`)
        if (this.referrers(subject, target.version, false).length > 0) throw referenceError
        await this.write([[schemaKey(subject, target.version), schemaValue({ ...target, deleted: true })]])
        return target.version
      }
      if (!target.deleted) throw new RegistryError('VERSION_NOT_SOFT_DELETED', `Subject '${subject}' Version ${target.version} was not deleted first before being permanently deleted`)
      if (this.referrers(subject, target.version, true).length > 0) throw referenceError
      const records: Array<[Buffer, Buffer | null]> = [
        [maxIdKey(), Buffer.from(JSON.stringify({ maxId: this.maxId }))],
        [schemaKey(subject, target.version), null]
      ]
      if (versions.size === 1) records.push(...this.subjectSettingsTombstones(subject))
      await this.write(records)
      return target.version
    })
  }

  async deleteSubject (subject: string, opts: { permanent?: boolean } = {}): Promise<number[]> {
    return await this.exclusive(async () => {
      this.checkWritable(subject)
      const versions = this.subjects.get(subject)
      if (versions === undefined) throw subjectNotFound(subject)
      const all = [...versions.values()].sort((a, b) => a.version - b.version)
      const live = all.filter((v) => !v.deleted)
      const referencedFromElsewhere = (list: SchemaVersion[], includeDeleted: boolean): SchemaVersion | undefined =>
        list.find((v) => this.referrers(subject, v.version, includeDeleted).some((r) => r.subject !== subject))
      if (opts.permanent !== true) {
        if (live.length === 0) throw new RegistryError('SUBJECT_SOFT_DELETED', `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`)
        const blocked = referencedFromElsewhere(live, false)
        if (blocked !== undefined) throw new RegistryError('REFERENCE_EXISTS', `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${blocked.version}}.`)
        await this.write(live.map((v) => [schemaKey(subject, v.version), schemaValue({ ...v, deleted: true })]))
        return live.map((v) => v.version)
      }
      if (live.length > 0) throw new RegistryError('SUBJECT_NOT_SOFT_DELETED', `Subject '${subject}' was not deleted first before being permanently deleted`)
      const blocked = referencedFromElsewhere(all, true)
      if (blocked !== undefined) throw new RegistryError('REFERENCE_EXISTS', `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${blocked.version}}.`)
      await this.write([
        [maxIdKey(), Buffer.from(JSON.stringify({ maxId: this.maxId }))],
        ...all.map((v): [Buffer, Buffer | null] => [schemaKey(subject, v.version), null]),
        ...this.subjectSettingsTombstones(subject)
      ])
      return all.map((v) => v.version)
    })
  }

  private subjectSettingsTombstones (subject: string): Array<[Buffer, Buffer | null]> {
    const out: Array<[Buffer, Buffer | null]> = []
    if (this.configs.has(subject)) out.push([configKey(subject), null])
    if (this.modes.has(subject)) out.push([modeKey(subject), null])
    return out
  }

  // ------------------------------------------------------------------------------------------------ for serde

  /**
   * For producers: the id of `schema` under `subject`, registering it if new (Confluent REST Proxy's auto-register:
   * lookup first, then register).
   */
  async lookupOrRegister (subject: string, input: SchemaInput): Promise<number> {
    try {
      return this.lookup(subject, input).id
    } catch (err) {
      if (!(err instanceof RegistryError) || (err.kind !== 'SUBJECT_NOT_FOUND' && err.kind !== 'SCHEMA_NOT_FOUND')) throw err
    }
    return (await this.register(subject, input)).id
  }
}
