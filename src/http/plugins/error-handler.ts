/**
 * The one error handler: domain errors, validation failures and fastify's own errors become Confluent's
 * `{error_code, message}` with the right status. Nothing a client sends turns into a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isKrestError } from '../../util/errors.js'
import { httpMessages, mappingFor } from '../errors.js'
import type { ErrorMappings } from '../errors.js'
import { HttpProblem } from '../problem.js'

export interface ErrorBody {
  error_code: number
  message: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** error_code for 422 answers of this route (body missing or failing a required / minItems rule). Default 422. */
    unprocessableErrorCode?: number
    /** Rows of the error table this route answers differently (Confluent's codes differ between routes). */
    errorMappings?: ErrorMappings
  }
}

interface Classified {
  status: number
  body: ErrorBody | null
}

const UNPROCESSABLE_KEYWORDS = new Set(['required', 'minItems', 'minProperties'])

function classify (err: FastifyError, request: FastifyRequest, bodyLimit: number): Classified {
  if (err instanceof HttpProblem) {
    return { status: err.statusCode, body: err.emptyBody ? null : { error_code: err.errorCode, message: err.message } }
  }
  if (isKrestError(err)) {
    const m = mappingFor(err.code, request.routeOptions.config.errorMappings)
    return { status: m.status, body: { error_code: m.errorCode, message: m.message ?? err.message } }
  }
  const unprocessable = request.routeOptions.config.unprocessableErrorCode ?? 422
  if (err.validation !== undefined) {
    switch (err.validationContext) {
      case 'params':
        // Confluent (JAX-RS) answers a path that does not parse, e.g. a non-numeric partition, with 404.
        return { status: 404, body: { error_code: 404, message: httpMessages[404] } }
      case 'body': {
        const first = err.validation[0]
        const missingBody = request.body === undefined || request.body === null
        if (missingBody || (first !== undefined && UNPROCESSABLE_KEYWORDS.has(first.keyword))) {
          return { status: 422, body: { error_code: unprocessable, message: missingBody ? 'Request body is missing.' : err.message } }
        }
        return { status: 400, body: { error_code: 400, message: err.message } }
      }
      default:
        return { status: 400, body: { error_code: 400, message: err.message } }
    }
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { status: 415, body: { error_code: 415, message: httpMessages[415] } }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error_code: 413, message: `Request body is larger than the limit of ${bodyLimit} bytes (request.body.max.bytes).` } }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 422, body: { error_code: unprocessable, message: 'Request body is empty.' } }
    default:
      break
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500
  if (status >= 400 && status < 500) {
    // JSON syntax errors, bad Content-Length, …: the client's fault, with fastify's precise message.
    return { status, body: { error_code: status, message: err.message } }
  }
  return { status: 500, body: { error_code: 500, message: httpMessages[500] } }
}

export function installErrorHandler (app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = classify(err, request, bodyLimit)
    if (status >= 500) {
      request.log.error({ err }, 'request failed')
    } else {
      request.log.debug({ err, status }, 'request rejected')
    }
    reply.code(status)
    if (body === null) {
      reply.removeHeader('content-type')
      return reply.send()
    }
    return reply.type('application/json').serializer(JSON.stringify).send(body)
  })
  // Which methods each route path answers, so a known path with another method gets 405 (as Confluent), not 404.
  const routes: { pattern: RegExp, methods: Set<string> }[] = []
  app.addHook('onRoute', route => {
    const pattern = routePattern(route.url ?? route.path)
    let entry = routes.find(r => r.pattern.source === pattern.source)
    if (entry === undefined) { entry = { pattern, methods: new Set() }; routes.push(entry) }
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(m)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const allowed = new Set<string>()
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m)
    if (allowed.size > 0 && !allowed.has(request.method)) {
      return reply.code(405).header('allow', [...allowed].sort().join(', ')).type('application/json')
        .send({ error_code: 405, message: httpMessages[405] })
    }
    return reply.code(404).type('application/json').send({ error_code: 404, message: httpMessages[404] })
  })
}

/** A fastify route path (`/topics/:topic`, `…/configs::alter`, `/docs/*`) as a RegExp over request paths. */
function routePattern (url: string): RegExp {
  let out = ''
  for (let i = 0; i < url.length; i++) {
    const c = url[i] as string
    if (c === ':' && url[i + 1] === ':') { out += ':'; i++; continue }
    if (c === ':') {
      while (i + 1 < url.length && /[A-Za-z0-9_]/.test(url[i + 1] as string)) i++
      out += '[^/]+'
      continue
    }
    if (c === '*') { out += '.*'; continue }
    out += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${out}/?$`)
}
