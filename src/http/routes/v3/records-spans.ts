/**
 * Where, in the raw bytes of one v3 record request that JSON.parse has accepted, its `key.data` and `value.data`
 * are written, so a JSON-typed key or value can be stored as the bytes the client sent instead of being
 * re-stringified (as v2 produce does with `serde/json-spans.ts`). Pure byte work over one record.
 *
 * Anything unusual (an escaped member name) answers undefined and the caller falls back to JSON.stringify.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

/** [start, end) of a JSON value. */
export type Span = readonly [number, number]

export interface DataSpans {
  key?: Span
  value?: Span
}

function isWs (b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

class Unusual extends Error {}

class Scan {
  pos = 0
  constructor (private readonly buf: Buffer) {}

  ws (): void {
    while (isWs(this.buf[this.pos])) this.pos++
  }

  /** Skips the string at pos; true when it holds no escape. */
  string (): boolean {
    const buf = this.buf
    let plain = true
    for (let i = this.pos + 1; i < buf.length; i++) {
      const b = buf[i]
      if (b === BACKSLASH) { plain = false; i++ } else if (b === QUOTE) { this.pos = i + 1; return plain }
    }
    throw new Unusual('unterminated string')
  }

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
        if (b === undefined) throw new Unusual('unterminated container')
        if (b === QUOTE) { this.pos = i; this.string(); i = this.pos; continue }
        if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
        else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) { i++; break }
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

  /** Calls `member` for each member of the object at pos, with the member's name (plain names only). */
  object (member: (name: string) => void): void {
    const buf = this.buf
    this.pos++ // {
    this.ws()
    if (buf[this.pos] === CLOSE_BRACE) { this.pos++; return }
    for (;;) {
      this.ws()
      const nameStart = this.pos + 1
      if (!this.string()) throw new Unusual('escaped member name')
      const name = buf.toString('latin1', nameStart, this.pos - 1)
      this.ws()
      if (buf[this.pos] !== COLON) throw new Unusual('expected :')
      this.pos++
      this.ws()
      member(name)
      this.ws()
      const b = buf[this.pos++]
      if (b === CLOSE_BRACE) return
      if (b !== COMMA) throw new Unusual('expected , or }')
    }
  }
}

/** The spans of `key.data` and `value.data` in one record's bytes (duplicate members: the last wins, as JSON.parse). */
export function dataSpans (raw: Buffer): DataSpans | undefined {
  const s = new Scan(raw)
  const out: DataSpans = {}
  try {
    s.ws()
    if (raw[s.pos] !== OPEN_BRACE) return undefined
    s.object(name => {
      if ((name === 'key' || name === 'value') && raw[s.pos] === OPEN_BRACE) {
        let data: Span | undefined
        s.object(inner => {
          if (inner === 'data') data = s.value()
          else s.value()
        })
        if (data === undefined) delete out[name]
        else out[name] = data
      } else {
        if (name === 'key' || name === 'value') delete out[name]
        s.value()
      }
    })
  } catch (err) {
    if (err instanceof Unusual) return undefined
    throw err
  }
  return out
}
