/**
 * The HTTP client of the `krest` commands: undici `request` against `--url`, JSON in and out, and errors that
 * carry the server's own `{error_code, message}`.
 */
import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'

export const V2 = 'application/vnd.kafka.v2+json'
export const REGISTRY = 'application/vnd.schemaregistry.v1+json'

/** The server answered with an error status; `message` is the server's message. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly errorCode: number | undefined, message: string, readonly body: unknown) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The server could not be reached (refused, DNS, timeout). */
export class UnreachableError extends Error {
  constructor (readonly url: string, cause: unknown) {
    super(`cannot reach ${url}: ${(cause as { code?: string }).code ?? (cause as Error).message}`, { cause })
    this.name = 'UnreachableError'
  }
}

export interface CallOptions {
  body?: unknown
  contentType?: string
  accept?: string
  signal?: AbortSignal
  /** Statuses returned instead of thrown (e.g. 404 for an optional resource). */
  allow?: readonly number[]
}

export interface CallResult<T = unknown> {
  status: number
  body: T
}

export class Client {
  private readonly dispatcher: Dispatcher

  constructor (readonly baseUrl: string) {
    // Long polls wait up to consumer.request.timeout.ms; keep sockets alive between batches.
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000, headersTimeout: 120_000, bodyTimeout: 120_000 })
  }

  async call<T = unknown> (method: Dispatcher.HttpMethod, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
    const headers: Record<string, string> = { accept: options.accept ?? `${V2}, application/json` }
    let body: string | undefined
    if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['content-type'] = options.contentType ?? V2
    }
    let res: Dispatcher.ResponseData
    try {
      res = await request(this.baseUrl + path, { method, headers, body, dispatcher: this.dispatcher, signal: options.signal })
    } catch (err) {
      if ((err as Error).name === 'AbortError' || options.signal?.aborted === true) throw err
      throw new UnreachableError(this.baseUrl, err)
    }
    const text = await res.body.text()
    let parsed: unknown
    if (text !== '') {
      try { parsed = JSON.parse(text) } catch { parsed = text }
    }
    if (res.statusCode >= 400 && !(options.allow ?? []).includes(res.statusCode)) {
      const b = parsed as { error_code?: unknown, message?: unknown } | undefined
      const message = typeof b?.message === 'string' ? b.message : `HTTP ${res.statusCode}${text === '' ? '' : `: ${text.slice(0, 200)}`}`
      throw new ApiError(res.statusCode, typeof b?.error_code === 'number' ? b.error_code : undefined, message, parsed)
    }
    return { status: res.statusCode, body: parsed as T }
  }

  /** The one cluster's id (v3 paths need it). */
  async clusterId (): Promise<string> {
    const res = await this.call<{ data: Array<{ cluster_id: string }> }>('GET', '/v3/clusters')
    const id = res.body.data[0]?.cluster_id
    if (id === undefined) throw new ApiError(404, 40403, 'the server reports no cluster', res.body)
    return id
  }

  async close (): Promise<void> {
    await this.dispatcher.close()
  }
}
