/**
 * v3 produce records: reading one record request (`{partition_id?, headers?, key?, value?, timestamp?}` with
 * key/value "data objects") strictly, as Confluent's Jackson binding does, and turning it into record bytes with
 * the serde formats and the schema registry, plus the `key`/`value` parts of its delivery report.
 *
 * Data-object rules (kafka-rest `ProduceAction` + `SchemaManagerImpl`):
 * - `type` BINARY (base64), JSON (any JSON), STRING (a string, UTF-8) need no schema.
 * - `type` AVRO / JSONSCHEMA with `schema` (raw text, registered under the subject if new), or with neither
 *   `schema_id` nor `schema_version` (the subject's latest schema).
 * - no `type`: the schema registry decides: `schema_id`, `schema_version` (under the subject), else the latest.
 * - the subject is `subject`, else derived by `subject_name_strategy` (TOPIC_NAME default, RECORD_NAME,
 *   TOPIC_RECORD_NAME); `subject` and `subject_name_strategy` exclude each other; at most one of `schema`,
 *   `schema_id`, `schema_version`; `type` with `schema_id`/`schema_version` is refused. Violations are 400.
 */
import type { ProduceRecord, RecordHeader } from '../../backend/types.js'
import { RegistryError } from '../../registry/errors.js'
import type { SchemaRegistry } from '../../registry/registry.js'
import type { SchemaType } from '../../registry/types.js'
import { parseAvro } from '../../registry/avro.js'
import { decodeBase64, preview } from '../../serde/binary.js'
import type { FormatRegistry } from '../../serde/registry.js'
import type { RecordSerializer } from '../../serde/types.js'
import { KrestError, isKrestError } from '../../util/errors.js'

export type DataType = 'BINARY' | 'JSON' | 'STRING' | 'AVRO' | 'JSONSCHEMA' | 'PROTOBUF'
export type SubjectNameStrategy = 'TOPIC_NAME' | 'RECORD_NAME' | 'TOPIC_RECORD_NAME'

const DATA_TYPES: readonly DataType[] = ['BINARY', 'JSON', 'STRING', 'AVRO', 'JSONSCHEMA', 'PROTOBUF']
const STRATEGIES: readonly SubjectNameStrategy[] = ['TOPIC_NAME', 'RECORD_NAME', 'TOPIC_RECORD_NAME']

export interface V3Data {
  type?: DataType
  data: unknown
  subject?: string
  subjectNameStrategy?: SubjectNameStrategy
  schemaId?: number
  schemaVersion?: number
  schema?: string
}

export interface V3Record {
  partitionId?: number
  headers: RecordHeader[]
  key?: V3Data
  value?: V3Data
  /** ms since epoch */
  timestamp?: number
}

/** The `key` / `value` part of a delivery report. */
export interface ReportData {
  type: DataType
  size: number
  subject?: string
  schema_id?: number
  schema_version?: number
}

export interface EncodedRecord {
  record: ProduceRecord
  key?: ReportData
  value?: ReportData
}

function bad (message: string): KrestError {
  return new KrestError('INVALID_REQUEST', message)
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`
}

const INT32_MAX = 2147483647

function optionalInt (v: unknown, field: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v > INT32_MAX || v < -INT32_MAX - 1) {
    throw bad(`Cannot deserialize value of type \`int\` for field "${field}" from ${describe(v)}`)
  }
  if (v < min) throw bad(`Field "${field}" must be at least ${min}, got ${v}`)
  return v
}

function optionalString (v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw bad(`Cannot deserialize value of type \`String\` for field "${field}" from ${describe(v)}`)
  return v
}

/** ISO-8601 (Confluent) or, as a krest extension, integer ms since the epoch. */
export function parseTimestamp (v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined
  let ms: number
  if (typeof v === 'number') ms = v
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) ms = Date.parse(v)
  else throw bad(`Cannot deserialize value of type \`java.time.Instant\` for field "timestamp" from ${describe(v)}: expected ISO-8601, e.g. 2024-01-31T10:00:00.000Z`)
  if (!Number.isSafeInteger(ms) || ms < 0) throw bad(`Invalid timestamp ${JSON.stringify(v)}: expected ISO-8601, e.g. 2024-01-31T10:00:00.000Z`)
  return ms
}

