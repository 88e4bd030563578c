/**
 * Server options shared by both listeners (REST and schema registry) that protect the process from hostile or
 * slow clients: connection and request timeouts (slowloris), the longest path parameter, and Confluent-shaped
 * answers for the errors fastify's router raises before any route runs (malformed percent-encoding, a parameter
 * longer than the limit), which otherwise come back in fastify's own `{error, code, statusCode}` shape.
 */
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'

/** Longest path parameter. Kafka topic names reach 249 characters; registry subjects can be longer. */
export const MAX_PARAM_LENGTH = 2048

export interface ConnectionLimits {
  /** `request.headers.timeout.ms`: time to send a complete request line and headers. */
  headersTimeoutMs: number
  /** `request.timeout.ms`: time to send a whole request (0: no limit). */
  requestTimeoutMs: number
  /** `connections.max.idle.ms`: socket inactivity after which the connection is closed. */
  idleTimeoutMs: number
  /** `connections.keepalive.timeout.ms`: idle time of a keep-alive connection between requests. */
  keepAliveTimeoutMs: number
}

/** The limits as the config table names them. */
export function connectionLimitsFrom (config: {
  readonly 'request.headers.timeout.ms': number
  readonly 'request.timeout.ms': number
  readonly 'connections.max.idle.ms': number
  readonly 'connections.keepalive.timeout.ms': number
}): ConnectionLimits {
  return {
    headersTimeoutMs: config['request.headers.timeout.ms'],
    requestTimeoutMs: config['request.timeout.ms'],
    idleTimeoutMs: config['connections.max.idle.ms'],
    keepAliveTimeoutMs: config['connections.keepalive.timeout.ms'],
  }
}

/** Router errors (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH, …) as `{error_code, message}`; never a 5xx. */
export function frameworkErrors (err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  let status = 400
  let message = 'Bad Request: the request path is not a valid URL (malformed percent-encoding).'
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    status = 414
    message = `URI Too Long: a path parameter is longer than ${MAX_PARAM_LENGTH} characters.`
  } else if (err.code !== 'FST_ERR_BAD_URL') {
    message = 'Bad Request'
  }
  void reply.code(status).type('application/json').serializer(JSON.stringify).send({ error_code: status, message })
}

/**
 * Requests node's HTTP parser refuses (bad framing or chunking, invalid characters, headers over the size limit,
 * a request timeout) are answered on the socket, as `{error_code, message}` rather than fastify's
 * `{error, message, statusCode}`, and the connection is closed.
 */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  let status = 400
  let message = 'Bad Request: the request is not valid HTTP/1.1.'
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408
    message = 'Request Timeout: the request was not received in time (request.headers.timeout.ms, request.timeout.ms).'
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431
    message = 'Request Header Fields Too Large.'
  }
  const body = JSON.stringify({ error_code: status, message })
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

/** Fastify constructor options for one listener (timeouts are applied to its server by `applyConnectionLimits`). */
export function hardenedServerOptions (): Pick<FastifyServerOptions, 'routerOptions' | 'frameworkErrors' | 'clientErrorHandler'> {
  return { routerOptions: { maxParamLength: MAX_PARAM_LENGTH }, frameworkErrors, clientErrorHandler }
}

/** The defaults of the config table, for a listener built without a config (the registry's own app). */
export const defaultConnectionLimits: ConnectionLimits = { headersTimeoutMs: 10000, requestTimeoutMs: 0, idleTimeoutMs: 120000, keepAliveTimeoutMs: 30000 }

/**
 * Applies the limits to the listener's `http.Server`, whoever created it (fastify, or a `serverFactory`, for which
 * fastify sets no timeouts at all):
 * - keep-alive, whole-request and socket-inactivity timeouts;
 * - node's `headersTimeout`, which node only checks every 30 s (`connectionsCheckingInterval`);
 * - so a connection's first request must complete its headers within `headersTimeoutMs` or the socket is
 *   destroyed, checked by a timer per new connection: the classic slowloris (many connections, each sending its
 *   headers a byte at a time) is cut promptly. Later requests on a kept-alive connection are covered by node's check.
 */
export function applyConnectionLimits (server: Server, limits: ConnectionLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  server.requestTimeout = limits.requestTimeoutMs
  server.headersTimeout = limits.requestTimeoutMs > 0 ? Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) : limits.headersTimeoutMs
  server.setTimeout(limits.idleTimeoutMs)
  const waiting = new WeakMap<Socket, NodeJS.Timeout>()
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => { socket.destroy() }, limits.headersTimeoutMs)
    timer.unref()
    waiting.set(socket, timer)
    socket.once('close', () => { clearTimeout(timer) })
  })
  server.on('request', (req: IncomingMessage) => {
    const timer = waiting.get(req.socket)
    if (timer !== undefined) {
      clearTimeout(timer)
      waiting.delete(req.socket)
    }
  })
}
