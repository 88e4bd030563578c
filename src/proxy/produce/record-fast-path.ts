/**
 * The fast path of v3 produce records: reads the bytes of one record request and encodes it without building the
 * parsed JSON tree, for the shapes that streams carry by the thousand — `partition_id`, `timestamp`, `headers`
 * and `key`/`value` data objects of type JSON, BINARY or STRING — with JSON value data stored as the client wrote
 * it (as v2's json format stores values; keys, which choose the partition, are stored compact, as everywhere).
 *
 * Why not `JSON.parse`: profiling the streaming bench put a third of the server's CPU in `JSON.parse` of the
 * records, the strict binding over its result and the garbage collection of the trees it builds, of which only a
 * few strings are used. This reads each byte once, validates the whole record as strict JSON (RFC 8259: what
 * `JSON.parse` accepts) and allocates only the record's own objects.
 *
 * Anything else — another field or type, a schema, a duplicate member, an escape in a string it would have to
 * decode, text that is not valid UTF-8 (or not ASCII in an ISO-8859-1 body), deep nesting, or anything invalid —
 * answers `undefined`, and the caller takes
 * the general path (`JSON.parse` and `parseRecordRequest`), which decides, with its exact error messages. So the
 * fast path never changes what a record means; a property test holds it to the general path's results.
 */
import { isUtf8 } from 'node:buffer'
import type { ProduceRecord, RecordHeader } from '../../backend/types.js'
import { decodeBase64 } from '../../serde/binary.js'
import { parseTimestamp, type EncodedRecord, type ReportData } from './records-request.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const SLASH = 0x2f
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

/** Containers nested deeper than this go the general path (which knows its own limits). */
const MAX_DEPTH = 64

// Record members, as bits of a "seen" mask (a duplicate goes the general path, where the last one counts).
const PARTITION_ID = 1
const TIMESTAMP = 2
const HEADERS = 4
const KEY = 8
const VALUE = 16

const NO_DATA = 0
const DATA_JSON = 1
const DATA_BINARY = 2
const DATA_STRING = 3

/** The escape letters JSON allows after a backslash (besides `u`): " \ / b f n r t. */
const SIMPLE_ESCAPE = new Uint8Array(128)
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1

function isHex (c: number | undefined): boolean {
  return c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
}

function isDigit (c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE
}

/** One per stream: a cursor over the record being read (no state is kept between records). */
export class RecordFastPath {
  private buf: Buffer = EMPTY
  private pos = 0
  private end = 0
  private depth = 0
  /** Content of the last plain string read: buf[strStart, strEnd). */
  private strStart = 0
  private strEnd = 0
  /** The last data object read: its type, and its bytes (null for a JSON null). */
  private sideType = NO_DATA
  private sideBytes: Buffer | null = null
  /** The last integer read (partition_id, timestamp). */
  private int = 0
  /** Bytes over 0x7f may appear in strings (a UTF-8 body), and some did (then the record must be valid UTF-8). */
  private highAllowed = false
  private sawHigh = false
  /** The last value read by `value()` had an escape in a string. */
  private sawEscape = false

  /**
   * The record in `buf[start, end)` (one complete JSON value, as the stream splitter found it), encoded; or
   * undefined when the general path must read it. `utf8`: the body is UTF-8 (else ISO-8859-1, and only ASCII
   * records are taken: their bytes are the same in both).
   */
  encode (buf: Buffer, start: number, end: number, utf8: boolean): EncodedRecord | undefined {
    this.buf = buf
    this.pos = start
    this.end = end
    this.depth = 0
    this.highAllowed = utf8
    this.sawHigh = false
    try {
      const encoded = this.record()
      // Text outside ASCII is stored as sent, so it must be valid UTF-8 (checked once, natively, when there was some).
      return encoded !== undefined && this.sawHigh && !isUtf8(buf.subarray(start, end)) ? undefined : encoded
    } finally {
      this.buf = EMPTY
      this.sideBytes = null
    }
  }

