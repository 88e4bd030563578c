/**
 * Request bodies of the JSON media types (`application/json`, `application/vnd.kafka[.<format>].v2+json`), parsed
 * the same way on every route:
 * - the bytes must be UTF-8 (RFC 8259 §8.1): anything else is 400, never stored as U+FFFD (issue 16.10);
 * - a syntax error is 400 naming the Content-Type that was sent (issue 16.11);
 * - keys are data: `"__proto__"` and `"constructor"` are own properties, as `JSON.parse` makes them (fastify's
 *   default parser refuses them, so a json record whose value had such a key was refused as "not valid JSON").
 *   Nothing merges parsed bodies into shared objects; typed bodies refuse unknown keys by their schemas.
 */
import { isUtf8 } from 'node:buffer'
import type { FastifyRequest } from 'fastify'
import { HttpProblem } from './problem.js'

/** The Content-Type as sent, for messages (parameters kept, length bounded). */
function sentType (contentType: string | undefined): string {
  const t = (contentType ?? '').trim()
  return t.length > 100 ? `${t.slice(0, 100)}…` : t
}

export function invalidUtf8 (contentType: string | undefined): HttpProblem {
  return new HttpProblem(400, 400, `Body is not valid UTF-8 (Content-Type '${sentType(contentType)}'): JSON text must be UTF-8 (RFC 8259).`)
}

/** Parses a JSON body (UTF-8 checked first). */
export function parseJsonBody (buf: Buffer, contentType: string | undefined): unknown {
  if (!isUtf8(buf)) throw invalidUtf8(contentType)
  const text = buf.toString('utf8')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new HttpProblem(400, 400, `Body is not valid JSON but Content-Type is '${sentType(contentType)}': ${(err as Error).message}`)
  }
}

/** Whether a body has nothing but whitespace (consumer calls treat it as "no body"). */
export function isBlank (buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false
  return true
}

/** An empty body, with the code of fastify's own JSON parser so the error handler answers it alike (422). */
function emptyJsonBody (): Error {
  return Object.assign(new Error('Request body is empty.'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 })
}

type Done = (err: Error | null, body?: unknown) => void

/** A fastify content-type parser (`parseAs: 'buffer'`) over `parseJsonBody`. */
export function jsonBodyParser (options: { blankIsNone?: boolean } = {}): (request: FastifyRequest, body: Buffer | string, done: Done) => void {
  return (request, body, done) => {
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    if (options.blankIsNone === true && isBlank(buf)) { done(null, undefined); return }
    if (buf.length === 0) { done(emptyJsonBody()); return }
    let parsed: unknown
    try {
      parsed = parseJsonBody(buf, request.headers['content-type'])
    } catch (err) {
      done(err as Error)
      return
    }
    done(null, parsed)
  }
}
