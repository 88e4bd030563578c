/** Public types of the schema registry domain. */

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF'
/** What `GET /schemas/types` answers, in Confluent's order. */
export const SUPPORTED_SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO']

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

/**
 * Data-contract metadata (Confluent 7.3+): `{tags?, properties?, sensitive?}`. Stored and returned as sent, and part
 * of a schema's identity (the same text with other metadata is another schema, with its own id).
 */
export type SchemaMetadata = Record<string, unknown>
/** Data-contract rules (Confluent 7.3+): `{migrationRules?, domainRules?, encodingRules?}`; stored, not run. */
export type SchemaRuleSet = Record<string, unknown>

/** A compatibility configuration (global or one subject's); absent fields are not set at that level. */
export interface RegistryConfig {
  compatibilityLevel?: CompatibilityLevel
  /** Confluent's `normalize`: krest always stores schemas in canonical form, so this is kept and reported only. */
  normalize?: boolean
}

/** One subject-version as stored in `_schemas`. */
export interface SchemaVersion {
  subject: string
  version: number
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
  metadata?: SchemaMetadata | undefined
  ruleSet?: SchemaRuleSet | undefined
  deleted: boolean
}

/** A schema as known by its global id. */
export interface StoredSchema {
  id: number
  schemaType: SchemaType
  schema: string
  references: SchemaReference[]
  metadata?: SchemaMetadata | undefined
  ruleSet?: SchemaRuleSet | undefined
}

/** What a client submits to register, look up or check compatibility. */
export interface SchemaInput {
  schema: string
  schemaType?: string | undefined
  references?: SchemaReference[] | undefined
  id?: number | undefined
  version?: number | undefined
  /** Absent: inherited from the subject's latest version on register, as Confluent does. */
  metadata?: SchemaMetadata | undefined
  ruleSet?: SchemaRuleSet | undefined
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

/** A version path segment once parsed: a number in 1..2^31-1, or the newest live version. */
export type VersionSelector = number | 'latest'
/** The highest version number (Confluent's: a Java int). */
export const MAX_VERSION = 2 ** 31 - 1