  private record (): EncodedRecord | undefined {
    const b = this.buf
    this.ws()
    if (b[this.pos] !== OPEN_BRACE) return undefined
    this.pos++
    this.ws()
    let seen = 0
    let partition: number | undefined
    let timestamp: number | undefined
    let headers: RecordHeader[] | undefined
    let keyType = NO_DATA
    let keyBytes: Buffer | null = null
    let valueType = NO_DATA
    let valueBytes: Buffer | null = null
    if (b[this.pos] === CLOSE_BRACE) {
      this.pos++
    } else {
      for (;;) {
        if (!this.plainString()) return undefined
        const member = this.recordMember()
        if (member === 0 || (seen & member) !== 0) return undefined
        seen |= member
        if (!this.colon()) return undefined
        if (member === VALUE || member === KEY) {
          if (!this.dataObject(member === KEY)) return undefined
          if (member === VALUE) { valueType = this.sideType; valueBytes = this.sideBytes } else { keyType = this.sideType; keyBytes = this.sideBytes }
        } else if (this.nullLiteral()) {
          // partition_id, timestamp or headers: null is as if absent
        } else if (member === PARTITION_ID) {
          if (!this.integer(10) || this.int > 2147483647) return undefined
          partition = this.int
        } else if (member === TIMESTAMP) {
          if (b[this.pos] === QUOTE) {
            if (!this.plainString()) return undefined
            try {
              timestamp = parseTimestamp(b.toString('utf8', this.strStart, this.strEnd))
            } catch {
              return undefined
            }
          } else {
            if (!this.integer(15)) return undefined
            timestamp = this.int
          }
        } else {
          headers = this.headers()
          if (headers === undefined) return undefined
        }
        this.ws()
        const c = b[this.pos++]
        if (c === CLOSE_BRACE) break
        if (c !== COMMA) return undefined
        this.ws()
      }
    }
    this.ws()
    if (this.pos !== this.end) return undefined

    const record: ProduceRecord = { key: keyBytes, value: valueBytes }
    if (headers !== undefined && headers.length > 0) record.headers = headers
    if (timestamp !== undefined) record.timestamp = timestamp
    if (partition !== undefined) record.partition = partition
    const out: EncodedRecord = { record }
    if (keyType !== NO_DATA) out.key = report(keyType, keyBytes)
    if (valueType !== NO_DATA) out.value = report(valueType, valueBytes)
    return out
  }

  /** The record member named by the last plain string, or 0 for any other name. */
  private recordMember (): number {
    const n = this.strEnd - this.strStart
    if (n === 5 && this.nameIs('value')) return VALUE
    if (n === 3 && this.nameIs('key')) return KEY
    if (n === 7 && this.nameIs('headers')) return HEADERS
    if (n === 9 && this.nameIs('timestamp')) return TIMESTAMP
    if (n === 12 && this.nameIs('partition_id')) return PARTITION_ID
    return 0
  }

  private nameIs (literal: string): boolean {
    const b = this.buf
    const s = this.strStart
    if (this.strEnd - s !== literal.length) return false
    for (let i = 0; i < literal.length; i++) if (b[s + i] !== literal.charCodeAt(i)) return false
    return true
  }

  /**
   * A data object: null, or `{type: JSON | BINARY | STRING, data?}` (in any order); sets sideType (NO_DATA for
   * null) and sideBytes. False for anything else. A JSON key is stored as its compact JSON text, as the general
   * path, v2 and Confluent store it: the key's bytes choose the partition.
   */
  private dataObject (isKey: boolean): boolean {
    const b = this.buf
    this.sideBytes = null
    this.sideType = NO_DATA
    if (this.nullLiteral()) return true
    if (b[this.pos] !== OPEN_BRACE) return false
    this.pos++
    this.ws()
    let type = NO_DATA
    let dataStart = -1
    let dataEnd = -1
    let dataEscaped = false
    let seen = 0
    if (b[this.pos] === CLOSE_BRACE) return false // no type: the schema registry decides (general path)
    for (;;) {
      if (!this.plainString()) return false
      const n = this.strEnd - this.strStart
      const isType = n === 4 && this.nameIs('type')
      if (!isType && !(n === 4 && this.nameIs('data'))) return false
      const bit = isType ? 1 : 2
      if ((seen & bit) !== 0) return false
      seen |= bit
      if (!this.colon()) return false
      if (isType) {
        if (!this.plainString()) return false
        const t = this.strEnd - this.strStart
        if (t === 4 && this.nameIs('JSON')) type = DATA_JSON
        else if (t === 6 && this.nameIs('BINARY')) type = DATA_BINARY
        else if (t === 6 && this.nameIs('STRING')) type = DATA_STRING
        else return false
      } else {
        dataStart = this.pos
        this.sawEscape = false
        if (!this.value()) return false
        dataEnd = this.pos
        dataEscaped = this.sawEscape
      }
      this.ws()
      const c = b[this.pos++]
      if (c === CLOSE_BRACE) break
      if (c !== COMMA) return false
      this.ws()
    }
    if (type === NO_DATA) return false
    this.sideType = type
    // no data, or null: a null key or value
    if (dataStart === -1 || (dataEnd - dataStart === 4 && b[dataStart] === 0x6e)) return true
    if (type === DATA_JSON) {
      this.sideBytes = isKey
        ? Buffer.from(JSON.stringify(JSON.parse(b.toString('utf8', dataStart, dataEnd))), 'utf8')
        : b.subarray(dataStart, dataEnd)
      return true
    }
    // BINARY and STRING take a string without escapes (the general path decodes the others, or refuses them)
    if (b[dataStart] !== QUOTE || dataEscaped) return false
    if (type === DATA_STRING) {
      this.sideBytes = b.subarray(dataStart + 1, dataEnd - 1)
      return true
    }
    try {
      this.sideBytes = decodeBase64(b.toString('utf8', dataStart + 1, dataEnd - 1), 'data')
    } catch {
      return false
    }
    return true
  }

