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
 * once (one decode and one `JSON.parse` instead of one per value): per chunk, `onValues(buf, bounds)` gets value k
 * as `buf[bounds[2k], bounds[2k+1])`. A value that started in an earlier chunk comes first, on its own, in a buffer
 * of its own.
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

/** Receives complete values: value k is `buf[bounds[2k], bounds[2k+1])`. `bounds` is not reused after the call. */
export type ValuesSink = (buf: Buffer, bounds: number[]) => void

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c

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
    // State in locals while scanning (written back at the end): this loop runs per byte.
    let mode = this.mode
    let depth = this.depth
    let inString = this.inString
    let escaped = this.escaped
    /** Start of the value being read in this chunk (0 for one carried over), -1 between values. */
    let start = mode === BETWEEN ? -1 : 0
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
              if (c === BACKSLASH && ++i === n) { escaped = true; break }
            }
            if (i >= n) break
            inString = false
            i++
            if (mode === STRING) { end = i; break }
            continue
          }
          if (i >= n) break
          const b = chunk[i++] as number
          if (b === QUOTE) inString = true
          else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++
          else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) { end = i; break }
        }
        if (end === -1) break // the chunk ended inside the value
      } else if (mode === BETWEEN) {
        const b = chunk[i] as number
        if (isWhitespace(b)) { i++; continue }
        start = i++
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
        onValues(whole, [0, whole.length])
      } else {
        if (end - start > this.maxValueBytes) { problem = ''; break }
        bounds.push(start, end)
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

  /** The end of the stream: a bare literal still open is reported; a container or string cut short throws. */
  end (onValues: ValuesSink): void {
    if (this.failed !== undefined) throw this.failed
    if (this.mode === LITERAL) {
      const whole = Buffer.concat(this.pieces, this.pieceBytes)
      this.pieces = []
      this.pieceBytes = 0
      this.mode = BETWEEN
      onValues(whole, [0, whole.length])
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
