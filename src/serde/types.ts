/**
 * Embedded formats: how keys and values appear inside REST JSON bodies, and how they become record bytes.
 * binary and json are built in; schema formats (avro, jsonschema) register further `EmbeddedFormat`s.
 */

export type EmbeddedFormatName = 'binary' | 'json' | 'avro' | 'jsonschema' | 'protobuf'

export const EMBEDDED_FORMAT_NAMES: readonly EmbeddedFormatName[] = ['binary', 'json', 'avro', 'jsonschema', 'protobuf']

/** What a v2 produce request says about schemas (schema formats only; binary and json ignore it). */
export interface ProduceSchemaSpec {
  topic: string
  keySchema?: string | undefined
  keySchemaId?: number | undefined
  valueSchema?: string | undefined
  valueSchemaId?: number | undefined
}

/** Serializes the keys and values of one produce request. Throws `KrestError('INVALID_DATA', …)` for bad data. */
export interface RecordSerializer {
  readonly keySchemaId: number | null
  readonly valueSchemaId: number | null
  serializeKey(data: unknown): Buffer | null
  serializeValue(data: unknown): Buffer | null
}

export interface DeserializeContext {
  topic: string
  isKey: boolean
}

export interface EmbeddedFormat {
  readonly name: EmbeddedFormatName
  /** Prepares a serializer for one produce request; schema formats resolve or register their schemas here. */
  serializer(spec: ProduceSchemaSpec): RecordSerializer | Promise<RecordSerializer>
  /** Record bytes → the JSON form of this format (for consumers). */
  deserialize(bytes: Buffer, context: DeserializeContext): unknown
}
