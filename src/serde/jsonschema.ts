/**
 * `jsonschema` embedded format: record data is plain JSON, validated against its JSON Schema (stricter than
 * Confluent's serializer, whose `json.fail.invalid.schema` defaults to false: krest never writes a record that does
 * not conform), stored as the Confluent wire format (0x00, schema id, UTF-8 JSON text).
 */
import type { ValidateFunction } from 'ajv'
import { LRUCache } from 'lru-cache'
import { JsonSchemaValidators } from '../registry/json-schema.js'
import type { SchemaRegistry } from '../registry/registry.js'
import { KrestError } from '../util/errors.js'
import { SchemaFormatSupport, type SchemaCodec } from './schema-format.js'
import type { EmbeddedFormat } from './types.js'

export interface JsonSchemaFormatOptions {
  /**
   * Most compiled validators kept (least recently used first out). Each costs ~55 KB: unbounded, 2,000 schema ids
   * produced to held 108 MB for good (issue 13); a validator evicted is compiled again on its next use.
   */
  maxCompiledValidators?: number
}

export const DEFAULT_MAX_COMPILED_VALIDATORS = 256

/** The `jsonschema` format; `cachedValidators()` tells how many compiled validators it holds. */
export function jsonSchemaFormat (registry: SchemaRegistry, options: JsonSchemaFormatOptions = {}): EmbeddedFormat & { cachedValidators: () => number } {
  const validators = new JsonSchemaValidators()
  const compiled = new LRUCache<number, ValidateFunction>({ max: options.maxCompiledValidators ?? DEFAULT_MAX_COMPILED_VALIDATORS })
  const codec: SchemaCodec = {
    encode (data, parsed, schemaId, what) {
      if (parsed.schemaType !== 'JSON') throw new KrestError('SCHEMA_REGISTRY_ERROR', `Schema ${schemaId} is not a JSON schema`)
      let validate = compiled.get(schemaId)
      if (validate === undefined) {
        validate = validators.compile(parsed)
        compiled.set(schemaId, validate)
      }
      let valid: boolean
      try {
        valid = validate(data) === true
      } catch (err) {
        // A recursive schema ({"items": {"$ref": "#"}}) validates a value level by level: a value nested a few
        // thousand levels deep overflowed the stack and answered 500 (issue 7).
        if (err instanceof RangeError) throw new KrestError('INVALID_DATA', `The ${what} is nested too deeply to be validated against JSON schema ${schemaId}`, { cause: err })
        throw err
      }
      if (!valid) {
        const detail = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath === '' ? '/' : e.instancePath} ${e.message ?? 'is invalid'}`).join('; ')
        throw new KrestError('INVALID_DATA', `The ${what} does not conform to JSON schema ${schemaId}: ${detail}`)
      }
      try {
        return Buffer.from(JSON.stringify(data), 'utf8')
      } catch (err) {
        // valid against a recursive schema, yet too deep for JSON.stringify (issue 7: 500 at ~4000 levels)
        if (err instanceof RangeError) throw new KrestError('INVALID_DATA', `The ${what} is nested too deeply to be serialized`, { cause: err })
        throw err
      }
    },
    decode (payload) {
      return JSON.parse(payload.toString('utf8')) as unknown
    }
  }
  const support = new SchemaFormatSupport(registry, 'JSON', codec)
  return {
    name: 'jsonschema',
    cachedValidators: () => compiled.size,
    serializer: async (spec) => await support.serializer(spec),
    deserialize: (bytes, context) => support.deserialize(bytes, context)
  }
}
