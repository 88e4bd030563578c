/**
 * fast-check arbitraries for hostile HTTP input: names, numbers, content types, bodies, and the route table the
 * generic fuzz property walks.
 */
import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'
import { ESCAPE_MARKER } from './fuzz-harness.js'

/** A JSON number written verbatim (JSON.stringify cannot write 1e999, -0 or 30-digit integers). */
export class RawNumber {
  constructor (readonly text: string) {}
}

export type FuzzJson = null | boolean | number | string | RawNumber | FuzzJson[] | { [k: string]: FuzzJson }

/** JSON text of a value that may contain RawNumbers. */
export function toJsonText (v: FuzzJson): string {
  if (v instanceof RawNumber) return v.text
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

/** Names meant to escape a directory, collide with internals or break parsers. */
export const HOSTILE_NAMES: readonly string[] = [
  '..', '.', `../${ESCAPE_MARKER}`, `../../${ESCAPE_MARKER}`, `../../../tmp/${ESCAPE_MARKER}`, `/tmp/${ESCAPE_MARKER}`,
  `a/../../${ESCAPE_MARKER}`, `..\\..\\${ESCAPE_MARKER}`, `${ESCAPE_MARKER}\\x`, `${ESCAPE_MARKER}/x`,
  `${ESCAPE_MARKER}\u0000x`, '\u0000', `%2e%2e%2f${ESCAPE_MARKER}`, `%252e%252e%252f${ESCAPE_MARKER}`, `${ESCAPE_MARKER}%00`,
  `..%2f${ESCAPE_MARKER}`, `..%5c${ESCAPE_MARKER}`, '%', '%%', '%zz', '%c0%ae%c0%ae',
  'x'.repeat(249), 'x'.repeat(250), `${ESCAPE_MARKER}${'y'.repeat(300)}`, 'z'.repeat(5000),
  '__consumer_offsets', '_schemas', '__krest', 'CON', 'NUL', 'aux.txt', 'COM1', '.hidden', '...', ' ', '  x  ', '',
  'a b', 'a\tb', 'a\nb', 'a\r\nb', 'тема', '主题', '😀', '\uFEFFbom', '\uD800', 'a:b', 'a*b', 'a?b', 'a#b', 'a;b',
  '$', '{}', '[]', 'null', 'undefined', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
]

/** Ways to put a name into a path segment. Some are refused by undici before sending, which is fine. */
/** encodeURIComponent that does not throw: a lone surrogate has no UTF-8 form, so its replacement is sent. */
export function encodeComponent (s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'))
}

export function encodeSegment (name: string, how: 'component' | 'raw' | 'double' | 'dots'): string {
  switch (how) {
    case 'component': return encodeComponent(name)
    case 'raw': return name
    case 'double': return encodeURIComponent(encodeComponent(name))
    case 'dots': return encodeComponent(name).replace(/\./g, '%2e')
  }
}

export const hostileName: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(s => ESCAPE_MARKER + s) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
)

export const segmentEncoding = fc.constantFrom<'component' | 'raw' | 'double' | 'dots'>('component', 'component', 'raw', 'double', 'dots')

/** Hostile numbers as they appear in paths and query strings. */
export const HOSTILE_NUMBER_TEXT: readonly string[] = [
  '-1', '0', '1', '2', '-0', '1.5', '0.0', '2147483647', '2147483648', '4294967296', '9007199254740991', '9007199254740993',
  '99999999999999999999999999', '-99999999999999999999', '1e3', '1e308', '1e999', '-1e999', 'NaN', 'Infinity', '-Infinity',
  '0x10', '0b1', '0o7', '1_000', ' 1', '1 ', '+1', '01', '', 'abc', 'null', 'true', '[]', '%00', '1%00', '1;2', '1,2', '１',
]

export const hostileNumberText: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NUMBER_TEXT) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
)