  /** `[{name, value}, …]` with plain strings (value may be null or absent), decoded; undefined for anything else. */
  private headers (): RecordHeader[] | undefined {
    const b = this.buf
    if (b[this.pos] !== OPEN_BRACKET) return undefined
    this.pos++
    this.ws()
    const out: RecordHeader[] = []
    if (b[this.pos] === CLOSE_BRACKET) { this.pos++; return out }
    for (;;) {
      if (b[this.pos] !== OPEN_BRACE) return undefined
      this.pos++
      this.ws()
      let name: string | undefined
      let value: string | null | undefined
      if (b[this.pos] === CLOSE_BRACE) return undefined
      for (;;) {
        if (!this.plainString()) return undefined
        const isName = this.nameIs('name')
        if (!isName && !this.nameIs('value')) return undefined
        if (!this.colon()) return undefined
        if (isName) {
          if (name !== undefined || !this.plainString()) return undefined
          name = b.toString('utf8', this.strStart, this.strEnd)
        } else {
          if (value !== undefined) return undefined
          if (this.nullLiteral()) {
            value = null
          } else {
            if (!this.plainString()) return undefined
            value = b.toString('utf8', this.strStart, this.strEnd)
          }
        }
        this.ws()
        const c = b[this.pos++]
        if (c === CLOSE_BRACE) break
        if (c !== COMMA) return undefined
        this.ws()
      }
      if (name === undefined) return undefined
      try {
        out.push({ key: name, value: decodeBase64(value, 'header') })
      } catch {
        return undefined
      }
      this.ws()
      const c = b[this.pos++]
      if (c === CLOSE_BRACKET) return out
      if (c !== COMMA) return undefined
      this.ws()
    }
  }

  // ---- JSON grammar ------------------------------------------------------------------------------------------

