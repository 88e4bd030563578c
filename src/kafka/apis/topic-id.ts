/** Topic ids: stored as base64url of 16 bytes (Kafka's Uuid string form); the protocol carries the raw 16 bytes. */

const ZERO = '00000000-0000-0000-0000-000000000000'

/** The topic id in the canonical 8-4-4-4-12 hex form our UUID codec writes; the zero UUID when unknown. */
export function topicIdAsUuid (topicId: string): string {
  const bytes = Buffer.from(topicId, 'base64url')
  if (bytes.length !== 16) return ZERO
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
