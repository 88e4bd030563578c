/** Media types of the Confluent REST APIs, and Accept negotiation. */
import type { EmbeddedFormatName } from '../serde/types.js'

export const V2_JSON = 'application/vnd.kafka.v2+json'
export const APPLICATION_JSON = 'application/json'
/** Confluent's version-less kafka type (`Versions.KAFKA_DEFAULT_JSON`), answered as the v2 format. */
export const KAFKA_DEFAULT_JSON = 'application/vnd.kafka+json'

/** `application/vnd.kafka[.<format>].v2+json` (v3 bodies use plain application/json). */
export const KAFKA_MEDIA_TYPE = /^application\/vnd\.kafka(?:\.[a-z]+)?\.v2\+json(?:\s*;|\s*$)/i

/** Lower-cased media type without parameters. */
export function mediaType (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const semi = contentType.indexOf(';')
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

const PRODUCE_FORMATS: Record<string, EmbeddedFormatName> = {
  'application/vnd.kafka.binary.v2+json': 'binary',
  'application/vnd.kafka.json.v2+json': 'json',
  'application/vnd.kafka.avro.v2+json': 'avro',
  'application/vnd.kafka.jsonschema.v2+json': 'jsonschema',
  'application/vnd.kafka.protobuf.v2+json': 'protobuf',
  // krest does better: plain JSON is the json embedded format (as Karapace).
  'application/json': 'json',
}

/** The embedded format a v2 produce Content-Type selects, or undefined (→ 415). */
export function produceFormat (contentType: string | undefined): EmbeddedFormatName | undefined {
  const type = mediaType(contentType)
  return type === undefined ? undefined : PRODUCE_FORMATS[type]
}

interface AcceptRange {
  type: string
  subtype: string
  q: number
}

function parseAccept (header: string): AcceptRange[] {
  const ranges: AcceptRange[] = []
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';')
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/')
    if (type === '') continue
    let q = 1
    for (const p of params) {
      const [k, v] = p.split('=')
      if (k?.trim().toLowerCase() === 'q') {
        const n = Number(v)
        q = Number.isFinite(n) ? n : 0
      }
    }
    ranges.push({ type, subtype: subtype === '' ? '*' : subtype, q })
  }
  return ranges
}

function specificity (r: AcceptRange): number {
  return r.type === '*' ? 0 : r.subtype === '*' ? 1 : 2
}

/**
 * Picks the response type from `offers` (in server preference order) for an Accept header: the offer the client
 * rates highest, ties going to the server's order. Undefined when nothing is acceptable (→ 406).
 */
export function negotiate (accept: string | undefined, offers: readonly string[]): string | undefined {
  if (accept === undefined || accept === '' || accept === '*/*') return offers[0]
  const ranges = parseAccept(accept)
  let best: string | undefined
  let bestQ = 0
  for (const offer of offers) {
    const [type, subtype] = offer.split('/')
    let q = -1
    let spec = -1
    for (const r of ranges) {
      const matches = (r.type === '*' || r.type === type) && (r.subtype === '*' || r.subtype === subtype)
      if (matches && specificity(r) > spec) { spec = specificity(r); q = r.q }
    }
    if (q > bestQ) { best = offer; bestQ = q }
  }
  return best
}
