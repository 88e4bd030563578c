/** Starts real gateways on 127.0.0.1:0 with temp data dirs, and speaks HTTP to them with undici. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { isSettingName, resolveConfig } from '../../src/config/load.js'
import type { SettingName } from '../../src/config/settings.js'
import { startGateway } from '../../src/gateway.js'
import type { Gateway, GatewayOptions } from '../../src/gateway.js'
import { LogStore } from '../../src/storage/index.js'

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** Parsed JSON body (undefined when empty). */
  body: unknown
}

export interface Harness {
  gateway: Gateway
  /**
   * The storage engine under the running gateway, captured through the `openStore` seam: only for what no client
   * can do (fault injection, engine-level setup such as an extra internal topic). Reads and admin go through
   * `gateway.backend` (see `test/helpers/backend-reads.ts`) or HTTP.
   */
  storage: LogStore
  dataDir: string
  url: string
  call(method: string, path: string, options?: { body?: unknown, raw?: string | Buffer, headers?: Record<string, string> }): Promise<Reply>
  /** Restarts on the same data dir (graceful close first). */
  restart(): Promise<void>
  close(): Promise<void>
}

export const V2 = 'application/vnd.kafka.v2+json'
export const BINARY = 'application/vnd.kafka.binary.v2+json'
export const JSON_V2 = 'application/vnd.kafka.json.v2+json'

export async function startHarness (overrides: Partial<Record<SettingName, unknown>> = {}, existingDir?: string): Promise<Harness> {
  const dataDir = existingDir ?? await mkdtemp(join(tmpdir(), 'krest-gw-'))
  const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': 0, 'data.dir': dataDir, 'log.level': 'silent', ...overrides } })
  let storage: LogStore | undefined
  const options: GatewayOptions = { logger: false, openStore: async o => (storage = await LogStore.open(o)) }
  let gateway = await startGateway(config, options)
  const harness: Harness = {
    get gateway () { return gateway },
    get storage () {
      if (storage === undefined) throw new Error('the storage engine is not open')
      return storage
    },
    dataDir,
    get url () { return gateway.url },
    async call (method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers }
      let body: string | Buffer | undefined
      if (options.raw !== undefined) {
        body = options.raw
      } else if (options.body !== undefined) {
        body = JSON.stringify(options.body)
        headers['content-type'] ??= V2
      }
      const res = await request(gateway.url + path, { method: method as 'GET', headers, body })
      const text = await res.body.text()
      let parsed: unknown
      if (text !== '') {
        try { parsed = JSON.parse(text) } catch { parsed = undefined }
      }
      return { status: res.statusCode, headers: res.headers, text, body: parsed }
    },
    async restart () {
      await gateway.close()
      gateway = await startGateway(config, options)
    },
    async close () {
      await gateway.close()
      if (existingDir === undefined) await rm(dataDir, { recursive: true, force: true })
    },
  }
  return harness
}

export function b64 (s: string): string {
  return Buffer.from(s, 'utf8').toString('base64')
}