const DATA_FIELDS = new Set(['type', 'data', 'subject', 'subject_name_strategy', 'schema_id', 'schema_version', 'schema'])

function parseData (v: unknown, side: 'key' | 'value'): V3Data | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) throw bad(`Cannot deserialize "${side}" from ${describe(v)}: expected an object {type?, data, …}`)
  for (const f in v) {
    if (!DATA_FIELDS.has(f)) throw bad(`Unrecognized field "${f}" in "${side}" (known properties: ${[...DATA_FIELDS].join(', ')})`)
  }
  const out: V3Data = { data: v.data ?? null }
  const type = optionalString(v.type, `${side}.type`)
  if (type !== undefined) {
    const t = type.toUpperCase() as DataType
    if (!DATA_TYPES.includes(t)) throw bad(`Invalid ${side}.type ${JSON.stringify(type)}: expected one of ${DATA_TYPES.join(', ')}`)
    out.type = t
  }
  const subject = optionalString(v.subject, `${side}.subject`)
  if (subject !== undefined) out.subject = subject
  const strategy = optionalString(v.subject_name_strategy, `${side}.subject_name_strategy`)
  if (strategy !== undefined) {
    const s = strategy.toUpperCase() as SubjectNameStrategy
    if (!STRATEGIES.includes(s)) throw bad(`Invalid ${side}.subject_name_strategy ${JSON.stringify(strategy)}: expected one of ${STRATEGIES.join(', ')}`)
    out.subjectNameStrategy = s
  }
  const schemaId = optionalInt(v.schema_id, `${side}.schema_id`, 0)
  if (schemaId !== undefined) out.schemaId = schemaId
  const schemaVersion = optionalInt(v.schema_version, `${side}.schema_version`, -1)
  if (schemaVersion !== undefined) out.schemaVersion = schemaVersion
  const schema = optionalString(v.schema, `${side}.schema`)
  if (schema !== undefined) out.schema = schema

  // the combination rules
  if (out.subject !== undefined && out.subjectNameStrategy !== undefined) throw bad(`${side}: subject and subject_name_strategy cannot both be set`)
  const schemaFields = [out.schemaId, out.schemaVersion, out.schema].filter(x => x !== undefined).length
  if (schemaFields > 1) throw bad(`${side}: only one of schema_id, schema_version and schema can be set`)
  if (out.type !== undefined) {
    if (out.schemaId !== undefined || out.schemaVersion !== undefined) throw bad(`${side}: type cannot be set together with schema_id or schema_version`)
    const schemaless = out.type === 'BINARY' || out.type === 'JSON' || out.type === 'STRING'
    if (schemaless && (out.schema !== undefined || out.subject !== undefined || out.subjectNameStrategy !== undefined)) {
      throw bad(`${side}: type ${out.type} takes no schema, subject or subject_name_strategy`)
    }
  } else if (out.schema !== undefined) {
    throw bad(`${side}: a raw schema needs a type (AVRO or JSONSCHEMA)`)
  }
  return out
}

const RECORD_FIELDS = new Set(['partition_id', 'headers', 'key', 'value', 'timestamp'])
const BATCH_ENTRY_FIELDS = new Set([...RECORD_FIELDS, 'id'])

/** Shared by every record without headers (never mutated). */
const NO_HEADERS: RecordHeader[] = []

function parseHeaders (v: unknown): RecordHeader[] {
  if (v === undefined || v === null) return NO_HEADERS
  if (!Array.isArray(v)) throw bad(`Cannot deserialize "headers" from ${describe(v)}: expected an array of {name, value}`)
  const out: RecordHeader[] = []
  for (let i = 0; i < v.length; i++) {
    const h: unknown = v[i]
    if (!isObject(h)) throw bad(`Cannot deserialize headers[${i}] from ${describe(h)}: expected {name, value}`)
    for (const f in h) if (f !== 'name' && f !== 'value') throw bad(`Unrecognized field "${f}" in headers[${i}] (known properties: name, value)`)
    if (typeof h.name !== 'string') throw bad(`headers[${i}].name is required and must be a string`)
    out.push({ key: h.name, value: decodeBase64(h.value, `headers[${i}] ${JSON.stringify(h.name)}`) })
  }
  return out
}

/**
 * Reads one record request. Unknown fields, wrong types and broken rules are `INVALID_REQUEST` (400), as
 * Confluent's strict JSON binding (kafka-rest PR #1071: a v2-style `records` field is refused).
 */