/** Hostile numbers inside JSON bodies (as raw tokens where JSON.stringify could not write them). */
export const hostileJsonNumber: Arbitrary<FuzzJson> = fc.oneof(
  fc.constantFrom<FuzzJson>(-1, 0, 1, 1.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.constantFrom('1e999', '-1e999', '-0', '123456789012345678901234567890', '1E400', '0.0000000000000000000001', '5e-324').map(t => new RawNumber(t)),
  fc.integer().map(n => n as FuzzJson),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(n => n as FuzzJson),
)

/** Any JSON value, hostile numbers and names included. */
export const anyJson: Arbitrary<FuzzJson> = fc.letrec<{ value: FuzzJson }>(tie => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileJsonNumber,
    fc.string({ maxLength: 20 }),
    hostileName,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'records', 'value', 'key', 'partition')), tie('value'), { maxKeys: 4 }),
  ),
})).value

/** `shape` with each field sometimes replaced by any JSON value, dropped, or joined by an unknown field. */
export function mutated (shape: Record<string, Arbitrary<FuzzJson>>): Arbitrary<FuzzJson> {
  const fields: Record<string, Arbitrary<FuzzJson | undefined>> = {}
  for (const [k, arb] of Object.entries(shape)) {
    fields[k] = fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constant(undefined) })
  }
  return fc.tuple(fc.record(fields), fc.option(fc.tuple(fc.string({ maxLength: 10 }), anyJson), { freq: 8 })).map(([obj, extra]) => {
    const out: Record<string, FuzzJson> = {}
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v
    if (extra !== null) out[extra[0]] = extra[1]
    return out
  })
}

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined, 'application/vnd.kafka.v2+json', 'application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.json.v2+json',
  'application/vnd.kafka.avro.v2+json', 'application/vnd.kafka.jsonschema.v2+json', 'application/vnd.kafka.protobuf.v2+json',
  'application/vnd.kafka.binary.v1+json', 'application/vnd.kafka.v3+json', 'application/vnd.kafka.foo.v2+json',
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=iso-8859-1', 'application/json; charset=utf-16',
  'application/json; charset=bogus', 'application/JSON', 'application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json',
  'application/octet-stream', 'text/plain', 'text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded',
  '', ';', '*/*', 'application/', '/json', 'application/json;;;', 'application/json; charset=', 'application/vnd.kafka.binary.v2+json; q=0',
]

export const ACCEPTS: readonly (string | undefined)[] = [
  undefined, '*/*', 'application/json', 'application/vnd.kafka.v2+json', 'application/vnd.kafka.binary.v2+json',
  'application/vnd.kafka.json.v2+json', 'application/vnd.kafka.avro.v2+json', 'application/vnd.schemaregistry.v1+json',
  'text/html', 'application/xml', 'application/json;q=0', 'application/json;q=abc', 'a/b, c/d;q=0.5, */*;q=0.1', ',,,', ';;', '*/json',
]

/** Bodies that break parsers: invalid UTF-8, deep nesting, truncation, huge tokens. */
export const brokenBody: Arbitrary<string | Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map(a => Buffer.from(a)),
  fc.constantFrom(
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from('{"records":[{"value":"\xff\xfe"}]}', 'latin1'),
    Buffer.concat([Buffer.from('{"records":[{"value":{"a":"'), Buffer.from([0xc0, 0xae, 0xed, 0xa0, 0x80]), Buffer.from('"}}]}')]),
    Buffer.from('{"records":[{"value":"\\ud800"}]}'),
    Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    '{', '}', '[', '"', '{"records":', '{"records":[', 'null', 'true', '0', '""', '[]', '{}', 'NaN', '{"a":1,}', "{'a':1}",
    '{"records":[{"value":1}]}garbage', '{"__proto__":{"polluted":1},"records":[{"value":1}]}',
    '{"constructor":{"prototype":{"polluted":1}}}', '{"records":[{"value":1}],"records":"dup"}',
    '{"records":[{"value":123456789012345678901234567890}]}', '{"records":[{"partition":1e999,"value":1}]}',
  ),
  fc.integer({ min: 1, max: 20_000 }).map(n => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map(n => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map(n => `{"records":[{"value":${'['.repeat(n)}${']'.repeat(n)}}]}`),
  fc.integer({ min: 1, max: 200_000 }).map(n => `{"records":[{"value":"${'a'.repeat(n)}"}]}`),
  fc.integer({ min: 1, max: 10_000 }).map(n => `{"records":[${Array.from({ length: n }, () => '{}').join(',')}]}`),
)
