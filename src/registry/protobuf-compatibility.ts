/**
 * Protobuf compatibility following Confluent's Protobuf `SchemaDiff`: the differences between an original and an
 * updated file (by message and enum name, fields by number), compatible when every difference is in Confluent's
 * compatible set. Field numbers and wire types are what matter: renaming a field is fine, changing its number's
 * type across wire-compatible groups is not, removing or adding fields is fine, moving fields into a oneof is not.
 */
import protobuf from 'protobufjs'
import type { ProtobufParsed } from './protobuf.js'

export interface ProtobufDifference { type: string, path: string }

/** Confluent's `SchemaDiff.COMPATIBLE_CHANGES`. */
const COMPATIBLE = new Set([
  'MESSAGE_ADDED', 'MESSAGE_MOVED', 'ENUM_ADDED', 'ENUM_REMOVED', 'ENUM_CONST_ADDED', 'ENUM_CONST_CHANGED',
  'ENUM_CONST_REMOVED', 'FIELD_ADDED', 'FIELD_REMOVED', 'FIELD_NAME_CHANGED', 'FIELD_STRING_OR_BYTES_LABEL_CHANGED',
  'ONEOF_ADDED', 'ONEOF_REMOVED', 'ONEOF_FIELD_ADDED', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL'
])

/** Groups of scalar types whose encodings read each other (protobuf's "updating a message type" rules). */
const SCALAR_KINDS: Record<string, string> = {
  int32: 'GENERAL_NUMBER', int64: 'GENERAL_NUMBER', uint32: 'GENERAL_NUMBER', uint64: 'GENERAL_NUMBER', bool: 'GENERAL_NUMBER',
  sint32: 'SIGNED_NUMBER', sint64: 'SIGNED_NUMBER',
  string: 'STRING_OR_BYTES', bytes: 'STRING_OR_BYTES',
  fixed32: 'FIXED32', sfixed32: 'FIXED32', fixed64: 'FIXED64', sfixed64: 'FIXED64',
  float: 'FLOAT', double: 'DOUBLE'
}

type Named = protobuf.Type | protobuf.Enum

class Differ {
  readonly out: ProtobufDifference[] = []
  private readonly inProgress = new Set<string>()

  constructor (private readonly original: ProtobufParsed, private readonly update: ProtobufParsed) {}

  private add (type: string, path: string): void { this.out.push({ type, path }) }

  compareTypes (o: Named[], u: Named[], path: string): void {
    const index = (list: Named[]): { messages: Map<string, [protobuf.Type, number]>, enums: Map<string, protobuf.Enum> } => {
      const messages = new Map<string, [protobuf.Type, number]>()
      const enums = new Map<string, protobuf.Enum>()
      let i = 0
      for (const t of list) {
        if (t instanceof protobuf.Type) messages.set(t.name, [t, i++])
        else enums.set(t.name, t)
      }
      return { messages, enums }
    }
    const a = index(o)
    const b = index(u)
    for (const name of new Set([...a.messages.keys(), ...b.messages.keys()])) {
      const p = `${path}/${name}`
      const om = a.messages.get(name)
      const um = b.messages.get(name)
      if (um === undefined) this.add('MESSAGE_REMOVED', p)
      else if (om === undefined) this.add('MESSAGE_ADDED', p)
      else {
        this.compareMessage(om[0], um[0], p)
        if (om[1] !== um[1]) this.add('MESSAGE_MOVED', p)
      }
    }
    for (const name of new Set([...a.enums.keys(), ...b.enums.keys()])) {
      const p = `${path}/${name}`
      const oe = a.enums.get(name)
      const ue = b.enums.get(name)
      if (ue === undefined) this.add('ENUM_REMOVED', p)
      else if (oe === undefined) this.add('ENUM_ADDED', p)
      else this.compareEnum(oe, ue, p)
    }
  }

  private compareEnum (o: protobuf.Enum, u: protobuf.Enum, path: string): void {
    const byNumber = (e: protobuf.Enum): Map<number, string> => new Map(Object.entries(e.values).map(([k, v]) => [v, k]))
    const a = byNumber(o)
    const b = byNumber(u)
    for (const n of new Set([...a.keys(), ...b.keys()])) {
      const on = a.get(n)
      const un = b.get(n)
      if (un === undefined) this.add('ENUM_CONST_REMOVED', `${path}/${n}`)
      else if (on === undefined) this.add('ENUM_CONST_ADDED', `${path}/${n}`)
      else if (on !== un) this.add('ENUM_CONST_CHANGED', `${path}/${n}`)
    }
  }

