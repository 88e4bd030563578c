import { KrestError } from '../util/errors.js'
import type { EmbeddedFormat, RecordSerializer } from './types.js'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/**
 * A short JSON rendering of a bad value for an error message: at most 64 characters, and never a crash (a value
 * nested thousands of levels deep made JSON.stringify overflow the stack and the produce answer 500, issue 7).
 */
export function preview (data: unknown): string {
  let text: string
  try {
    text = JSON.stringify(data) ?? String(data)
  } catch {
    return Array.isArray(data) ? '[…]' : '{…}'
  }
  return text.length > 64 ? text.slice(0, 64) + '…' : text
}

/** Decodes standard base64 (padding optional, as Java's decoder), rejecting anything else. */
export function decodeBase64 (data: unknown, what: string): Buffer | null {
  if (data === null || data === undefined) return null
  if (typeof data !== 'string') throw new KrestError('INVALID_DATA', `${what}: data=${preview(data)} is not a base64 string.`)
  if (!BASE64.test(data)) throw new KrestError('INVALID_DATA', `${what}: data=${JSON.stringify(data.length > 64 ? data.slice(0, 64) + '…' : data)} is not a base64 string.`)
  return Buffer.from(data, 'base64')
}

const serializer: RecordSerializer = {
  keySchemaId: null,
  valueSchemaId: null,
  serializeKey: data => decodeBase64(data, 'key'),
  serializeValue: data => decodeBase64(data, 'value'),
}

/** `binary`: keys and values are base64 strings in JSON, raw bytes in the log. */
export function binaryFormat (): EmbeddedFormat {
  return {
    name: 'binary',
    serializer: () => serializer,
    deserialize: bytes => bytes.toString('base64'),
  }
}
