/**
 * Client-supplied regular expressions (consumer `topic_pattern`s, JSON Schema `pattern` and `patternProperties`)
 * run on V8's backtracking engine, in the one event loop: `(a+)+b` against 30 characters, or `.*.*.*x` against a
 * few thousand, blocks the whole server for minutes (ReDoS). `regexRisk` refuses the constructs that backtrack
 * badly, before the pattern is ever run:
 * - a quantified group containing a quantifier or an alternation (star height above one: `(a+)+`, `(a|a)*`,
 *   `(\w+\s?)*`), whose matching time grows exponentially with the input;
 * - back-references, with which a backtracking engine is exponential in general;
 * - more than `maxUnbounded` unbounded quantifiers (`*`, `+`, `{n,}`, `{n,m}` with a large m): each one multiplies
 *   the worst case by the input length;
 * - patterns longer than `maxLength`.
 * This is deliberately conservative: real topic patterns (`orders-.*`, `(eu|us)-events`, `logs\.[a-z]+`) pass.
 */

export interface RegexLimits {
  /** Most unbounded quantifiers (default 3). */
  maxUnbounded?: number
  /** Longest pattern, in characters (default 1000). */
  maxLength?: number
}

/** `{n,m}` with m above this counts as unbounded. */
const LARGE_REPEAT = 16

interface Frame {
  /** The group contains a quantifier (at any depth). */
  quantified: boolean
  /** The group contains an alternation (at any depth). */
  alternation: boolean
}

/** Why `source` may backtrack catastrophically, or undefined when it is safe to run. */
export function regexRisk (source: string, limits: RegexLimits = {}): string | undefined {
  const maxUnbounded = limits.maxUnbounded ?? 3
  const maxLength = limits.maxLength ?? 1000
  if (source.length > maxLength) return `it is longer than ${maxLength} characters`
  const stack: Frame[] = [{ quantified: false, alternation: false }]
  let unbounded = 0
  // What the next quantifier applies to: a closed group (its frame), a single atom, or nothing.
  let last: Frame | 'atom' | undefined
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    const top = stack[stack.length - 1] as Frame
    if (c === '\\') {
      const next = source[i + 1] ?? ''
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) return 'it uses a back-reference'
      i += 2
      last = 'atom'
      continue
    }
    if (c === '[') {
      // a character class is one atom; skip to its closing bracket (escapes inside, a leading ] or ^])
      i++
      if (source[i] === '^') i++
      if (source[i] === ']') i++
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
      i++
      last = 'atom'
      continue
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false })
      // skip the group's prefix: (?: (?= (?! (?<= (?<! (?<name>
      if (source[i + 1] === '?') {
        const m = /^\(\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i))
        i += m === null ? 2 : m[0].length
      } else {
        i++
      }
      last = undefined
      continue
    }
    if (c === ')') {
      const closed = stack.pop()
      if (closed === undefined || stack.length === 0) return 'its parentheses do not balance'
      const parent = stack[stack.length - 1] as Frame
      parent.quantified ||= closed.quantified
      parent.alternation ||= closed.alternation
      last = closed
      i++
      continue
    }
    if (c === '|') {
      top.alternation = true
      last = undefined
      i++
      continue
    }
    let quantifier: { unbounded: boolean, length: number } | undefined
    if (c === '*' || c === '+') quantifier = { unbounded: true, length: 1 }
    else if (c === '?') quantifier = { unbounded: false, length: 1 }
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i))
      if (m !== null) {
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3])
        quantifier = { unbounded: max > LARGE_REPEAT, length: m[0].length }
      }
    }
    if (quantifier !== undefined && last !== undefined) {
      // a lazy or possessive-looking suffix changes nothing for the worst case
      let length = quantifier.length
      if (source[i + length] === '?') length++
      const optionalOnly = c === '?'
      if (last !== 'atom' && !optionalOnly && (last.quantified || last.alternation)) {
        return `a repeated group contains a ${last.quantified ? 'quantifier' : 'alternation'} (nested repetition backtracks exponentially)`
      }
      if (quantifier.unbounded && ++unbounded > maxUnbounded) return `it has more than ${maxUnbounded} unbounded repetitions`
      top.quantified = true
      last = undefined
      i += length
      continue
    }
    last = 'atom'
    i++
  }
  if (stack.length !== 1) return 'its parentheses do not balance'
  return undefined
}
