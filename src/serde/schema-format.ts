/**
 * Shared plumbing of the schema formats (avro, jsonschema): resolve the key and value schemas of a v2 produce
 * request (`*_schema` raw text → lookup-or-register under `<topic>-key`/`<topic>-value`; `*_schema_id` → by id),
 * with a cache so a request naming the same schema text does not re-parse it, and map registry errors to the REST
 * proxy's codes (which differ from the registry's own).
 */
import { RegistryError } from '../registry/errors.js'
import type { AnyParsed, SchemaRegistry } from '../registry/registry.js'
import type { SchemaType } from '../registry/types.js'
import { KrestError, isKrestError } from '../util/errors.js'
import { frame, unframe } from './confluent-wire.js'
import type { DeserializeContext, ProduceSchemaSpec, RecordSerializer } from './types.js'

export interface SchemaCodec {
  /** Record data (REST JSON form) → payload bytes without the wire header. Throws INVALID_DATA. */
  encode (data: unknown, parsed: AnyParsed, schemaId: number, what: string): Buffer
  /** Payload bytes → REST JSON form. */
  decode (payload: Buffer, parsed: AnyParsed, schemaId: number): unknown
}

function toKrestError (err: unknown, what: string): unknown {
  if (isKrestError(err)) return err
  if (err instanceof RegistryError) {
    if (err.kind === 'INVALID_SCHEMA' || err.kind === 'SCHEMA_TOO_LARGE') return new KrestError('INVALID_SCHEMA', `Invalid ${what} schema: ${err.message}`, { cause: err })
    return new KrestError('SCHEMA_REGISTRY_ERROR', `Error serializing message. Schema registry lookup or registration of the ${what} schema failed: ${err.message}`, { cause: err })
  }
  return err
}

export class SchemaFormatSupport {
  /** (subject, schema text) → id, valid while the registry's state generation is unchanged. */
  private readonly textCache = new Map<string, { id: number, generation: number }>()
  private static readonly MAX_CACHE = 1000

  constructor (private readonly registry: SchemaRegistry, private readonly schemaType: SchemaType, private readonly codec: SchemaCodec) {}

  private async resolve (topic: string, isKey: boolean, text: string | undefined, id: number | undefined): Promise<{ id: number, parsed: AnyParsed } | null> {
    const what = isKey ? 'key' : 'value'
    try {
      if (id !== undefined) {
        const stored = this.registry.getSchemaById(id)
        if (stored.schemaType !== this.schemaType) {
          throw new KrestError('SCHEMA_REGISTRY_ERROR', `Error serializing message. Schema ${id} is a ${stored.schemaType} schema, not ${this.schemaType}`)
        }
        return { id, parsed: this.registry.parsedSchema(id) }
      }
      if (text === undefined) return null
      const subject = `${topic}-${what}`
      const key = `${subject}\u0000${text}`
      const cached = this.textCache.get(key)
      if (cached !== undefined && cached.generation === this.registry.generation) return { id: cached.id, parsed: this.registry.parsedSchema(cached.id) }
      const newId = await this.registry.lookupOrRegister(subject, { schema: text, schemaType: this.schemaType })
      if (this.textCache.size >= SchemaFormatSupport.MAX_CACHE) this.textCache.clear()
      this.textCache.set(key, { id: newId, generation: this.registry.generation })
      return { id: newId, parsed: this.registry.parsedSchema(newId) }
    } catch (err) {
      throw toKrestError(err, what)
    }
  }

  async serializer (spec: ProduceSchemaSpec): Promise<RecordSerializer> {
    const key = await this.resolve(spec.topic, true, spec.keySchema, spec.keySchemaId)
    const value = await this.resolve(spec.topic, false, spec.valueSchema, spec.valueSchemaId)
    const codec = this.codec
    return {
      keySchemaId: key?.id ?? null,
      valueSchemaId: value?.id ?? null,
      serializeKey (data) {
        if (data === null || data === undefined) return null
        if (key === null) throw new KrestError('KEY_SCHEMA_MISSING', 'Request includes keys but does not include key schema')
        return frame(key.id, codec.encode(data, key.parsed, key.id, 'key'))
      },
      serializeValue (data) {
        if (data === null || data === undefined) return null
        if (value === null) throw new KrestError('VALUE_SCHEMA_MISSING', 'Request includes values but does not include value schema')
        return frame(value.id, codec.encode(data, value.parsed, value.id, 'value'))
      }
    }
  }

  deserialize (bytes: Buffer, context: DeserializeContext): unknown {
    const what = `The ${context.isKey ? 'key' : 'value'} of a record in ${context.topic}`
    const { schemaId, payload } = unframe(bytes, what)
    let parsed: AnyParsed
    try {
      parsed = this.registry.parsedSchema(schemaId)
    } catch (err) {
      throw new KrestError('DESERIALIZATION_FAILED', `${what}: schema ${schemaId} not found`, { cause: err })
    }
    if (parsed.schemaType !== this.schemaType) throw new KrestError('DESERIALIZATION_FAILED', `${what}: schema ${schemaId} is a ${parsed.schemaType} schema, not ${this.schemaType}`)
    try {
      return this.codec.decode(payload, parsed, schemaId)
    } catch (err) {
      if (isKrestError(err)) throw err
      throw new KrestError('DESERIALIZATION_FAILED', `${what}: cannot decode with schema ${schemaId}: ${(err as Error).message}`, { cause: err })
    }
  }
}
