/**
 * Avro schema resolution check, mirroring Apache Avro's `SchemaCompatibility` (which Confluent uses verbatim):
 * can a reader schema read data written with a writer schema? Unlike avsc's resolver (which throws on the first
 * problem, without a location) this walks both schemas fully and reports every incompatibility with its kind and
 * path, in Confluent's message shape. Works on parsed avsc types (names, aliases and defaults already validated).
 */
import type { Type } from 'avsc'

export type AvroIncompatibilityKind =
  | 'NAME_MISMATCH' | 'FIXED_SIZE_MISMATCH' | 'MISSING_ENUM_SYMBOLS' | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH' | 'MISSING_UNION_BRANCH'

export interface AvroIncompatibility {
  kind: AvroIncompatibilityKind
  path: string
  description: string
  info: string
}

/** The parts of avsc's runtime type objects this checker reads (avsc's typings do not declare them all). */
interface AvscTypeShape {
  typeName: string
  name?: string
  aliases?: string[]
  fields?: AvscFieldShape[]
  symbols?: string[]
  default?: unknown
  size?: number
  itemsType?: Type
  valuesType?: Type
  types?: Type[]
}
interface AvscFieldShape {
  name: string
  type: Type
  aliases?: string[]
  defaultValue: () => unknown
}

function shape (t: Type): AvscTypeShape {
  return t as unknown as AvscTypeShape
}

function kindOf (t: Type): string {
  const n = shape(t).typeName
  if (n.startsWith('union')) return 'union'
  if (n === 'error') return 'record'
  return n
}

function simple (name: string | undefined): string {
  if (name === undefined) return ''
  const i = name.lastIndexOf('.')
  return i < 0 ? name : name.slice(i + 1)
}

function hasDefault (f: AvscFieldShape): boolean {
  return Object.prototype.hasOwnProperty.call(f, 'defaultValue')
}

function label (t: Type): string {
  const s = shape(t)
  const k = kindOf(t)
  if (k === 'union') return `[${(s.types ?? []).map(label).join(',')}]`
  return s.name !== undefined ? `${k} ${s.name}` : k
}

const PROMOTIONS: Record<string, string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string']
}

class Checker {
  readonly out: AvroIncompatibility[] = []

  constructor (
    private readonly readerLabel: string,
    private readonly writerLabel: string,
    /** Pairs being checked (shared with trial sub-checks, so recursive types terminate). */
    private readonly inProgress = new Set<string>(),
    private readonly ids = new Map<Type, number>()
  ) {}

  private id (t: Type): number {
    let n = this.ids.get(t)
    if (n === undefined) { n = this.ids.size; this.ids.set(t, n) }
    return n
  }

  private add (kind: AvroIncompatibilityKind, path: string, description: string, info: string): void {
    this.out.push({ kind, path: path === '' ? '/' : path, description, info })
  }

  /** Would this pair be compatible? (no output) */
  private fits (reader: Type, writer: Type, path: string): boolean {
    const sub = new Checker(this.readerLabel, this.writerLabel, this.inProgress, this.ids)
    sub.check(reader, writer, path)
    return sub.out.length === 0
  }

  private namesMatch (reader: Type, writer: Type): boolean {
    const r = shape(reader)
    const w = shape(writer)
    if (simple(r.name) === simple(w.name)) return true
    return (r.aliases ?? []).some((a) => a === w.name || simple(a) === simple(w.name))
  }

  check (reader: Type, writer: Type, path: string): void {
    const key = `${this.id(reader)}:${this.id(writer)}`
    if (this.inProgress.has(key)) return // recursive types: a pair being checked is assumed compatible
    this.inProgress.add(key)
    try {
      this.checkPair(reader, writer, path)
    } finally {
      this.inProgress.delete(key)
    }
  }

