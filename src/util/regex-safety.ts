/**
 * Client-supplied regular expressions (consumer `topic_pattern`s, JSON Schema `pattern` and `patternProperties`)
 * run in the one event loop. On V8's backtracking engine a pattern such as `(a+)+b`, `.*.*.*x` or `.{0,16}` repeated
 * seven times then `x` takes time exponential or polynomial in the input length: one 100-character topic name or
 * value froze the server for 10 to 45 s (ReDoS, issues 7 and 13). A guard that tried to recognise the dangerous
 * constructs was bypassed with bounded quantifiers, so user patterns no longer run on V8's engine at all: they are
 * compiled with RE2JS, a port of RE2 that matches in time linear in the input whatever the pattern. What RE2 cannot
 * express in linear time (back-references, lookaround) is refused at compile time with a clear message.
 *
 * The syntax accepted is ECMAScript's as far as RE2 shares it (`RE2JS.translateRegExp` maps `\u{…}`, `\cX` and the
 * like); `\s` and `.` follow RE2 (ASCII whitespace; everything but `\n`).
 */
import { RE2JS } from 're2js'

/** A compiled user pattern; every method runs in time linear in the input. */
export interface SafeRegex {
  /** Does the pattern match somewhere in `input` (RegExp#test)? */
  test (input: string): boolean
  /** Does the pattern match the whole of `input` (Java's `Matcher.matches()`)? */
  matchesWhole (input: string): boolean
  /** `/pattern/`, as RegExp's: ajv keys compiled patterns by it. */
  toString (): string
}

/** Thrown when a pattern is not valid, too long, or uses what a linear-time engine cannot run. */
export class UnsafePatternError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UnsafePatternError'
  }
}

export interface SafeRegexOptions {
  /** Longest pattern, in characters (default 1000). */
  maxLength?: number
}

export const DEFAULT_MAX_PATTERN_LENGTH = 1000

/** Compiles `pattern` (ECMAScript syntax) for linear-time matching; throws UnsafePatternError. */
export function compileSafeRegex (pattern: string, options: SafeRegexOptions = {}): SafeRegex {
  const maxLength = options.maxLength ?? DEFAULT_MAX_PATTERN_LENGTH
  if (pattern.length > maxLength) throw new UnsafePatternError(`it is longer than ${maxLength} characters`)
  // ECMAScript's grammar first (V8 parses without matching): translateRegExp would otherwise turn what ECMAScript
  // refuses or reads as a back-reference (`\k<x>`, `\8`) into a literal letter or digit, silently.
  try {
    // eslint-disable-next-line no-new
    new RegExp(pattern, 'u')
  } catch (err) {
    throw new UnsafePatternError((err as Error).message, { cause: err })
  }
  if (hasBackReference(pattern)) throw new UnsafePatternError('it uses a back-reference (patterns run on a linear-time engine without back-references or lookaround)')
  let compiled: RE2JS
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern))
  } catch (err) {
    // RE2JSSyntaxException: "error parsing regexp: invalid or unsupported Perl syntax: `(?=`", "invalid escape sequence: `\1`", …
    const detail = (err as Error).message.replace(/^error parsing regexp: /, '')
    throw new UnsafePatternError(`${detail} (patterns run on a linear-time engine without back-references or lookaround)`, { cause: err })
  }
  return {
    test: (input) => compiled.test(input),
    matchesWhole: (input) => compiled.testExact(input),
    toString: () => `/${pattern}/`
  }
}

/** A `\1`…`\9` or `\k<name>` escape outside a character class (valid ECMAScript is assumed). */
function hasBackReference (pattern: string): boolean {
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      const next = pattern[i + 1] ?? ''
      if (!inClass && (next === 'k' || (next >= '1' && next <= '9'))) return true
      i++
    } else if (c === '[') {
      inClass = true
    } else if (c === ']') {
      inClass = false
    }
  }
  return false
}

/** The shape of ajv's `code.regExp` option (declared here so this module does not depend on ajv). */
export interface RegExpEngine {
  (pattern: string, flags: string): { test: (input: string) => boolean }
  code: string
}

/**
 * A regular-expression engine for ajv's `code.regExp` option: JSON Schema `pattern` and `patternProperties` then run
 * on RE2JS. ajv passes the `u` flag, which changes nothing here (RE2 always matches code points). Throws
 * UnsafePatternError, which makes `ajv.compile` throw: callers check patterns at registration, so it never does.
 */
export const safeRegExpEngine: RegExpEngine = Object.assign(
  (pattern: string, _flags: string) => compileSafeRegex(pattern),
  { code: 'compileSafeRegex' }
)
