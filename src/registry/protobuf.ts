/**
 * PROTOBUF schemas: parsed with protobufjs (the maintained, dependency-light .proto parser and runtime for Node;
 * its reflection tree is also what the wire format needs later). Imports are Confluent references: each import
 * must be a reference name, except Google's well-known types (`google/protobuf/*.proto`), which are built in as in
 * Confluent. Identity is the file's reflection (package, imports, options and declarations in order), so spacing
 * and comments do not make a new schema; the text is stored as sent.
 */
import protobuf from 'protobufjs'
import { RegistryError } from './errors.js'
import type { ParsedSchema } from './types.js'

export interface ProtobufReferenceDoc {
  name: string
  schema: string
}

export interface ProtobufParsed extends ParsedSchema {
  schemaType: 'PROTOBUF'
  /** Package of the file ('' when none). */
  packageName: string
  /** `proto2` (the default when the file does not say) or `proto3`. */
  syntax: 'proto2' | 'proto3'
  /** The file's own top-level messages and enums, in declaration order (message indexes count over these). */
  types: Array<protobuf.Type | protobuf.Enum>
  /** Everything resolved: the file, its references and the well-known types it imports. */
  root: protobuf.Root
}

const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: true }

function invalid (detail: string): RegistryError {
  return new RegistryError('INVALID_SCHEMA', `Invalid schema: ${detail}`)
}

/** Adds Google's well-known `file` (e.g. google/protobuf/timestamp.proto) to `root`; false if it is not one. */
function addWellKnown (root: protobuf.Root, file: string): boolean {
  const json = protobuf.common.get(file) as { nested?: { google?: { nested?: { protobuf?: { nested?: Record<string, protobuf.IType | protobuf.IEnum> } } } } } | null
  if (json === null || json === undefined) return false
  const defs = json.nested?.google?.nested?.protobuf?.nested ?? {}
  const ns = root.define('google.protobuf')
  for (const [name, def] of Object.entries(defs)) {
    if (ns.get(name) !== null) continue
    ns.add('values' in def ? protobuf.Enum.fromJSON(name, def) : protobuf.Type.fromJSON(name, def as protobuf.IType))
  }
  return true
}

function parseFile (text: string, root: protobuf.Root, what: string): protobuf.IParserResult {
  try {
    return protobuf.parse(text, root, PARSE_OPTIONS)
  } catch (err) {
    throw invalid(`${what}: ${(err as Error).message}`)
  }
}

function checkImports (parsed: protobuf.IParserResult, root: protobuf.Root, known: Set<string>, what: string): void {
  for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    if (known.has(imp)) continue
    if (!addWellKnown(root, imp)) throw invalid(`${what} imports "${imp}", which is neither a reference name nor a well-known type`)
  }
}

/** Parses `text` with its references (dependencies first); throws INVALID_SCHEMA. */
export function parseProtobuf (text: string, references: ProtobufReferenceDoc[]): ProtobufParsed {
  const root = new protobuf.Root()
  const known = new Set(references.map((r) => r.name))
  for (const ref of references) {
    const parsed = parseFile(ref.schema, root, `reference ${ref.name}`)
    checkImports(parsed, root, known, `reference ${ref.name}`)
  }
  // the file alone, for its own declarations and identity
  const own = parseFile(text, new protobuf.Root(), 'cannot parse')
  const parsed = parseFile(text, root, 'cannot parse')
  checkImports(parsed, root, known, 'the schema')
  try {
    root.resolveAll()
  } catch (err) {
    throw invalid((err as Error).message)
  }
  const packageName = own.package ?? ''
  const ownNs = packageName === '' ? own.root : own.root.lookup(packageName)
  const fullNs = packageName === '' ? root : root.lookup(packageName)
  if (!(ownNs instanceof protobuf.Namespace) || !(fullNs instanceof protobuf.Namespace)) throw invalid('no declarations')
  const types = ownNs.nestedArray
    .filter((t): t is protobuf.Type | protobuf.Enum => t instanceof protobuf.Type || t instanceof protobuf.Enum)
    .map((t) => fullNs.get(t.name))
    .filter((t): t is protobuf.Type | protobuf.Enum => t instanceof protobuf.Type || t instanceof protobuf.Enum)
  if (types.filter((t) => t instanceof protobuf.Type).length === 0) throw invalid('a Protobuf schema needs at least one message')
  const canonical = JSON.stringify({
    package: packageName,
    syntax: syntaxOf(text),
    imports: own.imports ?? [],
    weakImports: own.weakImports ?? [],
    root: own.root.toJSON({ keepComments: false })
  })
  return { schemaType: 'PROTOBUF', text, canonical, packageName, syntax: syntaxOf(text), types, root }
}

/** The `syntax` statement (protobufjs parses it but does not report it). */
function syntaxOf (text: string): 'proto2' | 'proto3' {
  return /^\s*syntax\s*=\s*["']proto3["']/m.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '')) ? 'proto3' : 'proto2'
}
