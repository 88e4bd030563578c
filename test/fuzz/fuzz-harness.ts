/**
 * Fuzz harness: a real gateway on 127.0.0.1:0 whose data dir sits inside a private parent dir, raw HTTP with
 * undici, and the one expectation every fuzzed request must meet (see `checkReply`). The number of fast-check
 * runs per property comes from KREST_FUZZ_RUNS (CI default below; set it to thousands for the long mode).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { resolveConfig } from '../../src/config/load.js'
import type { SettingName } from '../../src/config/settings.js'
import { startGateway } from '../../src/gateway.js'
import type { Gateway } from '../../src/gateway.js'

/** Runs per property: CI default, or KREST_FUZZ_RUNS (the long mode, e.g. KREST_FUZZ_RUNS=5000). */
export function fuzzRuns (ciDefault: number): number {
  const raw = process.env.KREST_FUZZ_RUNS
  if (raw === undefined || raw === '') return ciDefault
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`KREST_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`)
  return n
}

/** Marks every hostile name, so a file escaping the data dir can be found by name anywhere. */
export const ESCAPE_MARKER = 'krestfuzzesc'

export interface FuzzRequest {
  method: string
  path: string
  headers?: Record<string, string>
  /** A string or Buffer is sent with a Content-Length; an array of chunks is sent chunked (streaming). */
  body?: string | Buffer | readonly Buffer[]
  /** Send to the schema registry's own listener instead of the REST port. */
  registryPort?: boolean
}

export interface FuzzReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export interface FuzzServer {
  gateway: Gateway
  parent: string
  dataDir: string
  /** Counts requests that reached the server (client-side refusals are not counted). */
  readonly sent: number
  /** Replies by status class and route family, e.g. `2xx POST /topics` → count (what the fuzzing reached). */
  readonly stats: Map<string, number>
  send(req: FuzzRequest): Promise<FuzzReply | undefined>
  /** Every path under the parent dir that is not inside the data dir, and every marker-named entry in tmpdir/cwd. */
  outsideFiles(): Promise<string[]>
  close(): Promise<void>
}

async function listRecursive (dir: string, base: string, out: string[]): Promise<void> {
  let entries
  try { entries = await readdir(dir, { withFileTypes: true }) } catch { return }
  for (const e of entries) {
    const full = join(dir, e.name)
    out.push(relative(base, full))
    if (e.isDirectory()) await listRecursive(full, base, out)
  }
}

async function markerEntries (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(n => n.includes(ESCAPE_MARKER)).map(n => join(dir, n))
  } catch {
    return []
  }
}

