/** Public types of the schema registry domain. */

export type SchemaType = 'AVRO' | 'JSON'
export const SUPPORTED_SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'AVRO']

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'
]

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT'
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT']

export interface SchemaReference {
  name: string
  subject: string
  version: number
}

/** One subject-version as stored in `_schemas`. */
export interface SchemaVersion {
  subject: string
  version: number
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
  deleted: boolean
}

/** A schema as known by its global id. */
export interface StoredSchema {
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
}

/** What a client submits to register, look up or check compatibility. */
export interface SchemaInput {
  schema: string
  schemaType?: string | undefined
  references?: SchemaReference[] | undefined
  id?: number | undefined
  version?: number | undefined
}

/** A parsed schema: identity string plus a type-specific handle used for compatibility and serde. */
export interface ParsedSchema {
  schemaType: SchemaType
  /** Text returned to clients and stored. */
  text: string
  /** Canonical identity string (without references). */
  canonical: string
}

/**
 * The registry's durable journal: an append-only log of key/value records (Confluent `_schemas` shapes),
 * replayed in order at start-up. A null value is a tombstone.
 */
export interface SchemaJournal {
  replay (apply: (key: Buffer, value: Buffer | null) => void): Promise<void>
  append (key: Buffer, value: Buffer | null): Promise<void>
}
