/**
 * PROTOBUF schemas: parsed with protobufjs (the maintained, dependency-light .proto parser and runtime for Node;
 * its reflection tree is also what the wire format needs later). Imports are Confluent references: each import
 * must be a reference name, except Google's well-known types (`google/protobuf/*.proto`), which are built in as in
 * Confluent. Identity is the file's reflection (package, imports, options and declarations in order), so spacing
 * and comments do not make a new schema; the text is stored as sent. A schema may also be sent as Confluent's
 * "serialized" form, a base64 FileDescriptorProto (what `@confluentinc/schemaregistry`'s serializer registers), and
 * read back in that form with `format=serialized`.
 */
import { createRequire } from 'node:module'
import protobuf from 'protobufjs'
import descriptor from 'protobufjs/ext/descriptor/index.js'
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

type WellKnownJson = { nested?: { google?: { nested?: { protobuf?: { nested?: Record<string, protobuf.IType | protobuf.IEnum> } } } } }
const requireJson = createRequire(import.meta.url)
/** Well-known files protobufjs ships as JSON beside its `common` set (descriptor.proto: Confluent's meta.proto extends it). */
const SHIPPED_WELL_KNOWN: Record<string, string> = {
  'google/protobuf/descriptor.proto': 'protobufjs/google/protobuf/descriptor.json',
  'google/protobuf/api.proto': 'protobufjs/google/protobuf/api.json',
  'google/protobuf/type.proto': 'protobufjs/google/protobuf/type.json',
  'google/protobuf/source_context.proto': 'protobufjs/google/protobuf/source_context.json'
}

/** Adds Google's well-known `file` (e.g. google/protobuf/timestamp.proto) to `root`; false if it is not one. */
function addWellKnown (root: protobuf.Root, file: string): boolean {
  const shipped = SHIPPED_WELL_KNOWN[file]
  const json = (shipped === undefined ? protobuf.common.get(file) : requireJson(shipped)) as WellKnownJson | null
  if (json === null || json === undefined) return false
  const defs = json.nested?.google?.nested?.protobuf?.nested ?? {}
  const ns = root.define('google.protobuf')
  for (const [name, def] of Object.entries(defs)) {
    if (ns.get(name) !== null) continue
    ns.add('values' in def ? protobuf.Enum.fromJSON(name, def) : protobuf.Type.fromJSON(name, def as protobuf.IType))
  }
  return true
}

/** A base64 FileDescriptorProto (Confluent's "serialized" format), or undefined when `text` is .proto source. */
function serializedDescriptor (text: string): descriptor.IFileDescriptorProto | undefined {
  const compact = text.trim()
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined
  try {
    return descriptor.FileDescriptorProto.decode(Buffer.from(compact, 'base64')) as unknown as descriptor.IFileDescriptorProto
  } catch {
    return undefined
  }
}

/** Moves the declarations of `source` into `target`, namespace by namespace (first definition wins). */
function mergeInto (target: protobuf.Namespace, source: protobuf.Namespace): void {
  for (const item of [...source.nestedArray]) {
    const isPlainNamespace = item instanceof protobuf.Namespace && !(item instanceof protobuf.Type) && !(item instanceof protobuf.Service)
    if (isPlainNamespace) {
      const existing = target.get(item.name)
      mergeInto(existing instanceof protobuf.Namespace ? existing : target.define(item.name), item)
    } else if (target.get(item.name) === null) {
      source.remove(item)
      target.add(item)
    }
  }
}

/** Parses .proto source or a serialized descriptor into `root`. */
function parseFile (text: string, root: protobuf.Root, what: string): protobuf.IParserResult {
  try {
    const fdp = serializedDescriptor(text)
    if (fdp === undefined) return protobuf.parse(text, root, PARSE_OPTIONS)
    const own = (protobuf.Root as unknown as { fromDescriptor: (set: descriptor.IFileDescriptorSet) => protobuf.Root }).fromDescriptor({ file: [fdp] })
    mergeInto(root, own)
    return { package: fdp.package ?? undefined, imports: fdp.dependency ?? [], weakImports: [], root } as protobuf.IParserResult
  } catch (err) {
    throw invalid(`${what}: ${(err as Error).message}`)
  }
}

/** Confluent's own files, built in like Google's (its serializers never register them as references). */
const CONFLUENT_BUILT_IN: Record<string, string> = {
  'confluent/meta.proto': `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
  'confluent/types/decimal.proto': `syntax = "proto3";
package confluent.type;
message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }
`
}

function checkImports (parsed: protobuf.IParserResult, root: protobuf.Root, known: Set<string>, what: string, loaded = new Set<string>()): void {
  for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    if (known.has(imp) || loaded.has(imp)) continue
    loaded.add(imp)
    const builtIn = CONFLUENT_BUILT_IN[imp]
    if (builtIn !== undefined) {
      checkImports(parseFile(builtIn, root, imp), root, known, imp, loaded)
      continue
    }
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
  const fdp = serializedDescriptor(text)
  if (fdp !== undefined) return fdp.syntax === 'proto3' ? 'proto3' : 'proto2'
  return /^\s*syntax\s*=\s*["']proto3["']/m.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '')) ? 'proto3' : 'proto2'
}

/**
 * Confluent's `format=serialized`: the schema as a base64 FileDescriptorProto, as `@confluentinc/schemaregistry`'s
 * Protobuf deserializer asks for it. A schema sent serialized comes back as sent; one sent as .proto source is
 * converted when it imports nothing (its types then all live in the one file); otherwise its source is returned.
 */
export function protobufSerialized (text: string, name = 'schema.proto'): string {
  if (serializedDescriptor(text) !== undefined) return text.trim()
  const parsed = protobuf.parse(text, new protobuf.Root(), PARSE_OPTIONS)
  if ((parsed.imports ?? []).length > 0 || (parsed.weakImports ?? []).length > 0) return text
  const set = (parsed.root as unknown as { toDescriptor: (syntax: string) => descriptor.IFileDescriptorSet }).toDescriptor(syntaxOf(text))
  const file = set.file?.[0]
  if (file === undefined) return text
  file.name = name
  return Buffer.from(descriptor.FileDescriptorProto.encode(file).finish()).toString('base64')
}