  compareMessage (o: protobuf.Type, u: protobuf.Type, path: string): void {
    const key = `${o.fullName}\u0000${u.fullName}`
    if (this.inProgress.has(key)) return // recursive types: a pair in progress is assumed compatible
    this.inProgress.add(key)
    try {
      this.compareMessageBody(o, u, path)
    } finally {
      this.inProgress.delete(key)
    }
  }

  private compareMessageBody (o: protobuf.Type, u: protobuf.Type, path: string): void {
    const oFields = new Map(o.fieldsArray.map((f) => [f.id, f]))
    const uFields = new Map(u.fieldsArray.map((f) => [f.id, f]))
    const oOneOf = oneofMembership(o)
    const uOneOf = oneofMembership(u)
    const oOneOfs = realOneofs(o)
    const uOneOfs = realOneofs(u)

    const completelyDeleted = new Set<string>()
    for (const [name, oneof] of oOneOfs) {
      if (!uOneOfs.has(name) && !oneof.fieldsArray.some((f) => uFields.has(f.id))) completelyDeleted.add(name)
    }
    for (const [name, oneof] of uOneOfs) {
      const origins = new Set<string>()
      let movedIn = 0
      for (const f of oneof.fieldsArray) {
        const was = oOneOf.get(f.id)
        if (was !== undefined) origins.add(`oneof:${was}`)
        else if (oFields.has(f.id)) { origins.add(`field:${f.id}`); movedIn++ }
      }
      if (origins.size > 1) this.add(movedIn > 1 ? 'MULTIPLE_FIELDS_MOVED_TO_ONEOF' : 'FIELD_MOVED_TO_EXISTING_ONEOF', `${path}/${name}`)
    }
    for (const name of new Set([...oOneOfs.keys(), ...uOneOfs.keys()])) {
      if (!uOneOfs.has(name)) this.add('ONEOF_REMOVED', `${path}/${name}`)
      else if (!oOneOfs.has(name)) this.add('ONEOF_ADDED', `${path}/${name}`)
    }
    for (const id of [...new Set([...oFields.keys(), ...uFields.keys()])].sort((x, y) => x - y)) {
      const of = oFields.get(id)
      const uf = uFields.get(id)
      const oo = oOneOf.get(id)
      const uo = uOneOf.get(id)
      if (uf === undefined && of !== undefined) {
        if (oo !== undefined) { if (!completelyDeleted.has(oo)) this.add('ONEOF_FIELD_REMOVED', `${path}/${oo}/${id}`) } else this.add(of.required ? 'REQUIRED_FIELD_REMOVED' : 'FIELD_REMOVED', `${path}/${id}`)
      } else if (of === undefined && uf !== undefined) {
        if (uo !== undefined) this.add('ONEOF_FIELD_ADDED', `${path}/${uo}/${id}`)
        else this.add(uf.required ? 'REQUIRED_FIELD_ADDED' : 'FIELD_ADDED', `${path}/${id}`)
      } else if (of !== undefined && uf !== undefined) {
        if (oo !== undefined && uo === undefined) this.add('ONEOF_FIELD_MOVED_TO_TOP_LEVEL', `${path}/${id}`)
        this.compareField(of, uf, uo !== undefined ? `${path}/${uo}/${id}` : `${path}/${id}`)
      }
    }
    this.compareTypes(nestedTypes(o), nestedTypes(u), path)
  }

  private compareField (o: protobuf.Field, u: protobuf.Field, path: string): void {
    if (o.name !== u.name) this.add('FIELD_NAME_CHANGED', path)
    if (o instanceof protobuf.MapField || u instanceof protobuf.MapField) {
      if (!(o instanceof protobuf.MapField && u instanceof protobuf.MapField)) { this.add('FIELD_KIND_CHANGED', path); return }
      this.compareTypesOf(o.keyType, undefined, null, u.keyType, undefined, null, path)
      this.compareTypesOf(o.type, o.resolvedType, null, u.type, u.resolvedType, null, path)
      return
    }
    this.compareTypesOf(o.type, o.resolvedType, labelOf(o, this.original.syntax), u.type, u.resolvedType, labelOf(u, this.update.syntax), path)
  }

