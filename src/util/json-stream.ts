/**
 * Incremental splitter for concatenated JSON ("{…}{…} {…}"): bytes go in as they arrive, the text of each complete
 * top-level value comes out, so a caller can `JSON.parse` one value at a time without buffering the whole body.
 *
 * It scans bytes (UTF-8 and ISO-8859-1 never use ASCII bytes inside multi-byte characters, so brackets, quotes and
 * backslashes can be recognised byte by byte), keeping its state across chunks: nothing is scanned twice, and only
 * the bytes of the value being read are held. It finds where values end; it does not check their grammar — that is
 * `JSON.parse`'s job on each value's text.
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

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

function isWhitespace (b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

/** Bytes that end a bare literal (number, true, false, null) at the top level. */
function endsLiteral (b: number): boolean {
  return isWhitespace(b) || b === OPEN_BRACE || b === OPEN_BRACKET || b === QUOTE || b === CLOSE_BRACE || b === CLOSE_BRACKET || b === 0x2c
}

type Mode = 'between' | 'container' | 'string' | 'literal'

export interface JsonSplitterOptions {
  /** Largest value, in bytes; a longer one fails with `too-large` (the stream cannot be resynchronised). */
  maxValueBytes: number
  /** How value bytes become text: 'utf8' (default) or 'latin1' (ISO-8859-1). */
  encoding?: 'utf8' | 'latin1'
}

export class ConcatenatedJsonSplitter {
  private mode: Mode = 'between'
  /** Nesting depth inside a container value. */
  private depth = 0
  /** Inside a string (of a container value). */
  private inString = false
  private escaped = false
  /** Bytes of the current value from earlier chunks. */
  private pieces: Buffer[] = []
  private pieceBytes = 0
  private failed: JsonStreamError | undefined
  private readonly maxValueBytes: number
  private readonly encoding: 'utf8' | 'latin1'

  constructor (options: JsonSplitterOptions) {
    this.maxValueBytes = options.maxValueBytes
    this.encoding = options.encoding ?? 'utf8'
  }

  /** True while part of a value has been read but not its end. */
  get midValue (): boolean {
    return this.mode !== 'between'
  }

  /**
   * Scans `chunk`, calling `onValue` with the text of each value that completes in it, in order. Throws a
   * `JsonStreamError` (after delivering the values before the problem) when the stream cannot be split further;
   * every later call throws it again.
   */
  push (chunk: Buffer, onValue: (text: string) => void): void {
    if (this.failed !== undefined) throw this.failed
    // State in locals while scanning (written back before any call out and at the end): this loop runs per byte.
    let mode = this.mode
    let depth = this.depth
    let inString = this.inString
    let escaped = this.escaped
    let start = mode === 'between' ? -1 : 0
    const n = chunk.length
    let i = 0
    for (; i < n; i++) {
      const b = chunk[i] as number
      if (mode === 'container') {
        if (inString) {
          if (escaped) escaped = false
          else if (b === BACKSLASH) escaped = true
          else if (b === QUOTE) inString = false
        } else if (b === QUOTE) {
          inString = true
        } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          depth++
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          if (--depth === 0) {
            mode = 'between'
            this.mode = mode
            this.emit(chunk, start, i + 1, onValue)
            start = -1
          }
        }
      } else if (mode === 'between') {
        if (isWhitespace(b)) continue
        start = i
        if (b === OPEN_BRACE || b === OPEN_BRACKET) {
          mode = 'container'
          depth = 1
          inString = false
          escaped = false
        } else if (b === QUOTE) {
          mode = 'string'
          escaped = false
        } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET || b === 0x2c) {
          throw this.fail('syntax', `Unexpected character '${String.fromCharCode(b)}' where a JSON value should start`)
        } else {
          mode = 'literal'
        }
      } else if (mode === 'string') {
        if (escaped) escaped = false
        else if (b === BACKSLASH) escaped = true
        else if (b === QUOTE) {
          mode = 'between'
          this.mode = mode
          this.emit(chunk, start, i + 1, onValue)
          start = -1
        }
      } else if (endsLiteral(b)) {
        mode = 'between'
        this.mode = mode
        this.emit(chunk, start, i, onValue)
        start = -1
        i-- // this byte starts the next value (or is whitespace)
      }
    }
    this.mode = mode
    this.depth = depth
    this.inString = inString
    this.escaped = escaped
    if (start !== -1) {
      const rest = chunk.subarray(start)
      if (this.pieceBytes + rest.length > this.maxValueBytes) throw this.tooLarge()
      this.pieces.push(rest)
      this.pieceBytes += rest.length
    }
  }

  /** The end of the stream: a bare literal still open is delivered; a container or string cut short throws. */
  end (onValue: (text: string) => void): void {
    if (this.failed !== undefined) throw this.failed
    if (this.mode === 'literal') {
      const text = this.text(Buffer.alloc(0), 0, 0)
      this.mode = 'between'
      onValue(text)
      return
    }
    if (this.mode !== 'between') throw this.fail('syntax', 'Unexpected end-of-input: the last JSON value is incomplete')
  }

  private emit (chunk: Buffer, start: number, end: number, onValue: (text: string) => void): void {
    if (this.pieceBytes + (end - start) > this.maxValueBytes) throw this.tooLarge()
    const text = this.text(chunk, start, end)
    this.mode = 'between'
    onValue(text)
  }

  private text (chunk: Buffer, start: number, end: number): string {
    if (this.pieces.length === 0) return chunk.toString(this.encoding, start, end)
    this.pieces.push(chunk.subarray(start, end))
    const whole = Buffer.concat(this.pieces)
    this.pieces = []
    this.pieceBytes = 0
    return whole.toString(this.encoding)
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
