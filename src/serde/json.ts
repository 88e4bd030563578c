import { KrestError } from '../util/errors.js'
import type { EmbeddedFormat, RecordSerializer } from './types.js'

function encode (data: unknown): Buffer | null {
  if (data === null || data === undefined) return null
  try {
    return Buffer.from(JSON.stringify(data), 'utf8')
  } catch (err) {
    // data nested too deeply for JSON.stringify (a RangeError) is the client's, not a 500 (issue 7)
    if (err instanceof RangeError) throw new KrestError('INVALID_DATA', 'The data is nested too deeply to be serialized', { cause: err })
    throw err
  }
}

const serializer: RecordSerializer = {
  keySchemaId: null,
  valueSchemaId: null,
  serializeKey: encode,
  serializeValue: encode,
}

/** `json`: keys and values are any JSON value, stored as their JSON text (UTF-8); null stays null. */
export function jsonFormat (): EmbeddedFormat {
  return {
    name: 'json',
    serializer: () => serializer,
    deserialize: (bytes, context) => {
      try {
        return JSON.parse(bytes.toString('utf8')) as unknown
      } catch (err) {
        throw new KrestError('INVALID_DATA', `The ${context.isKey ? 'key' : 'value'} of a record in ${context.topic} is not JSON: ${(err as Error).message}`, { cause: err })
      }
    },
  }
}
