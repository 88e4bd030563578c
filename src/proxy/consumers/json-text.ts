/**
 * A fast check that bytes are one JSON text (RFC 8259), without building the value: json consumers splice record
 * bytes into responses as they are, and only need to know they are JSON. Iterative (no recursion limit).
 *
 * Contract: `true` means the bytes, read as UTF-8, are valid JSON. `false` means "not sure": callers fall back to
 * `JSON.parse` for the verdict (and its error message), so a rare false negative only costs speed.
 */

// Byte values of the JSON grammar.
const C = {
  Tab: 9, Lf: 10, Cr: 13, Space: 32, Quote: 34, Plus: 43, Comma: 44, Minus: 45, Dot: 46, Zero: 48, Nine: 57,
  Colon: 58, E: 69, LBracket: 91, Backslash: 92, RBracket: 93, e: 101, LBrace: 123, RBrace: 125,
} as const

const MAX_DEPTH = 512

function isWs (c: number): boolean {
  return c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab
}

function isDigit (c: number): boolean {
  return c >= C.Zero && c <= C.Nine
}

function isHex (c: number): boolean {
  return (c >= C.Zero && c <= C.Nine) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}

/** End of the string starting at `i` (on its opening quote), or -1. */
function skipString (b: Uint8Array, i: number): number {
  const n = b.length
  i++
  while (i < n) {
    const c = b[i] as number
    if (c === C.Quote) return i + 1
    if (c < 0x20) return -1
    if (c === C.Backslash) {
      const d = b[i + 1]
      if (d === undefined) return -1
      if (d === 117) { // \uXXXX
        if (!(isHex(b[i + 2] ?? -1) && isHex(b[i + 3] ?? -1) && isHex(b[i + 4] ?? -1) && isHex(b[i + 5] ?? -1))) return -1
        i += 6
        continue
      }
      // " \ / b f n r t
      if (d !== 34 && d !== 92 && d !== 47 && d !== 98 && d !== 102 && d !== 110 && d !== 114 && d !== 116) return -1
      i += 2
      continue
    }
    i++
  }
  return -1
}

/** End of the number starting at `i`, or -1: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function skipNumber (b: Uint8Array, i: number): number {
  if (b[i] === C.Minus) i++
  const first = b[i]
  if (first === C.Zero) {
    i++
  } else if (first !== undefined && first > C.Zero && first <= C.Nine) {
    while (isDigit(b[i] ?? -1)) i++
  } else {
    return -1
  }
  if (b[i] === C.Dot) {
    i++
    if (!isDigit(b[i] ?? -1)) return -1
    while (isDigit(b[i] ?? -1)) i++
  }
  if (b[i] === C.e || b[i] === C.E) {
    i++
    if (b[i] === C.Plus || b[i] === C.Minus) i++
    if (!isDigit(b[i] ?? -1)) return -1
    while (isDigit(b[i] ?? -1)) i++
  }
  return i
}

function skipLiteral (b: Uint8Array, i: number, word: readonly number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1
  return i + word.length
}

const TRUE = [116, 114, 117, 101]
const FALSE = [102, 97, 108, 115, 101]
const NULL = [110, 117, 108, 108]

export function isJsonText (b: Uint8Array): boolean {
  const n = b.length
  /** Open containers: true for an object, false for an array. */
  const stack: boolean[] = []
  let i = 0
  for (;;) {
    // ---- a value is expected at i
    while (i < n && isWs(b[i] as number)) i++
    const c = b[i]
    if (c === undefined) return false
    if (c === C.LBrace || c === C.LBracket) {
      if (stack.length >= MAX_DEPTH) return false
      const isObject = c === C.LBrace
      i++
      while (i < n && isWs(b[i] as number)) i++
      if (b[i] === (isObject ? C.RBrace : C.RBracket)) {
        i++ // empty container: a complete value
      } else {
        stack.push(isObject)
        if (isObject) {
          if (b[i] !== C.Quote) return false
          i = skipString(b, i)
          if (i < 0) return false
          while (i < n && isWs(b[i] as number)) i++
          if (b[i] !== C.Colon) return false
          i++
        }
        continue // the first element's value
      }
    } else if (c === C.Quote) {
      i = skipString(b, i)
    } else if (c === 116) {
      i = skipLiteral(b, i, TRUE)
    } else if (c === 102) {
      i = skipLiteral(b, i, FALSE)
    } else if (c === 110) {
      i = skipLiteral(b, i, NULL)
    } else {
      i = skipNumber(b, i)
    }
    if (i < 0) return false
    // ---- a value ended at i: close containers, or expect the next element
    for (;;) {
      while (i < n && isWs(b[i] as number)) i++
      if (stack.length === 0) return i === n
      const isObject = stack[stack.length - 1] as boolean
      const d = b[i]
      if (d === C.Comma) {
        i++
        if (isObject) {
          while (i < n && isWs(b[i] as number)) i++
          if (b[i] !== C.Quote) return false
          i = skipString(b, i)
          if (i < 0) return false
          while (i < n && isWs(b[i] as number)) i++
          if (b[i] !== C.Colon) return false
          i++
        }
        break // next value
      }
      if (d === (isObject ? C.RBrace : C.RBracket)) {
        stack.pop()
        i++
        continue
      }
      return false
    }
  }
}
