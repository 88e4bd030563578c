/**
 * Incremental splitter for concatenated JSON ("{…}{…} {…}"): bytes go in as they arrive, and where each complete
 * top-level value lies comes out, so a caller can parse the values without buffering the whole body.
 *
 * It scans bytes (UTF-8 and ISO-8859-1 never use ASCII bytes inside multi-byte characters, so brackets, quotes and
 * backslashes can be recognised byte by byte), keeping its state across chunks: nothing is scanned twice, and only
 * the bytes of the value being read are held. It finds where values end; it does not check their grammar: that is
 * the parser's job on each value's bytes.
 *
 * Values are reported as byte bounds, not text, so that a caller can decode and parse all the values of a chunk at
 * once (one decode and one `JSON.parse` instead of one per value). A value that started in an earlier chunk comes
 * first, on its own, in a buffer of its own.
 *
 * While it scans, it also notes where the members `key.data` and `value.data` of each top-level object are written
 * (the shape of a v3 produce record), so that a caller can store the JSON text of that data as the client sent it
 * instead of re-serializing the parsed value. Like `JSON.parse`, the last of duplicate members counts; a member
 * name with an escape (which `JSON.parse` would read differently) drops the spans of that value.
 */

export class JsonStreamError extends Error {
  /** `syntax`: the stream cannot be split any further; `too-large`: one value exceeds `maxValueBytes`. */
  readonly kind: 'syntax' | 'too-large'

  constructor (kind: 'syntax' | 'too-large', message: string) {
    super(message)
    this.name = 'JsonStreamError'
    this.kind = kind
  }
}

/**
 * Receives complete values, `VALUE_STRIDE` numbers each: value k is `buf[bounds[6k], bounds[6k+1])`; its
 * `key.data` is `buf[bounds[6k+2], bounds[6k+3])` and its `value.data` `buf[bounds[6k+4], bounds[6k+5])`, or -1 and
 * -1 when the value has no such member or it could not be placed. `bounds` is not reused after the call.
 */
export type ValuesSink = (buf: Buffer, bounds: number[]) => void

/** Numbers per value in `bounds`. */
export const VALUE_STRIDE = 6

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a

