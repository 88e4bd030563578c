/**
 * `protobuf` embedded format: record data is a JSON object for the schema's first message (as Confluent's REST
 * Proxy takes it), checked field by field (unknown fields refused, types as protobufjs's `verify` after
 * conversion), stored in Confluent's Protobuf wire format: 0x00, the 4-byte schema id, the message indexes
 * (zigzag varints: count then path; `[0]`, the first message, is the single byte 0), then the message bytes.
 * Consumers get JSON back: enums by name, 64-bit integers as strings, bytes as base64, proto field names.
 */
import protobuf from 'protobufjs'
import type { ProtobufParsed } from '../registry/protobuf.js'
import type { SchemaRegistry } from '../registry/registry.js'
import { KrestError } from '../util/errors.js'
import { SchemaFormatSupport, type SchemaCodec } from './schema-format.js'
import type { EmbeddedFormat } from './types.js'

/** The message indexes of the first message of a file: `[0]`, written as one zero byte. */
const FIRST_MESSAGE = Buffer.from([0])

function zigzag (n: number): number { return n >= 0 ? n * 2 : -n * 2 - 1 }
function unzigzag (n: number): number { return (n & 1) === 0 ? n / 2 : -(n + 1) / 2 }

/** Reads one varint at `pos`; throws on a truncated or over-long one. */
function readVarint (buf: Buffer, pos: number): [number, number] {
  let value = 0
  let shift = 0
  for (let i = pos; i < buf.length && shift < 35; i++) {
    const b = buf[i] as number
    value += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return [value, i + 1]
    shift += 7
  }
  throw new Error('truncated message indexes')
}

/** Message indexes (Confluent's encoding) and where the message bytes start. */
export function readMessageIndexes (payload: Buffer): { indexes: number[], offset: number } {
  const [rawCount, afterCount] = readVarint(payload, 0)
  const count = unzigzag(rawCount)
  if (count === 0) return { indexes: [0], offset: afterCount }
  if (count < 0 || count > 100) throw new Error(`bad message index count ${count}`)
  const indexes: number[] = []
  let pos = afterCount
  for (let i = 0; i < count; i++) {
    const [raw, next] = readVarint(payload, pos)
    indexes.push(unzigzag(raw))
    pos = next
  }
  return { indexes, offset: pos }
}

/** Confluent's encoding of message indexes. */
export function writeMessageIndexes (indexes: number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return FIRST_MESSAGE
  const out: number[] = []
  const varint = (n: number): void => { let v = n; while (v >= 0x80) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128) } out.push(v) }
  varint(zigzag(indexes.length))
  for (const i of indexes) varint(zigzag(i))
  return Buffer.from(out)
}

function messagesOf (list: protobuf.ReflectionObject[]): protobuf.Type[] {
  return list.filter((t): t is protobuf.Type => t instanceof protobuf.Type)
}

/** The message a path of indexes names: the first index over the file's messages, the rest over nested ones. */
export function messageAt (parsed: ProtobufParsed, indexes: number[]): protobuf.Type {
  let candidates = messagesOf(parsed.types)
  let type: protobuf.Type | undefined
  for (const i of indexes) {
    type = candidates[i]
    if (type === undefined) throw new Error(`no message at index path [${indexes.join(', ')}]`)
    candidates = messagesOf(type.nestedArray)
  }
  if (type === undefined) throw new Error('empty message index path')
  return type
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32'])
const UINT32 = new Set(['uint32', 'fixed32'])
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64'])

/** Why a JSON value does not fit a scalar or enum of type `t` (proto3 JSON mapping), or undefined. */
function scalarProblem (t: string, resolved: protobuf.ReflectionObject | null, v: unknown): string | undefined {
  if (resolved instanceof protobuf.Enum) {
    if (typeof v === 'string') return Object.hasOwn(resolved.values, v) ? undefined : `is not a value of enum ${resolved.name}`
    return Number.isInteger(v) ? undefined : `must be an enum value name of ${resolved.name}`
  }
  const numeric = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined
  if (t === 'string') return typeof v === 'string' ? undefined : 'must be a string'
  if (t === 'bytes') return typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v) ? undefined : 'must be base64'
  if (t === 'bool') return typeof v === 'boolean' ? undefined : 'must be a boolean'
  if (t === 'double' || t === 'float') return numeric !== undefined || v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? undefined : 'must be a number'
  if (INT64.has(t)) {
    if (typeof v === 'string' ? !/^-?\d+$/.test(v.trim()) : !Number.isInteger(v)) return 'must be an integer (or its decimal string)'
    if (t.startsWith('u') || t.startsWith('fixed')) return String(v).trim().startsWith('-') ? 'must not be negative' : undefined
    return undefined
  }
  if (numeric === undefined || !Number.isInteger(numeric)) return 'must be an integer'
  if (INT32.has(t) && (numeric < -(2 ** 31) || numeric >= 2 ** 31)) return 'is out of range for a 32-bit integer'
  if (UINT32.has(t) && (numeric < 0 || numeric >= 2 ** 32)) return 'is out of range for an unsigned 32-bit integer'
  return undefined
}

