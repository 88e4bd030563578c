/**
 * pino options for fastify's logger, built from the config: JSON lines on stdout by default, a human format
 * when `log.format` asks for it (or `auto` on a TTY), credentials redacted wherever they appear.
 * krest writes its own one-line-per-request entry (see `http/plugins/operations.ts`), so fastify's two lines
 * per request are switched off where this is used.
 */
import { Writable } from 'node:stream'
import type { FastifyServerOptions } from 'fastify'

export type LogFormat = 'json' | 'pretty' | 'auto'

/** Paths pino replaces with "[Redacted]": auth headers in request logs and password-like fields anywhere. */
export const REDACT_PATHS = [
  'request.headers.authorization',
  'request.headers["proxy-authorization"]',
  'request.headers.cookie',
  'request.headers["x-api-key"]',
  'req.headers.authorization',
  'headers.authorization',
  '*.password',
  '*["basic.auth.password"]',
]

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v'])

/** One JSON log line → `HH:MM:SS.mmm LEVEL msg key=value …` (a dependency-free pino-pretty for terminals). */
export function prettyLine (line: string): string {
  let obj: Record<string, unknown>
  try {
    obj = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = typeof obj.time === 'number' ? new Date(obj.time).toISOString().slice(11, 23) : ''
  const level = LEVEL_NAMES[typeof obj.level === 'number' ? obj.level : 30] ?? String(obj.level)
  const fields = Object.entries(obj)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  return `${time} ${level.padEnd(5)} ${typeof obj.msg === 'string' ? obj.msg : ''}${fields.length > 0 ? '  ' + fields.join(' ') : ''}`
}

/** A stream that re-formats pino's JSON lines for people and writes them to `out`. */
export function prettyStream (out: NodeJS.WritableStream): Writable {
  let pending = ''
  return new Writable({
    write (chunk: Buffer | string, _enc, done) {
      pending += chunk.toString()
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) if (line !== '') out.write(prettyLine(line) + '\n')
      done()
    },
    final (done) {
      if (pending !== '') out.write(prettyLine(pending) + '\n')
      done()
    },
  })
}

export interface LoggerSettings {
  level: string
  format: LogFormat
  /** Whether stdout is a terminal (for `auto`). */
  isTty: boolean
  /** Where lines go; default process.stdout. */
  destination?: NodeJS.WritableStream
}

/** Options for fastify's `logger`. */
export function loggerOptions (settings: LoggerSettings): NonNullable<Exclude<FastifyServerOptions['logger'], boolean>> {
  const pretty = settings.format === 'pretty' || (settings.format === 'auto' && settings.isTty)
  const destination = settings.destination ?? process.stdout
  return {
    level: settings.level,
    redact: { paths: REDACT_PATHS },
    stream: pretty ? prettyStream(destination) : destination,
  }
}
