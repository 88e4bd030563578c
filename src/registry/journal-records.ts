/**
 * The registry's journal record shapes: Confluent Schema Registry's `_schemas` keys and values (key field order
 * matters for compaction), and the readers for fields of records written by any Confluent-compatible registry.
 */
import type { RegistryConfig, SchemaReference, SchemaVersion } from './types.js'

export function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function schemaKey (subject: string, version: number): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'SCHEMA', subject, version, magic: 1 }))
}
export function configKey (subject: string | null): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'CONFIG', subject, magic: 0 }))
}
export function modeKey (subject: string | null): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'MODE', subject, magic: 0 }))
}
/** krest-specific: the highest id ever assigned, written before hard deletes so ids are never reused after compaction. */
export function maxIdKey (): Buffer {
  return Buffer.from(JSON.stringify({ keytype: 'MAX_ID', magic: 0 }))
}
export function schemaValue (v: SchemaVersion): Buffer {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  if (v.metadata !== undefined) out.metadata = v.metadata
  if (v.ruleSet !== undefined) out.ruleSet = v.ruleSet
  out.schema = v.schema
  out.deleted = v.deleted
  return Buffer.from(JSON.stringify(out))
}

export function configValue (c: RegistryConfig): Buffer {
  return Buffer.from(JSON.stringify(c))
}

/** Metadata and rule sets are JSON objects; anything else in a journal record is ignored. */
export function readObject (raw: unknown): Record<string, unknown> | undefined {
  return isRecord(raw) ? raw : undefined
}

export function readReferences (raw: unknown): SchemaReference[] {
  if (!Array.isArray(raw)) return []
  return raw.filter(isRecord).map((r) => ({ name: String(r.name), subject: String(r.subject), version: Number(r.version) }))
}
