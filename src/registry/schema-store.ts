/**
 * The registry's state: subjects → versions → global ids, configs and modes, rebuilt from the journal (Confluent
 * `_schemas` record shapes) by `apply`, the one code path that both start-up replay and every write go through, so
 * a restart rebuilds exactly the same ids and versions. Also the reads over that state and the parsed-schema and
 * identity caches. Writes (register, deletes, config and mode changes) are in registry.ts.
 */
import { parseAvro, type AvroParsed } from './avro.js'
import { RegistryError } from './errors.js'
import { JsonSchemaValidators, parseJsonSchema, sortedJson, type JsonParsed } from './json-schema.js'
import { isRecord, readObject, readReferences } from './journal-records.js'
import { parseProtobuf, type ProtobufParsed } from './protobuf.js'
import { MAX_SCHEMA_NESTING, checkSchemaPatterns, jsonNestingDepth } from './schema-guards.js'
import {
  COMPATIBILITY_LEVELS, MODES,
  type CompatibilityLevel, type Mode, type RegistryConfig, type SchemaInput, type SchemaMetadata,
  type SchemaReference, type SchemaRuleSet, type SchemaType, type SchemaVersion, type StoredSchema, type VersionSelector
} from './types.js'

export type AnyParsed = AvroParsed | JsonParsed | ProtobufParsed

export const DEFAULT_MAX_SCHEMA_BYTES = 1_000_000

export function validateSubject (subject: string): void {
  // eslint-disable-next-line no-control-regex
  if (subject.length === 0 || /[\u0000-\u001f\u007f-\u009f]/.test(subject) || subject === '__GLOBAL' || subject === '__EMPTY') {
    throw new RegistryError('INVALID_SUBJECT', `The specified subject '${subject}' is not a valid.`)
  }
}

