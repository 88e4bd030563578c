import { KrestError } from '../util/errors.js'
import { binaryFormat } from './binary.js'
import { jsonFormat } from './json.js'
import type { EmbeddedFormat, EmbeddedFormatName } from './types.js'

/** The embedded formats a gateway offers. Built in the composition root; schema formats are registered there too. */
export class FormatRegistry {
  private readonly formats = new Map<EmbeddedFormatName, EmbeddedFormat>()

  /** A registry with the formats that need no schema registry: binary and json. */
  static withBuiltins (): FormatRegistry {
    return new FormatRegistry().register(binaryFormat()).register(jsonFormat())
  }

  register (format: EmbeddedFormat): this {
    this.formats.set(format.name, format)
    return this
  }

  has (name: EmbeddedFormatName): boolean {
    return this.formats.has(name)
  }

  /** The format, or UNSUPPORTED_FORMAT (schema formats answer this until a schema registry is configured). */
  get (name: EmbeddedFormatName): EmbeddedFormat {
    const format = this.formats.get(name)
    if (format === undefined) {
      throw new KrestError('UNSUPPORTED_FORMAT', `Payload error. The ${name} embedded format needs a Schema Registry, and none is configured.`, { details: { format: name } })
    }
    return format
  }
}