  private checkPair (reader: Type, writer: Type, path: string): void {
    const rk = kindOf(reader)
    const wk = kindOf(writer)
    const r = shape(reader)
    const w = shape(writer)
    const R = this.readerLabel
    const W = this.writerLabel

    if (wk === 'union') {
      // every branch the writer may have used must be readable
      ;(w.types ?? []).forEach((branch, i) => { this.check(reader, branch, `${path}/${i}`) })
      return
    }
    if (rk === 'union') {
      if (!(r.types ?? []).some((branch) => this.fits(branch, writer, path))) {
        this.add('MISSING_UNION_BRANCH', path, `The ${R} schema is missing a type inside a union field at path '${path || '/'}' in the ${W} schema`, `reader union lacking writer type: ${label(writer).toUpperCase()}`)
      }
      return
    }
    if (rk !== wk) {
      if (!(PROMOTIONS[rk] ?? []).includes(wk)) {
        this.add('TYPE_MISMATCH', path, `The type (path '${path || '/'}') of a field in the ${R} schema does not match with the ${W} schema`, `reader type: ${label(reader).toUpperCase()} not compatible with writer type: ${label(writer).toUpperCase()}`)
      }
      return
    }
    switch (rk) {
      case 'record': {
        if (!this.namesMatch(reader, writer)) {
          this.add('NAME_MISMATCH', `${path}/name`, `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name ?? ''}`)
        }
        const wFields = w.fields ?? []
        ;(r.fields ?? []).forEach((rf, i) => {
          const wf = wFields.find((f) => f.name === rf.name) ??
            wFields.find((f) => (rf.aliases ?? []).includes(f.name))
          const fpath = `${path}/fields/${i}`
          if (wf === undefined) {
            if (!hasDefault(rf)) {
              this.add('READER_FIELD_MISSING_DEFAULT_VALUE', fpath, `The field '${rf.name}' at path '${fpath}' in the ${R} schema has no default value and is missing in the ${W} schema`, rf.name)
            }
            return
          }
          this.check(rf.type, wf.type, `${fpath}/type`)
        })
        return
      }
      case 'enum': {
        if (!this.namesMatch(reader, writer)) {
          this.add('NAME_MISMATCH', `${path}/name`, `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name ?? ''}`)
        }
        const rs = new Set(r.symbols ?? [])
        const missing = (w.symbols ?? []).filter((s) => !rs.has(s))
        if (missing.length > 0 && r.default === undefined) {
          this.add('MISSING_ENUM_SYMBOLS', `${path}/symbols`, `The ${R} schema is missing enum symbols '${missing.join(', ')}' at path '${path}/symbols' in the ${W} schema`, `[${missing.join(', ')}]`)
        }
        return
      }
      case 'fixed': {
        if (!this.namesMatch(reader, writer)) {
          this.add('NAME_MISMATCH', `${path}/name`, `The name of the schema has changed (path '${path}/name')`, `expected: ${w.name ?? ''}`)
        }
        if (r.size !== w.size) {
          this.add('FIXED_SIZE_MISMATCH', `${path}/size`, `The size of FIXED type field at path '${path}/size' in the ${R} schema does not match with the ${W} schema`, `expected: ${String(w.size)}, found: ${String(r.size)}`)
        }
        return
      }
      case 'array':
        if (r.itemsType !== undefined && w.itemsType !== undefined) this.check(r.itemsType, w.itemsType, `${path}/items`)
        return
      case 'map':
        if (r.valuesType !== undefined && w.valuesType !== undefined) this.check(r.valuesType, w.valuesType, `${path}/values`)
        return
      default:
        // same primitive (logical types are not registered with avsc, so they compare as their underlying type)
    }
  }
}

/**
 * Every reason `reader` cannot read data written with `writer`. `readerLabel`/`writerLabel` name the two schemas
 * in the messages ("new"/"old").
 */
export function avroIncompatibilities (reader: Type, writer: Type, readerLabel = 'reader', writerLabel = 'writer'): AvroIncompatibility[] {
  const c = new Checker(readerLabel, writerLabel)
  c.check(reader, writer, '')
  return c.out
}

/** Confluent's message shape for one incompatibility. */
export function formatAvroIncompatibility (i: AvroIncompatibility): string {
  return `{errorType:'${i.kind}', description:'${i.description}', additionalInfo:'${i.info}'}`
}