  private ws (): void {
    const b = this.buf
    const end = this.end
    let i = this.pos
    while (i < end) {
      const c = b[i]
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
    this.pos = i
  }

  /** Whitespace, a colon, whitespace. */
  private colon (): boolean {
    this.ws()
    if (this.buf[this.pos] !== COLON) return false
    this.pos++
    this.ws()
    return true
  }

  private nullLiteral (): boolean {
    const b = this.buf
    const i = this.pos
    if (b[i] === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c && i + 4 <= this.end) {
      this.pos = i + 4
      return true
    }
    return false
  }

  /** A string without escapes or control characters; its content is left in strStart/strEnd. */
  private plainString (): boolean {
    const b = this.buf
    if (b[this.pos] !== QUOTE) return false
    const start = this.pos + 1
    const end = this.end
    for (let i = start; i < end; i++) {
      const c = b[i] as number
      if (c === QUOTE) {
        this.strStart = start
        this.strEnd = i
        this.pos = i + 1
        return true
      }
      if (c === BACKSLASH || c < 0x20) return false
      if (c > 0x7f) {
        if (!this.highAllowed) return false
        this.sawHigh = true
      }
    }
    return false
  }

  /** An integer of at most `maxDigits` digits, no sign, fraction or exponent (others: the general path). */
  private integer (maxDigits: number): boolean {
    const b = this.buf
    let i = this.pos
    const first = b[i]
    if (!isDigit(first) || i >= this.end) return false
    let v = 0
    const limit = Math.min(this.end, i + maxDigits + 1)
    while (i < limit && isDigit(b[i])) v = v * 10 + ((b[i++] as number) - ZERO)
    if (i - this.pos > maxDigits || (first === ZERO && i - this.pos > 1)) return false
    const next = b[i]
    if (next === DOT || next === 0x65 || next === 0x45) return false
    this.pos = i
    this.int = v
    return true
  }

  /** Any JSON value, validated (nesting up to MAX_DEPTH). */
  private value (): boolean {
    const b = this.buf
    const c = b[this.pos]
    if (c === QUOTE) return this.string()
    if (c === OPEN_BRACE) return this.object()
    if (c === OPEN_BRACKET) return this.array()
    if (c === 0x74) return this.word('true')
    if (c === 0x66) return this.word('false')
    if (c === 0x6e) return this.word('null')
    return this.number()
  }

  private word (literal: string): boolean {
    const b = this.buf
    const i = this.pos
    if (i + literal.length > this.end) return false
    for (let k = 1; k < literal.length; k++) if (b[i + k] !== literal.charCodeAt(k)) return false
    this.pos = i + literal.length
    return true
  }

  private number (): boolean {
    const b = this.buf
    const end = this.end
    let i = this.pos
    if (b[i] === MINUS) i++
    if (i >= end) return false
    if (b[i] === ZERO) {
      i++
    } else if (isDigit(b[i])) {
      while (i < end && isDigit(b[i])) i++
    } else {
      return false
    }
    if (i < end && b[i] === DOT) {
      i++
      if (i >= end || !isDigit(b[i])) return false
      while (i < end && isDigit(b[i])) i++
    }
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      i++
      if (i < end && (b[i] === PLUS || b[i] === MINUS)) i++
      if (i >= end || !isDigit(b[i])) return false
      while (i < end && isDigit(b[i])) i++
    }
    this.pos = i
    return true
  }

  /** A string with any valid escapes (a control character: false; bytes over 0x7f: see `highAllowed`). */
  private string (): boolean {
    const b = this.buf
    const end = this.end
    for (let i = this.pos + 1; i < end; i++) {
      const c = b[i] as number
      if (c === QUOTE) {
        this.pos = i + 1
        return true
      }
      if (c === BACKSLASH) {
        this.sawEscape = true
        if (++i >= end) return false
        const e = b[i] as number
        if (e === 0x75) {
          if (i + 4 >= end || !isHex(b[i + 1]) || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4])) return false
          i += 4
        } else if (e >= 128 || SIMPLE_ESCAPE[e] !== 1) {
          return false
        }
      } else if (c < 0x20) {
        return false
      } else if (c > 0x7f) {
        if (!this.highAllowed) return false
        this.sawHigh = true
      }
    }
    return false
  }

  private object (): boolean {
    const b = this.buf
    if (++this.depth > MAX_DEPTH) return false
    this.pos++
    this.ws()
    if (b[this.pos] === CLOSE_BRACE) {
      this.pos++
      this.depth--
      return true
    }
    for (;;) {
      if (b[this.pos] !== QUOTE || !this.string() || !this.colon() || !this.value()) return false
      this.ws()
      const c = b[this.pos++]
      if (c === CLOSE_BRACE) break
      if (c !== COMMA) return false
      this.ws()
    }
    this.depth--
    return this.pos <= this.end
  }

  private array (): boolean {
    const b = this.buf
    if (++this.depth > MAX_DEPTH) return false
    this.pos++
    this.ws()
    if (b[this.pos] === CLOSE_BRACKET) {
      this.pos++
      this.depth--
      return true
    }
    for (;;) {
      if (!this.value()) return false
      this.ws()
      const c = b[this.pos++]
      if (c === CLOSE_BRACKET) break
      if (c !== COMMA) return false
      this.ws()
    }
    this.depth--
    return this.pos <= this.end
  }
}

const EMPTY = Buffer.alloc(0)

/** Report types by data type constant (DATA_JSON, DATA_BINARY, DATA_STRING). */
const TYPE_NAMES = ['', 'JSON', 'BINARY', 'STRING'] as const

function report (type: number, bytes: Buffer | null): ReportData {
  return { type: TYPE_NAMES[type] as ReportData['type'], size: bytes?.length ?? 0 }
}