/** Waits (with a deadline) until the API answers something other than 503 "starting". */
export async function untilReady (url: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const res = await request(url + '/v3/clusters')
    await res.body.dump()
    if (res.statusCode !== 503) return
    if (Date.now() > end) throw new Error(`gateway at ${url} still answers 503 after ${deadlineMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

export async function startFuzzServer (overrides: Partial<Record<SettingName, unknown>> = {}): Promise<FuzzServer> {
  const parent = await mkdtemp(join(tmpdir(), 'krest-fuzz-'))
  const dataDir = join(parent, 'data')
  const config = resolveConfig({
    overrides: {
      host: '127.0.0.1',
      port: 0,
      'schema.registry.port': 0,
      'kafka.port': 0,
      'data.dir': dataDir,
      'log.level': 'silent',
      // Long polls are fuzzed too; keep each one short so the suite stays bounded.
      'consumer.request.timeout.ms': 20,
      ...overrides,
    },
  })
  const gateway = await startGateway(config, { logger: false })
  await untilReady(gateway.url)
  let sent = 0
  const stats = new Map<string, number>()
  return {
    stats,
    gateway,
    parent,
    dataDir,
    get sent () { return sent },
    async send (req) {
      const base = req.registryPort === true ? gateway.registryUrl : gateway.url
      if (base === undefined) throw new Error('registry listener is disabled')
      let res
      try {
        res = await request(base + req.path, {
          method: req.method as 'GET',
          headers: req.headers,
          body: Array.isArray(req.body) ? Readable.from(req.body) : req.body as string | Buffer | undefined,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        })
      } catch (err) {
        // undici refuses some requests before sending (invalid path or header characters): not the server's doing.
        const code = (err as { code?: string }).code
        if (code === 'UND_ERR_INVALID_ARG' || (err instanceof TypeError && /invalid|header/i.test(err.message))) return undefined
        throw err
      }
      sent++
      const family = req.path.split('?')[0]?.split('/').slice(0, 2).join('/') ?? ''
      const key = `${Math.floor(res.statusCode / 100)}xx ${req.registryPort === true ? 'registry:' : ''}${req.method} ${family}`
      stats.set(key, (stats.get(key) ?? 0) + 1)
      const text = await res.body.text()
      return { status: res.statusCode, headers: res.headers, text }
    },
    async outsideFiles () {
      const all: string[] = []
      await listRecursive(parent, parent, all)
      const outside = all.filter(p => p !== 'data' && !p.startsWith('data/'))
      return [...outside, ...await markerEntries(tmpdir()), ...await markerEntries(process.cwd())]
    },
    async close () {
      await gateway.close()
      await rm(parent, { recursive: true, force: true })
    },
  }
}

/**
 * The expectation for every fuzzed request: never a 5xx; an error status carries Confluent's
 * `{error_code: number, message: string}` (406 and HEAD answers may be empty, as Confluent's).
 * Returns a description of what is wrong, or undefined when the reply is fine.
 */
export function checkReply (req: FuzzRequest, reply: FuzzReply): string | undefined {
  if (reply.status >= 500) return `status ${reply.status}: ${reply.text.slice(0, 300)}`
  if (reply.status < 400) return /json/i.test(String(reply.headers['content-type'] ?? 'json')) ? serverErrorInside(reply.text) : undefined
  if (reply.text === '') return reply.status === 406 || req.method === 'HEAD' ? undefined : `status ${reply.status} with an empty body`
  let body: unknown
  try {
    body = JSON.parse(reply.text)
  } catch {
    return `status ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 200)}`
  }
  if (typeof body !== 'object' || body === null) return `status ${reply.status} with a non-object body ${reply.text.slice(0, 200)}`
  const { error_code: code, message } = body as { error_code?: unknown, message?: unknown }
  if (typeof code !== 'number' || !Number.isInteger(code)) return `status ${reply.status} without a numeric error_code: ${reply.text.slice(0, 200)}`
  if (typeof message !== 'string') return `status ${reply.status} without a string message: ${reply.text.slice(0, 200)}`
  return undefined
}

/** A 5-digit Confluent code's status (50002 → 500); a 3-digit code is the status itself. */
function statusOf (errorCode: number): number {
  return errorCode >= 10000 ? Math.floor(errorCode / 100) : errorCode
}

function findServerError (v: unknown): number | undefined {
  if (Array.isArray(v)) {
    for (const x of v) { const f = findServerError(x); if (f !== undefined) return f }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'error_code' && typeof x === 'number' && statusOf(x) >= 500) return x
      const f = findServerError(x)
      if (f !== undefined) return f
    }
  }
  return undefined
}

/**
 * A successful answer can still carry per-record errors (v2 offsets[].error_code, v3 batch failures, v3 streaming
 * delivery reports, one JSON object per line): none of them may be a server error either.
 */
function serverErrorInside (text: string): string | undefined {
  if (text === '' || !/error_code/.test(text)) return undefined
  const docs: unknown[] = []
  try {
    docs.push(JSON.parse(text))
  } catch {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === '') continue
      try { docs.push(JSON.parse(line)) } catch { return `a 2xx body that is neither JSON nor JSON lines: ${text.slice(0, 200)}` }
    }
  }
  for (const d of docs) {
    const code = findServerError(d)
    if (code !== undefined) return `a 2xx answer carrying a server error ${code}: ${text.slice(0, 300)}`
  }
  return undefined
}

/** Sends and checks; throws (for fast-check to shrink) with the request when the reply breaks the expectation. */
export async function sendAndCheck (server: FuzzServer, req: FuzzRequest): Promise<FuzzReply | undefined> {
  const reply = await server.send(req)
  if (reply === undefined) return undefined
  const problem = checkReply(req, reply)
  if (problem !== undefined) {
    const shown = { ...req, body: req.body === undefined ? undefined : String(req.body).slice(0, 300) }
    throw new Error(`${req.method} ${req.path.slice(0, 300)} → ${problem}\nrequest: ${JSON.stringify(shown)}`)
  }
  return reply
}

/** One line with the request count (and, with KREST_FUZZ_STATS set, replies by status class and route family). */
export function fuzzReport (server: FuzzServer | undefined, label: string, runs: number): string {
  const lines = [`${label}: ${server?.sent ?? 0} requests (KREST_FUZZ_RUNS=${runs})`]
  if (server !== undefined && process.env.KREST_FUZZ_STATS !== undefined) {
    for (const [k, n] of [...server.stats].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${String(n).padStart(6)} ${k}`)
  }
  return lines.join('\n')
}