  private compareTypesOf (ot: string, oResolved: protobuf.Type | protobuf.Enum | null | undefined, oLabel: string | null,
    ut: string, uResolved: protobuf.Type | protobuf.Enum | null | undefined, uLabel: string | null, path: string): void {
    const kind = (t: string, r: protobuf.Type | protobuf.Enum | null | undefined): string => SCALAR_KINDS[t] !== undefined || r instanceof protobuf.Enum ? 'SCALAR' : 'MESSAGE'
    const ok = kind(ot, oResolved)
    const uk = kind(ut, uResolved)
    if (ok !== uk) { this.add('FIELD_KIND_CHANGED', path); return }
    if (ok === 'SCALAR') {
      const os = oResolved instanceof protobuf.Enum ? 'GENERAL_NUMBER' : SCALAR_KINDS[ot]
      const us = uResolved instanceof protobuf.Enum ? 'GENERAL_NUMBER' : SCALAR_KINDS[ut]
      if (os !== us) { this.add('FIELD_SCALAR_KIND_CHANGED', path); return }
      if (oLabel !== null && uLabel !== null && oLabel !== uLabel) this.add(os === 'STRING_OR_BYTES' ? 'FIELD_STRING_OR_BYTES_LABEL_CHANGED' : 'FIELD_NUMERIC_LABEL_CHANGED', path)
      return
    }
    if (!(oResolved instanceof protobuf.Type) || !(uResolved instanceof protobuf.Type)) {
      if (ot !== ut) this.add('FIELD_NAMED_TYPE_CHANGED', path)
      return
    }
    if (localName(oResolved, this.original) !== localName(uResolved, this.update)) { this.add('FIELD_NAMED_TYPE_CHANGED', path); return }
    const before = this.out.length
    this.compareMessage(oResolved, uResolved, path)
    if (this.out.slice(before).some((d) => !COMPATIBLE.has(d.type))) this.add('FIELD_NAMED_TYPE_CHANGED', path)
  }
}

/** A type's name relative to its file's package (full name without the leading dot and package). */
function localName (t: protobuf.ReflectionObject, file: ProtobufParsed): string {
  const full = t.fullName.replace(/^\./, '')
  const pkg = full.startsWith('google.protobuf.') ? 'google.protobuf' : file.packageName
  return pkg !== '' && full.startsWith(`${pkg}.`) ? full.slice(pkg.length + 1) : full
}

/** Wire's labels: repeated / required / optional (proto2, or proto3 `optional`); null for proto3 implicit fields. */
function labelOf (f: protobuf.Field, syntax: 'proto2' | 'proto3'): string | null {
  if (f.repeated) return 'REPEATED'
  if (f.required) return 'REQUIRED'
  return syntax === 'proto2' || f.options?.proto3_optional === true ? 'OPTIONAL' : null
}

/** Oneofs as written; protobufjs's synthetic `_name` oneof of a proto3 `optional` field is not one. */
function realOneofs (t: protobuf.Type): Map<string, protobuf.OneOf> {
  return new Map(t.oneofsArray.filter((o) => !(o.fieldsArray.length === 1 && o.name === `_${o.fieldsArray[0]?.name ?? ''}`)).map((o) => [o.name, o]))
}

function oneofMembership (t: protobuf.Type): Map<number, string> {
  const out = new Map<number, string>()
  for (const [name, o] of realOneofs(t)) for (const f of o.fieldsArray) out.set(f.id, name)
  return out
}

function nestedTypes (t: protobuf.Type): Named[] {
  return t.nestedArray.filter((n): n is Named => n instanceof protobuf.Type || n instanceof protobuf.Enum)
}

/** Differences between `original` and `update` (every one, compatible or not). */
export function protobufDiff (original: ProtobufParsed, update: ProtobufParsed): ProtobufDifference[] {
  const d = new Differ(original, update)
  if (original.packageName !== update.packageName) d.out.push({ type: 'PACKAGE_CHANGED', path: '#/' })
  d.compareTypes(original.types, update.types, '#')
  return d.out
}

/** Why `reader` cannot read data written with `writer` (Confluent compares writer as original, reader as update). */
export function protobufReadProblems (reader: ProtobufParsed, writer: ProtobufParsed): string[] {
  return protobufDiff(writer, reader)
    .filter((d) => !COMPATIBLE.has(d.type))
    .map((d) => `Found incompatible change: Difference{fullPath='${d.path}', type=${d.type}}`)
}
