/**
 * Finds, in the raw bytes of a (valid) v2 produce body, where each `records[i].value` is written, so the json
 * embedded format can store exactly the bytes the client sent instead of parsing and re-stringifying every value
 * (which costs more than parsing the whole body). Pure byte work, no allocation per byte.
 *
 * Only used after JSON.parse accepted the same body. Anything unusual (an escaped member name, a non-object
 * record) answers undefined and the caller falls back to JSON.stringify.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

/** [start, end) of a JSON value in the body. */
export type Span = readonly [number, number]

function isWs (b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

class Scanner {
  pos = 0
  constructor (readonly buf: Buffer) {}

  ws (): void {
    const buf = this.buf
    while (this.pos < buf.length && isWs(buf[this.pos] as number)) this.pos++
  }

  /** Skips a string starting at pos (on its quote); returns false if it holds an escape (name comparison unsafe). */
  string (checkPlain = false): boolean {
    const buf = this.buf
    const start = this.pos + 1
    let i = start
    // Short strings (names, most values): a plain loop beats a native call.
    const shortEnd = Math.min(buf.length, start + 24)
    let plain = true
    while (i < shortEnd) {
      const b = buf[i] as number
      if (b === QUOTE) { this.pos = i + 1; return plain }
      if (b === BACKSLASH) { plain = false; i += 2 } else i++
    }
    for (;;) {
      // Native search for the next quote; it ends the string unless an odd run of backslashes precedes it.
      const q = buf.indexOf(QUOTE, i)
      if (q === -1) throw new RangeError('unterminated string')
      let k = q - 1
      while (k >= start && buf[k] === BACKSLASH) k--
      if ((q - 1 - k) % 2 === 0) {
        this.pos = q + 1
        if (checkPlain) for (let x = start; x < q; x++) if (buf[x] === BACKSLASH) return false
        return true
      }
      i = q + 1
    }
  }



  /** Skips any value starting at pos (its end is then `pos`); returns its start. */
  value (): number {
    const buf = this.buf
    const start = this.pos
    const first = buf[start]
    if (first === QUOTE) {
      this.string()
    } else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0
      let i = start
      for (;;) {
        const b = buf[i]
        if (b === undefined) throw new RangeError('unterminated container')
        if (b === QUOTE) {
          this.pos = i
          this.string()
          i = this.pos
          continue
        }
        if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          depth--
          if (depth === 0) { i++; break }
        }
        i++
      }
      this.pos = i
    } else {
      let i = start
      for (;;) {
        const b = buf[i]
        if (b === undefined || b === COMMA || b === CLOSE_BRACE || b === CLOSE_BRACKET || isWs(b)) break
        i++
      }
      this.pos = i
    }
    return start
  }

  /** Reads a member name at pos and the colon after it; returns false when the name has an escape. */
  memberName (): boolean {
    this.ws()
    this.nameStart = this.pos + 1
    const plain = this.string(true)
    this.nameEnd = this.pos - 1
    this.ws()
    if (this.buf[this.pos] !== COLON) throw new RangeError('expected :')
    this.pos++
    this.ws()
    return plain
  }

  nameStart = 0
  nameEnd = 0

  nameIs (literal: string): boolean {
    if (this.nameEnd - this.nameStart !== literal.length) return false
    for (let i = 0; i < literal.length; i++) if (this.buf[this.nameStart + i] !== literal.charCodeAt(i)) return false
    return true
  }

  /** After a member's value: true at the end of the object (consumes `}`), false before the next member (consumes `,`). */
  endOfMember (): boolean {
    this.ws()
    const b = this.buf[this.pos]
    this.pos++
    if (b === CLOSE_BRACE) return true
    if (b !== COMMA) throw new RangeError('expected , or }')
    return false
  }

  /** On `{`: consumes it; true when the object is empty (also consumes `}`). */
  openObject (): boolean {
    this.pos++
    this.ws()
    if (this.buf[this.pos] === CLOSE_BRACE) { this.pos++; return true }
    return false
  }
}


/**
 * The span of each `records[i].value` (undefined where the record has none), or undefined when the body is not
 * shaped as expected. The body must be JSON that JSON.parse accepts.
 */
export function recordValueSpans (body: Buffer): (Span | undefined)[] | undefined {
  const s = new Scanner(body)
  let spans: (Span | undefined)[] | undefined
  try {
    s.ws()
    if (body[s.pos] !== OPEN_BRACE) return undefined
    if (s.openObject()) return undefined
    do {
      if (!s.memberName()) return undefined
      if (!s.nameIs('records') || body[s.pos] !== OPEN_BRACKET) { s.value(); continue }
      // Duplicate members: JSON.parse keeps the last one, and so does this.
      const found: (Span | undefined)[] = []
      s.pos++ // [
      s.ws()
      if (body[s.pos] === CLOSE_BRACKET) {
        s.pos++
      } else {
        for (;;) {
          s.ws()
          if (body[s.pos] !== OPEN_BRACE) return undefined
          let value: Span | undefined
          if (!s.openObject()) {
            do {
              if (!s.memberName()) return undefined
              const start = s.value()
              if (s.nameIs('value')) value = [start, s.pos]
            } while (!s.endOfMember())
          }
          found.push(value)
          s.ws()
          const b = body[s.pos]
          s.pos++
          if (b === CLOSE_BRACKET) break
          if (b !== COMMA) throw new RangeError('expected , or ]')
        }
      }
      spans = found
    } while (!s.endOfMember())
  } catch {
    return undefined
  }
  return spans
}

const NULL = Buffer.from('null')

/** The bytes of a span, or null for a JSON null (a tombstone). */
export function spanBytes (body: Buffer, span: Span): Buffer | null {
  const bytes = body.subarray(span[0], span[1])
  return bytes.equals(NULL) ? null : bytes
}