export function subjectNotFound (subject: string): RegistryError {
  return new RegistryError('SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`)
}
export function versionNotFound (v: VersionSelector | number): RegistryError {
  return new RegistryError('VERSION_NOT_FOUND', `Version ${String(v)} not found.`)
}

export function sameContract (a: { metadata?: SchemaMetadata | undefined, ruleSet?: SchemaRuleSet | undefined }, b: { metadata?: SchemaMetadata | undefined, ruleSet?: SchemaRuleSet | undefined }): boolean {
  return sortedJson(a.metadata ?? null) === sortedJson(b.metadata ?? null) && sortedJson(a.ruleSet ?? null) === sortedJson(b.ruleSet ?? null)
}

export class SchemaStore {
  protected readonly defaultCompatibility: CompatibilityLevel
  protected readonly maxSchemaBytes: number
  protected readonly validators = new JsonSchemaValidators()

  protected readonly subjects = new Map<string, Map<number, SchemaVersion>>()
  protected readonly schemas = new Map<number, StoredSchema>()
  /** How many stored subject-versions (live or soft-deleted) hold each id. */
  protected readonly holders = new Map<number, number>()
  protected readonly configs = new Map<string, RegistryConfig>()
  protected globalConfig: RegistryConfig | undefined
  protected readonly modes = new Map<string, Mode>()
  protected globalMode: Mode | undefined
  protected maxId = 0

  protected readonly parsedById = new Map<number, AnyParsed>()
  protected readonly identityById = new Map<number, string>()
  protected readonly idByIdentity = new Map<string, number>()
  private applied = 0

  protected constructor (opts: { defaultCompatibility?: CompatibilityLevel | undefined, maxSchemaBytes?: number | undefined }) {
    this.defaultCompatibility = opts.defaultCompatibility ?? 'BACKWARD'
    this.maxSchemaBytes = opts.maxSchemaBytes ?? DEFAULT_MAX_SCHEMA_BYTES
  }

  // ------------------------------------------------------------------------------------------------ state from the journal

  /** The highest schema id ever assigned (ids are never reused). */
  get maxSchemaId (): number { return this.maxId }

  /** Changes every time a journal record is applied; lets callers cache lookups safely. */
  get generation (): number { return this.applied }

  protected apply (keyBuf: Buffer, valueBuf: Buffer | null): void {
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
        const schemaType: SchemaType = value.schemaType === 'JSON' || value.schemaType === 'PROTOBUF' ? value.schemaType : 'AVRO'
        const v: SchemaVersion = {
          subject, version: key.version, id: value.id, schemaType, schema: value.schema,
          references: readReferences(value.references), deleted: value.deleted === true,
          metadata: readObject(value.metadata), ruleSet: readObject(value.ruleSet)
        }
        const existing = this.schemas.get(v.id)
        if (existing !== undefined && (existing.schema !== v.schema || existing.schemaType !== v.schemaType || !sameContract(existing, v)) && !this.holdsSameIdentity(existing, v)) {
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
        if (!this.schemas.has(v.id)) this.schemas.set(v.id, { id: v.id, schemaType: v.schemaType, schema: v.schema, references: v.references, metadata: v.metadata, ruleSet: v.ruleSet })
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
        const config: RegistryConfig = {}
        const level = COMPATIBILITY_LEVELS.find((l) => l === String(value.compatibilityLevel).toUpperCase())
        if (level !== undefined) config.compatibilityLevel = level
        if (typeof value.normalize === 'boolean') config.normalize = value.normalize
        if (config.compatibilityLevel === undefined && config.normalize === undefined) return
        if (subject === null) this.globalConfig = config
        else this.configs.set(subject, config)
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

  protected holdsSameIdentity (a: StoredSchema, b: SchemaVersion): boolean {
    try {
      return this.identityOf(a.id) === this.identityKey(this.parse(b.schemaType, b.schema, b.references), b)
    } catch {
      return false
    }
  }

  protected removeVersion (subject: string, version: number): void {
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
  // ------------------------------------------------------------------------------------------------ parsing and identity

  protected resolveReferenceVersion (ref: SchemaReference): SchemaVersion {
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
  protected flattenReferences (refs: SchemaReference[], out: Array<{ name: string, schemaType: SchemaType, schema: string }> = [], seen = new Set<string>(), depth = 0): Array<{ name: string, schemaType: SchemaType, schema: string }> {
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

  protected parse (schemaType: SchemaType, text: string, refs: SchemaReference[]): AnyParsed {
    if (schemaType !== 'PROTOBUF' && jsonNestingDepth(text, MAX_SCHEMA_NESTING) > MAX_SCHEMA_NESTING) throw new RegistryError('INVALID_SCHEMA', `Invalid schema: nested deeper than ${MAX_SCHEMA_NESTING} levels`)
    if (schemaType === 'JSON') checkSchemaPatterns(text)
    const flat = this.flattenReferences(refs)
    if (schemaType === 'AVRO') return parseAvro(text, flat.filter((r) => r.schemaType === 'AVRO'))
    if (schemaType === 'PROTOBUF') return parseProtobuf(text, flat.filter((r) => r.schemaType === 'PROTOBUF'))
    return parseJsonSchema(text, flat.filter((r) => r.schemaType === 'JSON'), this.validators)
  }

  /** Identity of a schema: type, canonical text, references, and the data contract (Confluent's MD5 covers them all). */
  protected identityKey (p: AnyParsed, c: { references: SchemaReference[], metadata?: SchemaMetadata | undefined, ruleSet?: SchemaRuleSet | undefined }): string {
    const refs = c.references.map((r) => `${r.name}\u0001${r.subject}\u0001${r.version}`).join('\u0002')
    const contract = c.metadata === undefined && c.ruleSet === undefined ? '' : `\u0000${sortedJson(c.metadata ?? null)}\u0000${sortedJson(c.ruleSet ?? null)}`
    return `${p.schemaType}\u0000${p.canonical}\u0000${refs}${contract}`
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

  protected identityOf (id: number): string | undefined {
    const cached = this.identityById.get(id)
    if (cached !== undefined) return cached
    const s = this.schemas.get(id)
    if (s === undefined) return undefined
    let key: string
    try {
      key = this.identityKey(this.parsedSchema(id), s)
    } catch {
      key = `unparsable\u0000${id}`
    }
    this.identityById.set(id, key)
    if (!this.idByIdentity.has(key)) this.idByIdentity.set(key, id)
    return key
  }

  protected findIdByIdentity (key: string): number | undefined {
    const known = this.idByIdentity.get(key)
    if (known !== undefined && this.schemas.has(known)) return known
    for (const id of this.schemas.keys()) {
      if (!this.identityById.has(id) && this.identityOf(id) === key) return id
    }
    return undefined
  }

  protected normalizeInput (input: SchemaInput): { schemaType: SchemaType, references: SchemaReference[] } {
    const t = (input.schemaType ?? 'AVRO').toUpperCase()
    if (t !== 'AVRO' && t !== 'JSON' && t !== 'PROTOBUF') {
      throw new RegistryError('INVALID_SCHEMA', `Invalid schema type ${input.schemaType ?? ''}`)
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

  protected checkSize (bytes: number, what: string): void {
    if (bytes > this.maxSchemaBytes) throw new RegistryError('SCHEMA_TOO_LARGE', `Schema too large: ${bytes} ${what}, the limit (schema.max.bytes) is ${this.maxSchemaBytes}`)
  }
  // ------------------------------------------------------------------------------------------------ reads

  protected latestLive (subject: string): SchemaVersion | undefined {
    const versions = this.subjects.get(subject)
    if (versions === undefined) return undefined
    let best: SchemaVersion | undefined
    for (const v of versions.values()) if (!v.deleted && (best === undefined || v.version > best.version)) best = v
    return best
  }

  protected liveVersionsNewestFirst (subject: string): SchemaVersion[] {
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

  protected referrers (subject: string, version: number, includeDeleted: boolean): SchemaVersion[] {
    const out: SchemaVersion[] = []
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!includeDeleted && v.deleted) continue
        if (v.references.some((r) => r.subject === subject && r.version === version)) out.push(v)
      }
    }
    return out
  }

  /**
   * GET /subjects/{s}/metadata: the newest version whose metadata `properties` hold every given key/value pair
   * (Confluent 7.4+). 40401 for a subject without versions, 40403 when none matches.
   */
  latestWithMetadata (subject: string, properties: Record<string, string>, opts: { deleted?: boolean } = {}): SchemaVersion {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].filter((v) => !v.deleted || opts.deleted === true).sort((a, b) => b.version - a.version)
    if (versions.length === 0) throw subjectNotFound(subject)
    const hit = versions.find((v) => {
      const props = v.metadata?.properties
      return isRecord(props) && Object.entries(properties).every(([k, x]) => props[k] === x)
    })
    if (hit === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', 'Schema not found')
    return hit
  }

  /** Is this schema registered under the subject? Returns the stored version (the stored text, not the posted one). */
  lookup (subject: string, input: SchemaInput, opts: { deleted?: boolean } = {}): SchemaVersion {
    const versions = this.subjects.get(subject)
    if (versions === undefined) throw subjectNotFound(subject)
    if (![...versions.values()].some((v) => !v.deleted) && opts.deleted !== true) throw subjectNotFound(subject)
    const { schemaType, references } = this.normalizeInput(input)
    const parsed = this.parse(schemaType, input.schema, references)
    const candidates = [...versions.values()].filter((v) => !v.deleted || opts.deleted === true).sort((a, b) => a.version - b.version)
    const matching = (contract: { metadata?: SchemaMetadata | undefined, ruleSet?: SchemaRuleSet | undefined }): SchemaVersion | undefined => {
      const key = this.identityKey(parsed, { references, ...contract })
      return candidates.find((v) => this.identityOf(v.id) === key) ??
        // a fully inlined schema (no references) also matches a stored one that uses references for the same types
        (references.length === 0 ? candidates.find((v) => sameContract(v, contract) && this.sameResolvedSchema(v.id, parsed)) : undefined)
    }
    // as register would: a request without metadata or rule set takes the latest version's (Confluent 7.3+)
    const latest = this.latestLive(subject)
    const hit = matching(input) ??
      (latest !== undefined && (input.metadata === undefined || input.ruleSet === undefined)
        ? matching({ metadata: input.metadata ?? latest.metadata, ruleSet: input.ruleSet ?? latest.ruleSet })
        : undefined)
    if (hit === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', 'Schema not found')
    return hit
  }

  /** Same schema once references are resolved (Avro: the resolved type with its attributes; JSON: same text). */
  protected sameResolvedSchema (id: number, candidate: AnyParsed): boolean {
    let stored: AnyParsed
    try { stored = this.parsedSchema(id) } catch { return false }
    if (stored.schemaType === 'AVRO' && candidate.schemaType === 'AVRO') {
      return JSON.stringify(stored.type.schema({ exportAttrs: true })) === JSON.stringify(candidate.type.schema({ exportAttrs: true }))
    }
    return stored.schemaType === candidate.schemaType && stored.canonical === candidate.canonical
  }
  // ------------------------------------------------------------------------------------------------ config and mode

  effectiveCompatibility (subject: string): CompatibilityLevel {
    return this.configs.get(subject)?.compatibilityLevel ?? this.getGlobalCompatibility()
  }

  getGlobalCompatibility (): CompatibilityLevel {
    return this.globalConfig?.compatibilityLevel ?? this.defaultCompatibility
  }

  /** GET /config: the global configuration, the level always present. */
  getGlobalConfig (): RegistryConfig {
    return { ...this.globalConfig, compatibilityLevel: this.getGlobalCompatibility() }
  }

  /** GET /config/{subject}: the subject's own configuration (40408 if none, unless `defaultToGlobal`). */
  getSubjectConfig (subject: string, defaultToGlobal: boolean): RegistryConfig {
    const own = this.configs.get(subject)
    if (own !== undefined) return defaultToGlobal ? { ...this.getGlobalConfig(), ...own } : { ...own }
    if (defaultToGlobal) return this.getGlobalConfig()
    throw new RegistryError('SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED', `Subject '${subject}' does not have subject-level compatibility configured`)
  }

  getSubjectCompatibility (subject: string, defaultToGlobal: boolean): CompatibilityLevel {
    return this.getSubjectConfig(subject, defaultToGlobal).compatibilityLevel ?? this.getGlobalCompatibility()
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
}
