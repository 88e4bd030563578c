/**
 * The schema registry domain with Confluent Schema Registry semantics: registration (ids, versions, references,
 * compatibility), soft/hard deletes, compatibility configs and modes. Every change is appended to the journal
 * first and then applied through the same `apply` that replays the journal at start-up (schema-store.ts).
 */
import { compatibilityProblems } from './compatibility.js'
import { RegistryError, invalidVersion } from './errors.js'
import { configKey, configValue, maxIdKey, modeKey, schemaKey, schemaValue } from './journal-records.js'
import { SchemaStore, subjectNotFound, validateSubject, versionNotFound, type AnyParsed } from './schema-store.js'
import { isKrestError } from '../util/errors.js'
import {
  MAX_VERSION,
  type CompatibilityLevel, type Mode, type RegistryConfig, type SchemaInput, type SchemaJournal, type SchemaVersion, type VersionSelector
} from './types.js'
import { SerialQueue } from '../util/serial-queue.js'

export type { AnyParsed, VersionSelector }
export { validateSubject }

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
export class SchemaRegistry extends SchemaStore {
  private readonly journal: SchemaJournal
  private readonly writes = new SerialQueue()

  private constructor (opts: SchemaRegistryOptions) {
    super(opts)
    this.journal = opts.journal
  }

  /** Builds a registry and replays its journal; resolves once the whole history is applied. */
  static async open (opts: SchemaRegistryOptions): Promise<SchemaRegistry> {
    const r = new SchemaRegistry(opts)
    await r.journal.replay((key, value) => { r.apply(key, value) })
    return r
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
  // ------------------------------------------------------------------------------------------------ config & mode

  async setCompatibility (subject: string | null, level: CompatibilityLevel): Promise<void> {
    await this.setConfig(subject, { compatibilityLevel: level })
  }

  /** PUT /config[/{subject}]: fields sent replace those set at that level; fields not sent are kept. */
  async setConfig (subject: string | null, update: RegistryConfig): Promise<RegistryConfig> {
    if (subject !== null) validateSubject(subject)
    return await this.exclusive(async () => {
      this.checkWritable(subject)
      const current = subject === null ? this.globalConfig : this.configs.get(subject)
      const next: RegistryConfig = { ...current }
      if (update.compatibilityLevel !== undefined) next.compatibilityLevel = update.compatibilityLevel
      if (update.normalize !== undefined) next.normalize = update.normalize
      await this.write([[configKey(subject), configValue(next)]])
      return next
    })
  }

  /** Removes a level's configuration; returns what was in force before (the global one: with the default level). */
  async deleteCompatibility (subject: string | null): Promise<RegistryConfig> {
    return await this.exclusive(async () => {
      this.checkWritable(subject)
      if (subject === null) {
        const old = this.getGlobalConfig()
        if (this.globalConfig !== undefined) await this.write([[configKey(null), null]])
        return old
      }
      const old = this.configs.get(subject)
      if (old === undefined) throw subjectNotFound(subject)
      await this.write([[configKey(subject), null]])
      return old
    })
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
    const messages = compatibilityProblems(parsed, previous, effective, (id) => this.parsedSchema(id))
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
      // metadata and rule set not sent are inherited from the latest version (Confluent's maybeSetMetadataRuleSet)
      const latest = importing ? undefined : this.latestLive(subject)
      const metadata = input.metadata ?? latest?.metadata
      const ruleSet = input.ruleSet ?? latest?.ruleSet
      const key = this.identityKey(parsed, { references, metadata, ruleSet })
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
        const messages = compatibilityProblems(parsed, this.liveVersionsNewestFirst(subject), this.effectiveCompatibility(subject), (id) => this.parsedSchema(id))
        if (messages.length > 0) {
          throw new RegistryError('INCOMPATIBLE_SCHEMA', `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${messages.join(', ')}]`)
        }
      }

      const maxVersion = Math.max(0, ...(versions?.keys() ?? []))
      let version = maxVersion + 1
      if (input.version !== undefined && input.version !== -1) {
        if (importing) {
          if (!Number.isInteger(input.version) || input.version < 1 || input.version > MAX_VERSION) throw invalidVersion(input.version)
          const clash = versions?.get(input.version)
          if (clash !== undefined && clash.id !== id) throw new RegistryError('OPERATION_NOT_PERMITTED', `Overwrite new schema with id ${id ?? -1} is not permitted: version ${input.version} already exists`)
          version = input.version
        } else if (input.version !== version) {
          throw new RegistryError('INVALID_SCHEMA', 'Version is not one more than previous version')
        }
      }
      if (version > MAX_VERSION) throw new RegistryError('INVALID_SCHEMA', 'Too many versions')
      const finalId = id ?? this.maxId + 1
      const record: SchemaVersion = { subject, version, id: finalId, schemaType, schema: parsed.text, references, metadata, ruleSet, deleted: false }
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