export function parseRecordRequest (v: unknown): V3Record {
  if (!isObject(v)) throw bad(`Cannot deserialize a produce request from ${describe(v)}: expected an object {partition_id?, headers?, key?, value?, timestamp?}`)
  for (const f in v) {
    if (!RECORD_FIELDS.has(f)) throw bad(`Unrecognized field "${f}" (known properties: ${[...RECORD_FIELDS].join(', ')})`)
  }
  return recordFields(v)
}

function recordFields (v: Record<string, unknown>): V3Record {
  const out: V3Record = { headers: parseHeaders(v.headers) }
  const partitionId = optionalInt(v.partition_id, 'partition_id', Number.MIN_SAFE_INTEGER)
  if (partitionId !== undefined) {
    if (partitionId < 0) throw new KrestError('PARTITION_NOT_FOUND', 'Partition not found.')
    out.partitionId = partitionId
  }
  const key = parseData(v.key, 'key')
  if (key !== undefined) out.key = key
  const value = parseData(v.value, 'value')
  if (value !== undefined) out.value = value
  const timestamp = parseTimestamp(v.timestamp)
  if (timestamp !== undefined) out.timestamp = timestamp
  return out
}

/** A batch entry: the record fields plus `id`. The id itself is checked by the caller (42208 rules). */
export function parseBatchEntry (v: Record<string, unknown>): V3Record {
  for (const f in v) {
    if (!BATCH_ENTRY_FIELDS.has(f)) throw bad(`Unrecognized field "${f}" in a batch entry (known properties: ${[...BATCH_ENTRY_FIELDS].join(', ')})`)
  }
  return recordFields(v)
}

// ---- encoding -------------------------------------------------------------------------------------------------

interface ResolvedSchema {
  id: number
  subject: string
  version: number
  type: 'AVRO' | 'JSONSCHEMA'
}

const FORMAT_OF: Record<'AVRO' | 'JSONSCHEMA', 'avro' | 'jsonschema'> = { AVRO: 'avro', JSONSCHEMA: 'jsonschema' }
const SCHEMA_TYPE_OF: Record<'AVRO' | 'JSONSCHEMA', SchemaType> = { AVRO: 'AVRO', JSONSCHEMA: 'JSON' }

function registryError (err: unknown, side: string): unknown {
  if (isKrestError(err)) return err
  if (err instanceof RegistryError) {
    if (err.kind === 'INVALID_SCHEMA') return new KrestError('INVALID_SCHEMA', `Invalid ${side} schema: ${err.message}`, { cause: err })
    return new KrestError('SCHEMA_REGISTRY_ERROR', `Error serializing message. Schema Registry lookup or registration of the ${side} schema failed: ${err.message}`, { cause: err })
  }
  return err
}

/** The full name of the record a schema describes (RecordNameStrategy): Avro's named type, a JSON Schema's title. */
function recordName (type: SchemaType, schemaText: string): string {
  if (type === 'AVRO') {
    const name = parseAvro(schemaText).type.name
    if (name === undefined) throw bad('RECORD_NAME subject strategies need a named Avro type (record, enum or fixed)')
    return name
  }
  let title: unknown
  try { title = (JSON.parse(schemaText) as Record<string, unknown>).title } catch { title = undefined }
  if (typeof title !== 'string' || title === '') throw bad('RECORD_NAME subject strategies need a JSON Schema with a title')
  return title
}

/**
 * Turns v3 record requests into record bytes. Holds small caches (schema resolution, serializers) that are only
 * trusted while the registry's state generation is unchanged. One per plugin; no module state.
 */
export class RecordEncoder {
  private readonly resolved = new Map<string, { at: number, schema: ResolvedSchema }>()
  private readonly serializers = new Map<string, { at: number, serializer: RecordSerializer }>()
  private static readonly MAX_CACHE = 1000

  constructor (private readonly formats: FormatRegistry, private readonly registry: SchemaRegistry | undefined) {}

  /** Synchronous unless a schema must be resolved or registered for the first time. */
  encode (topic: string, r: V3Record): EncodedRecord | Promise<EncodedRecord> {
    const key = r.key === undefined ? undefined : this.side(topic, r.key, true)
    const value = r.value === undefined ? undefined : this.side(topic, r.value, false)
    if (key instanceof Promise || value instanceof Promise) {
      return (async () => this.assemble(r, await key, await value))()
    }
    return this.assemble(r, key, value)
  }

