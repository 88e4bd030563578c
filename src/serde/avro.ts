/**
 * `avro` embedded format: record data in Avro's JSON encoding (wrapped unions, bytes as ISO-8859-1 strings), as
 * Confluent REST Proxy takes and returns it; stored as the Confluent wire format (0x00, schema id, Avro binary).
 */
import type { SchemaRegistry } from '../registry/registry.js'
import { KrestError } from '../util/errors.js'
import { SchemaFormatSupport, type SchemaCodec } from './schema-format.js'
import type { EmbeddedFormat } from './types.js'

const avroCodec: SchemaCodec = {
  encode (data, parsed, schemaId, what) {
    if (parsed.schemaType !== 'AVRO') throw new KrestError('SCHEMA_REGISTRY_ERROR', `Schema ${schemaId} is not an Avro schema`)
    let value: unknown
    try {
      value = parsed.type.fromString(JSON.stringify(data))
    } catch (err) {
      throw new KrestError('INVALID_DATA', `Conversion of JSON to Avro failed for the ${what} (schema ${schemaId}): ${(err as Error).message}`, { cause: err })
    }
    return parsed.type.toBuffer(value)
  },
  decode (payload, parsed) {
    if (parsed.schemaType !== 'AVRO') throw new Error('not an Avro schema')
    const value: unknown = parsed.type.fromBuffer(payload)
    return JSON.parse(parsed.type.toString(value)) as unknown
  }
}

export function avroFormat (registry: SchemaRegistry): EmbeddedFormat {
  const support = new SchemaFormatSupport(registry, 'AVRO', avroCodec)
  return {
    name: 'avro',
    serializer: async (spec) => await support.serializer(spec),
    deserialize: (bytes, context) => support.deserialize(bytes, context)
  }
}
