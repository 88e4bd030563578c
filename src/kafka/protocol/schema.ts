/**
 * Our compact description of Kafka messages, and ONE interpreter that derives the decoder and encoder of any
 * (api, version, direction) from it. Each API's fields are written once in `src/kafka/messages.ts` from the facts
 * of Kafka's message specs (field order, types, the versions each field exists in, nullable versions, tags,
 * the first flexible version); no codec is written by hand per version.
 *
 * Decoded messages are plain objects keyed by our camelCase field names; a field absent from the version gets its
 * default. Encoding reads the same names; a missing (undefined) field is written as its default.
 */
import { KafkaReader, ProtocolDecodeError } from './reader.js'
import { KafkaWriter } from './writer.js'

export type PrimitiveType =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'int64' | 'float64' | 'uuid'
  | 'string' | 'bytes'
  /** Record batches: NULLABLE_BYTES / COMPACT_NULLABLE_BYTES; decoded as a Buffer view, encoded from a Buffer or a list of them. */
  | 'records'

/** An inclusive version range. */
export interface VersionRange { readonly min: number, readonly max: number }

export interface FieldDef {
  readonly name: string
  /** A primitive, or the fields of a struct. */
  readonly type: PrimitiveType | readonly FieldDef[]
  readonly array: boolean
  readonly versions: VersionRange
  readonly nullable?: VersionRange
  /** A tagged field (only in flexible versions, inside the struct's tagged-field section). */
  readonly tag?: number
  readonly default?: unknown
}

export interface FieldOptions {
  /** Versions in which the field may be null, e.g. '1+'. */
  nullable?: string
  tag?: number
  default?: unknown
}

/** '3+' → 3..∞, '0-4' → 0..4, '5' → 5..5. */
export function versionRange (spec: string): VersionRange {
  const m = /^(\d+)(\+|-(\d+))?$/.exec(spec)
  if (m === null) throw new Error(`bad version range ${spec}`)
  const min = Number(m[1])
  if (m[2] === '+') return { min, max: Number.POSITIVE_INFINITY }
  if (m[3] !== undefined) return { min, max: Number(m[3]) }
  return { min, max: min }
}

function within (r: VersionRange | undefined, v: number): boolean {
  return r !== undefined && v >= r.min && v <= r.max
}

/** A scalar or struct field. */
export function field (name: string, type: PrimitiveType | readonly FieldDef[], versions: string, options: FieldOptions = {}): FieldDef {
  return { name, type, array: false, versions: versionRange(versions), ...rest(options) }
}

/** An array of a primitive or of structs. */
export function array (name: string, type: PrimitiveType | readonly FieldDef[], versions: string, options: FieldOptions = {}): FieldDef {
  return { name, type, array: true, versions: versionRange(versions), ...rest(options) }
}

function rest (options: FieldOptions): Partial<FieldDef> {
  const out: { nullable?: VersionRange, tag?: number, default?: unknown } = {}
  if (options.nullable !== undefined) out.nullable = versionRange(options.nullable)
  if (options.tag !== undefined) out.tag = options.tag
  if (options.default !== undefined) out.default = options.default
  return out
}

// ---- the interpreter ----------------------------------------------------------------------------------------

export type Message = Record<string, unknown>