  private assemble (r: V3Record, key: { bytes: Buffer | null, report: ReportData } | undefined, value: { bytes: Buffer | null, report: ReportData } | undefined): EncodedRecord {
    const record: ProduceRecord = { key: key?.bytes ?? null, value: value?.bytes ?? null }
    if (r.headers.length > 0) record.headers = r.headers
    if (r.timestamp !== undefined) record.timestamp = r.timestamp
    if (r.partitionId !== undefined) record.partition = r.partitionId
    const out: EncodedRecord = { record }
    if (key !== undefined) out.key = key.report
    if (value !== undefined) out.value = value.report
    return out
  }

  private side (topic: string, d: V3Data, isKey: boolean): { bytes: Buffer | null, report: ReportData } | Promise<{ bytes: Buffer | null, report: ReportData }> {
    const what = isKey ? 'key' : 'value'
    switch (d.type) {
      case 'BINARY': {
        const bytes = decodeBase64(d.data, what)
        return { bytes, report: { type: 'BINARY', size: bytes?.length ?? 0 } }
      }
      case 'JSON': {
        // (the stream's fast path, record-fast-path.ts, stores the JSON text as the client wrote it instead)
        const bytes = d.data === null ? null : Buffer.from(jsonText(d.data, what), 'utf8')
        return { bytes, report: { type: 'JSON', size: bytes?.length ?? 0 } }
      }
      case 'STRING': {
        if (d.data !== null && typeof d.data !== 'string') throw new KrestError('INVALID_DATA', `${what}: data=${preview(d.data)} is not a string.`)
        const bytes = d.data === null ? null : Buffer.from(d.data, 'utf8')
        return { bytes, report: { type: 'STRING', size: bytes?.length ?? 0 } }
      }
      case 'PROTOBUF':
        throw new KrestError('UNSUPPORTED_FORMAT', `Payload error. The PROTOBUF format is not supported by krest (use AVRO or JSONSCHEMA) for the ${what}.`)
      default: {
        const resolved = this.resolve(topic, d, isKey)
        if (resolved instanceof Promise) return resolved.then(s => this.serialize(topic, s, d, isKey))
        return this.serialize(topic, resolved, d, isKey)
      }
    }
  }

  private serialize (topic: string, s: ResolvedSchema, d: V3Data, isKey: boolean): { bytes: Buffer | null, report: ReportData } | Promise<{ bytes: Buffer | null, report: ReportData }> {
    const registry = this.needRegistry()
    const cacheKey = `${s.type}\u0000${s.id}\u0000${isKey ? 'k' : 'v'}\u0000${topic}`
    const cached = this.serializers.get(cacheKey)
    const run = (serializer: RecordSerializer): { bytes: Buffer | null, report: ReportData } => {
      const bytes = isKey ? serializer.serializeKey(d.data) : serializer.serializeValue(d.data)
      return { bytes, report: { type: s.type, size: bytes?.length ?? 0, subject: s.subject, schema_id: s.id, schema_version: s.version } }
    }
    if (cached !== undefined && cached.at === registry.generation) return run(cached.serializer)
    const at = registry.generation
    const remember = (serializer: RecordSerializer): RecordSerializer => {
      if (this.serializers.size >= RecordEncoder.MAX_CACHE) this.serializers.clear()
      this.serializers.set(cacheKey, { at, serializer })
      return serializer
    }
    const made = this.formats.get(FORMAT_OF[s.type]).serializer(isKey ? { topic, keySchemaId: s.id } : { topic, valueSchemaId: s.id })
    if (made instanceof Promise) return made.then(m => run(remember(m)))
    return run(remember(made))
  }

  private needRegistry (): SchemaRegistry {
    if (this.registry === undefined) throw new KrestError('UNSUPPORTED_FORMAT', 'Payload error. Schema Registry must be configured when using schemas.')
    return this.registry
  }