function isWhitespace (b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

/** Bytes that end a bare literal (number, true, false, null) at the top level. */
function endsLiteral (b: number): boolean {
  return isWhitespace(b) || b === OPEN_BRACE || b === OPEN_BRACKET || b === QUOTE || b === CLOSE_BRACE || b === CLOSE_BRACKET || b === COMMA
}

// Scanner modes (small integers: this state is checked per byte).
const BETWEEN = 0
const CONTAINER = 1
const STRING = 2
const LITERAL = 3

// Member names that matter, and where a `data` member's value stands.
const OTHER = 0
const KEY = 1
const VALUE = 2
const DATA_NONE = 0
/** Read the name `data` in a key/value object; its value comes after the colon. */
const DATA_NAMED = 1
const DATA_NEXT = 2
const DATA_IN_STRING = 3
const DATA_IN_CONTAINER = 4
const DATA_IN_LITERAL = 5

function nameIs (buf: Buffer, start: number, end: number, literal: string): boolean {
  if (end - start !== literal.length) return false
  for (let i = 0; i < literal.length; i++) if (buf[start + i] !== literal.charCodeAt(i)) return false
  return true
}

export interface JsonSplitterOptions {
  /** Largest value, in bytes; a longer one fails with `too-large` (the stream cannot be resynchronised). */
  maxValueBytes: number
}

export class ConcatenatedJsonSplitter {
  private mode = BETWEEN
  /** Nesting depth inside a container value. */
  private depth = 0
  /** Inside a string (of a container value, or a top-level string). */
  private inString = false
  /** The previous byte was a backslash inside a string. */
  private escaped = false
  /** Bytes of the current value from earlier chunks. */
  private pieces: Buffer[] = []
  private pieceBytes = 0
  private failed: JsonStreamError | undefined
  private readonly maxValueBytes: number

  // ---- where key.data and value.data are: positions relative to the start of the value ----
  /** Position of chunk byte i is `base + i`. */
  private base = 0
  /** The spans of this value cannot be trusted (an escaped member name, a name split across chunks, …). */
  private spansLost = false
  private keyStart = -1
  private keyEnd = -1
  private valueStart = -1
  private valueEnd = -1
  /** The next string at depth 1 / 2 is a member name. */
  private nameNext1 = false
  private nameNext2 = false
  /** A member name is being read: from chunk index nameStart (-1: it began in an earlier chunk). */
  private inName = false
  private nameStart = -1
  private sawBackslash = false
  /** The last member name read at depth 1 (OTHER, KEY, VALUE). */
  private name1 = OTHER
  /** The depth-2 container is an object that is the record's key (KEY) or value (VALUE), or neither (OTHER). */
  private side = OTHER
  private objectAt2 = false
  private data = DATA_NONE
  private dataStart = -1

  constructor (options: JsonSplitterOptions) {
    this.maxValueBytes = options.maxValueBytes
  }

  /** True while part of a value has been read but not its end. */
  get midValue (): boolean {
    return this.mode !== BETWEEN
  }

  /**
   * Scans `chunk` and reports the values that complete in it, in order. Throws a `JsonStreamError` (after
   * reporting the values before the problem) when the stream cannot be split further; every later call throws it
   * again.
   */
  push (chunk: Buffer, onValues: ValuesSink): void {
    if (this.failed !== undefined) throw this.failed
    const n = chunk.length
    if (n === 0) return
    // State in locals while scanning (written back at the end): this loop runs per byte. Member names and data
    // spans are followed in methods, called only for the few structural bytes at depth 1 and 2.
    let mode = this.mode
    let depth = this.depth
    let inString = this.inString
    let escaped = this.escaped
    /** Start of the value being read in this chunk (0 for one carried over), -1 between values. */
    let start = mode === BETWEEN ? -1 : 0
    this.base = this.pieceBytes
    if (this.inName) this.nameStart = -1
    let bounds: number[] = []
    let i = 0
    let problem: string | undefined
    while (i < n) {
      let end = -1
      if (mode === CONTAINER || mode === STRING) {
        for (;;) {
          if (inString) {
            if (escaped) { escaped = false; i++ }
            // The inner loop of strings: most bytes of a record are inside strings.
            for (; i < n; i++) {
              const c = chunk[i] as number
              if (c === QUOTE) break
              if (c === BACKSLASH) {
                this.sawBackslash = true
                if (++i === n) { escaped = true; break }
              }
            }
            if (i >= n) break
            inString = false
            if (depth === 1 || depth === 2) this.stringEnd(chunk, i, depth)
            i++
            if (mode === STRING) { end = i; break }
            continue
          }
          if (i >= n) break
          const b = chunk[i] as number
          if (b === QUOTE) {
            inString = true
            if (depth <= 2) this.stringStart(i, depth)
          } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
            if (depth <= 2) this.open(b, i, depth)
            depth++
          } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
            if (--depth === 0) { end = ++i; break }
            if (depth <= 2) this.close(chunk, i, depth)
          } else if (depth <= 2 && !isWhitespace(b)) {
            this.other(chunk, b, i, depth)
          }
          i++
        }
        if (end === -1) break // the chunk ended inside the value
      } else if (mode === BETWEEN) {
        const b = chunk[i] as number
        if (isWhitespace(b)) { i++; continue }
        start = i
        this.beginValue(b === OPEN_BRACE, i)
        i++
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          mode = CONTAINER
          depth = 1
          inString = false
          escaped = false
        } else if (b === QUOTE) {
          mode = STRING
          inString = true
          escaped = false
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET || b === COMMA) {
          problem = `Unexpected character '${String.fromCharCode(b)}' where a JSON value should start`
          break
        } else {
          mode = LITERAL
        }
        continue
      } else {
        // LITERAL: ends before the first byte that cannot be part of it
        while (i < n && !endsLiteral(chunk[i] as number)) i++
        if (i === n) break
        end = i
      }
      // A value ends at `end` (exclusive).
      mode = BETWEEN
      if (this.pieces.length > 0) {
        if (this.pieceBytes + end > this.maxValueBytes) { problem = ''; break }
        this.pieces.push(chunk.subarray(0, end))
        const whole = Buffer.concat(this.pieces, this.pieceBytes + end)
        this.pieces = []
        this.pieceBytes = 0
        const spans = [0, whole.length, -1, -1, -1, -1]
        this.addSpans(spans, 0)
        onValues(whole, spans)
      } else {
        if (end - start > this.maxValueBytes) { problem = ''; break }
        bounds.push(start, end, -1, -1, -1, -1)
        this.addSpans(bounds, start)
      }
      start = -1
    }
    if (bounds.length > 0) {
      const ready = bounds
      bounds = []
      onValues(chunk, ready)
    }
    if (problem !== undefined) throw problem === '' ? this.tooLarge() : this.fail('syntax', problem)
    this.mode = mode
    this.depth = depth
    this.inString = inString
    this.escaped = escaped
    if (start !== -1) {
      const rest = start === 0 ? chunk : chunk.subarray(start)
      if (this.pieceBytes + rest.length > this.maxValueBytes) throw this.tooLarge()
      this.pieces.push(rest)
      this.pieceBytes += rest.length
    }
  }

  // ---- following key.data and value.data (depth 1: the record's members; depth 2: key's and value's) ----

  private beginValue (isObject: boolean, at: number): void {
    this.base = -at
    this.spansLost = !isObject
    this.keyStart = this.keyEnd = this.valueStart = this.valueEnd = -1
    this.nameNext1 = isObject
    this.nameNext2 = false
    this.inName = false
    this.name1 = OTHER
    this.side = OTHER
    this.data = DATA_NONE
  }

  /** Writes the spans found into the last value's entry of `bounds`, made relative to `offset`. */
  private addSpans (bounds: number[], offset: number): void {
    if (this.spansLost) return
    const at = bounds.length - 4
    if (this.keyStart !== -1) { bounds[at] = this.keyStart + offset; bounds[at + 1] = this.keyEnd + offset }
    if (this.valueStart !== -1) { bounds[at + 2] = this.valueStart + offset; bounds[at + 3] = this.valueEnd + offset }
  }

  private setSpan (start: number, end: number): void {
    if (this.side === KEY) { this.keyStart = start; this.keyEnd = end } else if (this.side === VALUE) { this.valueStart = start; this.valueEnd = end }
  }

  /** The record's `key` or `value` member has a new value (the last one counts): its old data span is gone. */
  private forgetSide (name: number): void {
    if (name === KEY) this.keyStart = this.keyEnd = -1
    else if (name === VALUE) this.valueStart = this.valueEnd = -1
  }

  private stringStart (i: number, depth: number): void {
    if (depth === 1 && this.nameNext1) {
      this.nameNext1 = false
      this.inName = true
    } else if (depth === 2 && this.nameNext2) {
      this.nameNext2 = false
      this.inName = true
    } else {
      if (depth === 1) this.forgetSide(this.name1)
      else if (depth === 2 && this.data === DATA_NEXT) { this.data = DATA_IN_STRING; this.dataStart = this.base + i }
      return
    }
    this.nameStart = i + 1
    this.sawBackslash = false
  }

  /** A string at depth 1 or 2 ends at chunk index `i` (its closing quote). */
  private stringEnd (chunk: Buffer, i: number, depth: number): void {
    if (this.inName) {
      this.inName = false
      if (this.nameStart === -1 || this.sawBackslash) { this.spansLost = true; return }
      if (depth === 1) {
        this.name1 = nameIs(chunk, this.nameStart, i, 'value') ? VALUE : nameIs(chunk, this.nameStart, i, 'key') ? KEY : OTHER
      } else if (this.side !== OTHER && nameIs(chunk, this.nameStart, i, 'data')) {
        this.data = DATA_NAMED
      }
    } else if (depth === 2 && this.data === DATA_IN_STRING) {
      this.data = DATA_NONE
      this.setSpan(this.dataStart, this.base + i + 1)
    }
  }

  /** `{` or `[` at chunk index `i`, opening depth + 1. */
  private open (b: number, i: number, depth: number): void {
    if (depth === 1) {
      this.forgetSide(this.name1)
      this.objectAt2 = b === OPEN_BRACE
      this.nameNext2 = this.objectAt2
      this.side = this.objectAt2 ? this.name1 : OTHER
      this.data = DATA_NONE
    } else if (depth === 2 && this.data === DATA_NEXT) {
      this.data = DATA_IN_CONTAINER
      this.dataStart = this.base + i
    }
  }

  /** `}` or `]` at chunk index `i`, back at `depth`. */
  private close (chunk: Buffer, i: number, depth: number): void {
    if (depth === 2) {
      if (this.data === DATA_IN_CONTAINER) {
        this.data = DATA_NONE
        this.setSpan(this.dataStart, this.base + i + 1)
      }
    } else if (depth === 1) {
      if (this.data === DATA_IN_LITERAL) this.endLiteral(chunk, i)
      this.side = OTHER
      this.data = DATA_NONE
    }
  }

  /** Any other byte but whitespace at depth 1 or 2: a colon, a comma, or part of a literal. */
  private other (chunk: Buffer, b: number, i: number, depth: number): void {
    if (b === COLON) {
      if (depth === 2 && this.data === DATA_NAMED) this.data = DATA_NEXT
    } else if (b === COMMA) {
      if (depth === 1) {
        this.nameNext1 = true
      } else {
        if (this.data === DATA_IN_LITERAL) this.endLiteral(chunk, i)
        this.data = DATA_NONE
        this.nameNext2 = this.objectAt2
      }
    } else if (depth === 1) {
      this.forgetSide(this.name1)
    } else if (this.data === DATA_NEXT) {
      this.data = DATA_IN_LITERAL
      this.dataStart = this.base + i
    }
  }

  /** A literal data value ends before chunk index `i` (a comma or the closing brace), less trailing whitespace. */
  private endLiteral (chunk: Buffer, i: number): void {
    this.data = DATA_NONE
    let e = i
    while (e > 0 && isWhitespace(chunk[e - 1] as number)) e--
    if (e === 0 && this.base + e > this.dataStart) { this.spansLost = true; return } // whitespace in an earlier chunk
    this.setSpan(this.dataStart, this.base + e)
  }

  /** The end of the stream: a bare literal still open is reported; a container or string cut short throws. */
  end (onValues: ValuesSink): void {
    if (this.failed !== undefined) throw this.failed
    if (this.mode === LITERAL) {
      const whole = Buffer.concat(this.pieces, this.pieceBytes)
      this.pieces = []
      this.pieceBytes = 0
      this.mode = BETWEEN
      onValues(whole, [0, whole.length, -1, -1, -1, -1])
      return
    }
    if (this.mode !== BETWEEN) throw this.fail('syntax', 'Unexpected end-of-input: the last JSON value is incomplete')
  }

  private tooLarge (): JsonStreamError {
    return this.fail('too-large', `A record is larger than the limit of ${this.maxValueBytes} bytes`)
  }

  private fail (kind: 'syntax' | 'too-large', message: string): JsonStreamError {
    this.failed = new JsonStreamError(kind, message)
    this.pieces = []
    this.pieceBytes = 0
    return this.failed
  }
}