export interface MessageCodec {
  decode(reader: KafkaReader): Message
  encode(writer: KafkaWriter, message: Message): void
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

function primitiveDefault (type: PrimitiveType): unknown {
  switch (type) {
    case 'bool': return false
    case 'string': return ''
    case 'bytes': return Buffer.alloc(0)
    case 'records': return null
    case 'uuid': return ZERO_UUID
    default: return 0
  }
}

interface FieldCodec {
  readonly def: FieldDef
  readonly defaultValue: () => unknown
  read(reader: KafkaReader): unknown
  write(writer: KafkaWriter, value: unknown): void
}

function readPrimitive (type: PrimitiveType, r: KafkaReader, flexible: boolean, nullable: boolean, name: string): unknown {
  switch (type) {
    case 'bool': return r.bool()
    case 'int8': return r.int8()
    case 'int16': return r.int16()
    case 'uint16': return r.uint16()
    case 'int32': return r.int32()
    case 'int64': return r.int64()
    case 'float64': return r.float64()
    case 'uuid': return r.uuid()
    case 'string': {
      const s = flexible ? r.compactNullableString() : r.nullableString()
      if (s === null && !nullable) throw new ProtocolDecodeError(`${name} must not be null`)
      return s
    }
    case 'bytes':
    case 'records': {
      const b = flexible ? r.compactNullableBytes() : r.nullableBytes()
      if (b === null && !nullable && type === 'bytes') throw new ProtocolDecodeError(`${name} must not be null`)
      return b
    }
  }
}

function writePrimitive (type: PrimitiveType, w: KafkaWriter, v: unknown, flexible: boolean, nullable: boolean, name: string): void {
  switch (type) {
    case 'bool': w.bool(v === true); return
    case 'int8': w.int8(v as number); return
    case 'int16': w.int16(v as number); return
    case 'uint16': w.uint16(v as number); return
    case 'int32': w.int32(v as number); return
    case 'int64': w.int64(v as number); return
    case 'float64': w.float64(v as number); return
    case 'uuid': w.uuid(v as string); return
    case 'string':
      if (v === null && !nullable) throw new Error(`${name} must not be null in this version`)
      if (flexible) w.compactNullableString(v as string | null)
      else w.nullableString(v as string | null)
      return
    case 'bytes':
    case 'records':
      if (v === null && !nullable && type === 'bytes') throw new Error(`${name} must not be null in this version`)
      if (flexible) w.compactNullableBytes(v as Buffer | Buffer[] | null)
      else w.nullableBytes(v as Buffer | Buffer[] | null)
  }
}

function compileField (def: FieldDef, version: number, flexible: boolean): FieldCodec {
  const nullable = within(def.nullable, version)
  const name = def.name
  const struct = typeof def.type === 'string' ? undefined : compileStruct(def.type, version, flexible)
  const prim = typeof def.type === 'string' ? def.type : undefined
  const defaultValue = (): unknown => {
    if (def.default !== undefined) return def.default
    if (def.array) return nullable ? null : []
    if (struct !== undefined) return struct.decodeDefaults()
    return primitiveDefault(prim as PrimitiveType)
  }
  const readOne = struct !== undefined
    ? (r: KafkaReader): unknown => struct.decode(r)
    : (r: KafkaReader): unknown => readPrimitive(prim as PrimitiveType, r, flexible, nullable, name)
  const writeOne = struct !== undefined
    ? (w: KafkaWriter, v: unknown): void => { struct.encode(w, (v ?? {}) as Message) }
    : (w: KafkaWriter, v: unknown): void => { writePrimitive(prim as PrimitiveType, w, v, flexible, nullable, name) }
  if (!def.array) {
    if (struct !== undefined && nullable) {
      // Nullable structs are prefixed by an int8 presence marker (-1 null, 1 present).
      return {
        def,
        defaultValue,
        read: r => r.int8() < 0 ? null : readOne(r),
        write: (w, v) => { if (v === null) w.int8(-1); else { w.int8(1); writeOne(w, v) } },
      }
    }
    return { def, defaultValue, read: readOne, write: (w, v) => { writeOne(w, v === undefined ? defaultValue() : v) } }
  }
  return {
    def,
    defaultValue,
    read: r => {
      const n = r.arrayLength(flexible)
      if (n === -1) {
        if (!nullable) throw new ProtocolDecodeError(`${name} must not be null`)
        return null
      }
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) out[i] = readOne(r)
      return out
    },
    write: (w, v) => {
      if (v === null || v === undefined) {
        if (v === null && !nullable) throw new Error(`${name} must not be null in this version`)
        w.arrayLength(v === null ? null : 0, flexible)
        return
      }
      const items = v as readonly unknown[]
      w.arrayLength(items.length, flexible)
      for (const item of items) writeOne(w, item)
    },
  }
}

interface StructCodec extends MessageCodec {
  decodeDefaults(): Message
}

function isDefault (value: unknown, defaultValue: unknown): boolean {
  if (value === undefined || value === defaultValue) return true
  if (Array.isArray(value)) return value.length === 0 && Array.isArray(defaultValue)
  return false
}

function compileStruct (fields: readonly FieldDef[], version: number, flexible: boolean): StructCodec {
  const present = fields.filter(f => within(f.versions, version))
  const plain = present.filter(f => f.tag === undefined || !flexible).map(f => compileField(f, version, flexible))
  const tagged = flexible ? present.filter(f => f.tag !== undefined).map(f => compileField(f, version, flexible)) : []
  tagged.sort((a, b) => (a.def.tag as number) - (b.def.tag as number))
  const byTag = new Map(tagged.map(c => [c.def.tag as number, c]))
  // Fields of other versions still appear in decoded messages, with their defaults, so handlers read one shape.
  const absent = fields.filter(f => !present.includes(f) || (!flexible && f.tag !== undefined && !plain.some(c => c.def === f)))
    .map(f => compileField(f, version, flexible))
  const decodeDefaults = (): Message => {
    const m: Message = {}
    for (const c of plain) m[c.def.name] = c.defaultValue()
    for (const c of tagged) m[c.def.name] = c.defaultValue()
    for (const c of absent) m[c.def.name] = c.defaultValue()
    return m
  }
  return {
    decodeDefaults,
    decode (r) {
      const m: Message = {}
      for (const c of absent) m[c.def.name] = c.defaultValue()
      for (const c of plain) m[c.def.name] = c.read(r)
      if (flexible) {
        for (const c of tagged) m[c.def.name] = c.defaultValue()
        r.taggedFields((tag, sub) => {
          const c = byTag.get(tag)
          if (c === undefined) return false
          m[c.def.name] = c.read(sub)
          return true
        })
      }
      return m
    },
    encode (w, m) {
      for (const c of plain) c.write(w, m[c.def.name])
      if (!flexible) return
      const toWrite = tagged.filter(c => !isDefault(m[c.def.name], c.defaultValue()))
      w.uvarint(toWrite.length)
      for (const c of toWrite) {
        const sub = new KafkaWriter(64)
        c.write(sub, m[c.def.name])
        const bytes = Buffer.concat(sub.finish())
        w.uvarint(c.def.tag as number).uvarint(bytes.length).raw(bytes)
      }
    },
  }
}

/** Compiles the codec of a message's fields at one version. */
export function compileMessage (fields: readonly FieldDef[], version: number, flexible: boolean): MessageCodec {
  return compileStruct(fields, version, flexible)
}