  private resolve (topic: string, d: V3Data, isKey: boolean): ResolvedSchema | Promise<ResolvedSchema> {
    const registry = this.needRegistry()
    const cacheKey = [topic, isKey ? 'k' : 'v', d.type ?? '', d.subject ?? '', d.subjectNameStrategy ?? '', d.schemaId ?? '', d.schemaVersion ?? '', d.schema ?? ''].join('\u0000')
    const cached = this.resolved.get(cacheKey)
    if (cached !== undefined && cached.at === registry.generation) return cached.schema
    const remember = (schema: ResolvedSchema): ResolvedSchema => {
      if (this.resolved.size >= RecordEncoder.MAX_CACHE) this.resolved.clear()
      this.resolved.set(cacheKey, { at: registry.generation, schema })
      return schema
    }
    const side = isKey ? 'key' : 'value'
    try {
      const result = this.resolveUncached(registry, topic, d, isKey)
      if (result instanceof Promise) return result.then(remember, (err: unknown) => { throw registryError(err, side) })
      return remember(result)
    } catch (err) {
      throw registryError(err, side)
    }
  }

  private subjectFor (topic: string, d: V3Data, isKey: boolean, schemaType: SchemaType | undefined, schemaText: string | undefined): string {
    if (d.subject !== undefined) return d.subject
    const strategy = d.subjectNameStrategy ?? 'TOPIC_NAME'
    if (strategy === 'TOPIC_NAME') return `${topic}-${isKey ? 'key' : 'value'}`
    if (schemaType === undefined || schemaText === undefined) {
      throw bad(`${isKey ? 'key' : 'value'}: subject_name_strategy ${strategy} needs the schema (schema or schema_id) to derive the subject`)
    }
    const name = recordName(schemaType, schemaText)
    return strategy === 'RECORD_NAME' ? name : `${topic}-${name}`
  }

  private typeOf (schemaType: SchemaType): 'AVRO' | 'JSONSCHEMA' {
    return schemaType === 'AVRO' ? 'AVRO' : 'JSONSCHEMA'
  }

  private checkType (d: V3Data, schemaType: SchemaType, what: string): void {
    if (d.type !== undefined && d.type !== 'BINARY' && d.type !== 'JSON' && d.type !== 'STRING' && d.type !== 'PROTOBUF' && SCHEMA_TYPE_OF[d.type] !== schemaType) {
      throw bad(`${what} is a ${schemaType} schema, not ${d.type}`)
    }
  }

  private resolveUncached (registry: SchemaRegistry, topic: string, d: V3Data, isKey: boolean): ResolvedSchema | Promise<ResolvedSchema> {
    if (d.schemaId !== undefined) {
      const stored = registry.getSchemaById(d.schemaId)
      const subject = this.subjectFor(topic, d, isKey, stored.schemaType, stored.schema)
      const hit = registry.versionsForId(d.schemaId).find(v => v.subject === subject)
      if (hit === undefined) {
        throw new KrestError('SCHEMA_REGISTRY_ERROR', `Error serializing message. Schema ${d.schemaId} is not registered under subject ${subject}.`)
      }
      return { id: d.schemaId, subject, version: hit.version, type: this.typeOf(stored.schemaType) }
    }
    if (d.schema !== undefined) {
      const t = d.type as 'AVRO' | 'JSONSCHEMA' // parseData: a raw schema comes with a schema type
      const schemaType = SCHEMA_TYPE_OF[t]
      const subject = this.subjectFor(topic, d, isKey, schemaType, d.schema)
      const text = d.schema
      return (async () => {
        const id = await registry.lookupOrRegister(subject, { schema: text, schemaType })
        const hit = registry.versionsForId(id).find(v => v.subject === subject)
        return { id, subject, version: hit?.version ?? registry.getVersion(subject, 'latest').version, type: t }
      })()
    }
    const subject = this.subjectFor(topic, d, isKey, undefined, undefined)
    const v = registry.getVersion(subject, d.schemaVersion === undefined || d.schemaVersion === -1 ? 'latest' : d.schemaVersion)
    this.checkType(d, v.schemaType, `Schema ${v.id} (subject ${subject} version ${v.version})`)
    return { id: v.id, subject, version: v.version, type: this.typeOf(v.schemaType) }
  }
}

/** JSON text of parsed JSON data; data nested too deeply for JSON.stringify (a RangeError, which answered 500) is bad data (issue 7). */
function jsonText (data: unknown, what: string): string {
  try {
    return JSON.stringify(data)
  } catch (err) {
    if (err instanceof RangeError) throw new KrestError('INVALID_DATA', `${what}: data is nested too deeply.`, { cause: err })
    throw err
  }
}
