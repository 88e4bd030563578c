/** The APIs of the table with their codecs compiled for every served version (built once, at listener start). */
import type { KafkaApi, SupportedApi } from './api.js'
import { compileMessage } from './protocol/schema.js'
import type { MessageCodec } from './protocol/schema.js'

export interface ServedVersion {
  readonly api: KafkaApi
  readonly version: number
  readonly flexible: boolean
  readonly request: MessageCodec
  readonly response: MessageCodec
}

export class KafkaApiRegistry {
  /** Advertised ranges, sorted by api key (the ApiVersions list). */
  readonly supported: readonly SupportedApi[]
  private readonly byKey = new Map<number, KafkaApi>()
  private readonly served = new Map<number, ServedVersion[]>()

  constructor (apis: readonly KafkaApi[]) {
    for (const api of apis) {
      const key = api.messages.key
      if (this.byKey.has(key)) throw new Error(`Kafka API ${key} (${api.messages.name}) registered twice`)
      this.byKey.set(key, api)
      const versions: ServedVersion[] = []
      for (let v = api.served.min; v <= api.served.max; v++) {
        const flexible = v >= api.messages.flexibleFrom
        versions[v] = { api, version: v, flexible, request: compileMessage(api.messages.request, v, flexible), response: compileMessage(api.messages.response, v, flexible) }
      }
      this.served.set(key, versions)
    }
    this.supported = [...this.byKey.values()]
      .map(api => {
        const range = api.advertised ?? api.served
        return { apiKey: api.messages.key, minVersion: range.min, maxVersion: range.max }
      })
      .sort((a, b) => a.apiKey - b.apiKey)
  }

  api (key: number): KafkaApi | undefined {
    return this.byKey.get(key)
  }

  /** The compiled version, or undefined when this version is not served. */
  version (key: number, version: number): ServedVersion | undefined {
    return this.served.get(key)?.[version]
  }
}
