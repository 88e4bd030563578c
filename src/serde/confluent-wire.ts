/**
 * Confluent wire format: magic byte 0x00, the schema id as a 4-byte big-endian signed int, then the payload
 * (Avro binary, or UTF-8 JSON text for JSON Schema).
 */
import { KrestError } from '../util/errors.js'

export const MAGIC_BYTE = 0
export const WIRE_HEADER_BYTES = 5

export function frame (schemaId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + payload.length)
  out[0] = MAGIC_BYTE
  out.writeInt32BE(schemaId, 1)
  payload.copy(out, WIRE_HEADER_BYTES)
  return out
}

export function unframe (bytes: Buffer, what: string): { schemaId: number, payload: Buffer } {
  if (bytes.length < WIRE_HEADER_BYTES) throw new KrestError('DESERIALIZATION_FAILED', `${what}: too short for the schema registry wire format (${bytes.length} bytes)`)
  if (bytes[0] !== MAGIC_BYTE) throw new KrestError('DESERIALIZATION_FAILED', `${what}: Unknown magic byte!`)
  return { schemaId: bytes.readInt32BE(1), payload: bytes.subarray(WIRE_HEADER_BYTES) }
}
