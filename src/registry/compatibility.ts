/**
 * Compatibility between schema versions under Confluent's seven levels: which previous versions a level checks,
 * in which direction, and the messages (with Confluent's `{oldSchemaVersion}`/`{oldSchema}` decoration).
 * The per-type rules are in avro-compatibility.ts and json-schema-compatibility.ts.
 */
import { avroIncompatibilities, formatAvroIncompatibility } from './avro-compatibility.js'
import { jsonSchemaReadProblems } from './json-schema-compatibility.js'
import { protobufReadProblems } from './protobuf-compatibility.js'
import type { AnyParsed } from './schema-store.js'
import type { CompatibilityLevel, SchemaVersion } from './types.js'

/** Why `reader` cannot read data written with `writer`; the labels say which is the new and which the old schema. */
export function readProblems (reader: AnyParsed, writer: AnyParsed, readerLabel: string, writerLabel: string): string[] {
  if (reader.schemaType === 'AVRO' && writer.schemaType === 'AVRO') {
    return avroIncompatibilities(reader.type, writer.type, readerLabel, writerLabel).map(formatAvroIncompatibility)
  }
  if (reader.schemaType === 'JSON' && writer.schemaType === 'JSON') return jsonSchemaReadProblems(reader, writer)
  if (reader.schemaType === 'PROTOBUF' && writer.schemaType === 'PROTOBUF') return protobufReadProblems(reader, writer)
  return ['Incompatible because of different schema type']
}

/** Checks `candidate` against `previous` (newest first) under `level`; the messages say what broke. */
export function compatibilityProblems (candidate: AnyParsed, previous: SchemaVersion[], level: CompatibilityLevel, parsedOf: (id: number) => AnyParsed): string[] {
  if (level === 'NONE') return []
  const transitive = level.endsWith('_TRANSITIVE')
  const targets = transitive ? previous : previous.slice(0, 1)
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL')
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL')
  for (const prev of targets) {
    const old = parsedOf(prev.id)
    const messages: string[] = []
    if (old.schemaType !== candidate.schemaType) {
      messages.push('Incompatible because of different schema type')
    } else {
      // BACKWARD: the new schema reads old data; FORWARD: the old schema reads new data
      if (backward) messages.push(...readProblems(candidate, old, 'new', 'old'))
      if (forward) messages.push(...readProblems(old, candidate, 'old', 'new'))
    }
    if (messages.length > 0) {
      const oldText = prev.schema.length > 10240 ? `${prev.schema.slice(0, 10240)}...` : prev.schema
      messages.push(`{oldSchemaVersion: ${prev.version}}`, `{oldSchema: '${oldText}'}`, `{validateFields: 'false', compatibility: '${level}'}`)
      return messages
    }
  }
  return []
}