/**
 * Why `data` is not a JSON form of message `type`, or undefined: unknown fields, wrong JSON types, unknown enum
 * names, out-of-range integers (protobufjs's fromObject would drop or coerce them silently).
 */
function jsonProblem (type: protobuf.Type, data: unknown, path: string): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return `${path === '' ? 'the value' : path} must be a JSON object for message ${type.name}`
  for (const [k, v] of Object.entries(data)) {
    const field = type.fields[k]
    const at = `${path}${k}`
    if (field === undefined) return `${at}: message ${type.name} has no such field`
    if (v === null) continue // absent
    const items: Array<[string, unknown]> = field instanceof protobuf.MapField
      ? (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([mk, mv]) => [`${at}.${mk}`, mv]) : [[at, Symbol('not an object')]])
      : field.repeated ? (Array.isArray(v) ? v.map((x, i) => [`${at}[${i}]`, x]) : [[at, Symbol('not an array')]]) : [[at, v]]
    for (const [where, item] of items) {
      if (typeof item === 'symbol') return `${where} must be a JSON ${field instanceof protobuf.MapField ? 'object' : 'array'}`
      const target = field.resolvedType
      const problem = target instanceof protobuf.Type ? jsonProblem(target, item, `${where}.`) : scalarProblem(field.type, target, item)
      if (problem !== undefined) return target instanceof protobuf.Type ? problem : `${where} ${problem}`
    }
  }
  return undefined
}

export function protobufFormat (registry: SchemaRegistry): EmbeddedFormat {
  const codec: SchemaCodec = {
    encode (data, parsed, schemaId, what) {
      if (parsed.schemaType !== 'PROTOBUF') throw new KrestError('SCHEMA_REGISTRY_ERROR', `Schema ${schemaId} is not a Protobuf schema`)
      const type = messageAt(parsed, [0])
      const problem = jsonProblem(type, data, '')
      if (problem !== undefined) throw new KrestError('INVALID_DATA', `The ${what} does not fit message ${type.name} of schema ${schemaId}: ${problem}`)
      let message: protobuf.Message
      try {
        message = type.fromObject(data as Record<string, unknown>)
      } catch (err) {
        throw new KrestError('INVALID_DATA', `The ${what} does not fit message ${type.name} of schema ${schemaId}: ${(err as Error).message}`, { cause: err })
      }
      const unverified = type.verify(message)
      if (unverified !== null) throw new KrestError('INVALID_DATA', `The ${what} does not fit message ${type.name} of schema ${schemaId}: ${unverified}`)
      return Buffer.concat([FIRST_MESSAGE, type.encode(message).finish()])
    },
    decode (payload, parsed) {
      if (parsed.schemaType !== 'PROTOBUF') throw new Error('not a Protobuf schema')
      const { indexes, offset } = readMessageIndexes(payload)
      const type = messageAt(parsed, indexes)
      return type.toObject(type.decode(payload.subarray(offset)), { longs: String, enums: String, bytes: String })
    }
  }
  const support = new SchemaFormatSupport(registry, 'PROTOBUF', codec)
  return {
    name: 'protobuf',
    serializer: async (spec) => await support.serializer(spec),
    deserialize: (bytes, context) => support.deserialize(bytes, context)
  }
}
