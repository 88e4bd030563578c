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
    let from = start
    for (;;) {
      // Native search for the next quote; it ends the string unless an odd run of backslashes precedes it.
      const q = buf.indexOf(QUOTE, from)
      if (q === -1) throw new RangeError('unterminated string')
      let k = q - 1
      while (k >= start && buf[k] === BACKSLASH) k--
      if ((q - 1 - k) % 2 === 0) {
        this.pos = q + 1
        if (checkPlain) for (let i = start; i < q; i++) if (buf[i] === BACKSLASH) return false
        return true
      }
      from = q + 1
    }
  }

  /** Skips any value starting at pos; returns its span. */
  value (): Span {
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
    return [start, this.pos]
  }

  /** Iterates the members of the object at pos; `member` gets the name's span (quotes excluded) or null if escaped. */
  object (member: (name: Span | null) => void): void {
    const buf = this.buf
    this.pos++ // {
    this.ws()
    if (buf[this.pos] === CLOSE_BRACE) { this.pos++; return }
    for (;;) {
      this.ws()
      const nameStart = this.pos + 1
      const plain = this.string(true)
      const name: Span | null = plain ? [nameStart, this.pos - 1] : null
      this.ws()
      if (buf[this.pos] !== COLON) throw new RangeError('expected :')
      this.pos++
      this.ws()
      member(name)
      this.ws()
      const b = buf[this.pos]
      this.pos++
      if (b === CLOSE_BRACE) return
      if (b !== COMMA) throw new RangeError('expected , or }')
    }
  }
}

function nameIs (buf: Buffer, name: Span | null, literal: string): boolean {
  if (name === null || name[1] - name[0] !== literal.length) return false
  for (let i = 0; i < literal.length; i++) if (buf[name[0] + i] !== literal.charCodeAt(i)) return false
  return true
}

/**
 * The span of each `records[i].value` (undefined where the record has none), or undefined when the body is not
 * shaped as expected. The body must be JSON that JSON.parse accepts.
 */
export function recordValueSpans (body: Buffer): (Span | undefined)[] | undefined {
  const s = new Scanner(body)
  let spans: (Span | undefined)[] | undefined
  let ok = true
  try {
    s.ws()
    if (body[s.pos] !== OPEN_BRACE) return undefined
    s.object(name => {
      if (name === null) { ok = false; s.value(); return }
      if (!nameIs(body, name, 'records') || body[s.pos] !== OPEN_BRACKET) { s.value(); return }
      // Duplicate members: JSON.parse keeps the last one, and so does this.
      const found: (Span | undefined)[] = []
      s.pos++ // [
      s.ws()
      if (body[s.pos] === CLOSE_BRACKET) { s.pos++; spans = found; return }
      for (;;) {
        s.ws()
        if (body[s.pos] !== OPEN_BRACE) { ok = false; s.value() } else {
          let value: Span | undefined
          s.object(member => {
            if (member === null) { ok = false; s.value(); return }
            if (nameIs(body, member, 'value')) value = s.value()
            else s.value()
          })
          found.push(value)
        }
        s.ws()
        const b = body[s.pos]
        s.pos++
        if (b === CLOSE_BRACKET) break
        if (b !== COMMA) throw new RangeError('expected , or ]')
      }
      spans = found
    })
  } catch {
    return undefined
  }
  return ok ? spans : undefined
}

const NULL = Buffer.from('null')

/** The bytes of a span, or null for a JSON null (a tombstone). */
export function spanBytes (body: Buffer, span: Span): Buffer | null {
  const bytes = body.subarray(span[0], span[1])
  return bytes.equals(NULL) ? null : bytes
}
