/**
 * Request bodies under hostile clients (issue 13.8, 13.9), as one `onRequest` hook:
 * - in-flight bytes: a request with a body reserves its Content-Length (a chunked one `request.body.max.bytes`)
 *   from `HttpLimits.inflight` until its response ends; past `request.inflight.max.bytes` it gets 503 before its
 *   body is read;
 * - minimum rate: a body that brings fewer than `request.body.min.bytes.per.second` over a window of
 *   `request.body.min.rate.window.ms` gets 408 and its connection is closed, even when `request.timeout.ms` is 0.
 * Routes whose body is a long-lived stream read at the pace of its producer (v3 streaming produce,
 * `config.streamsBody`) are exempt from both: they are counted and bounded by `StreamMemory` instead.
 */
import type { FastifyInstance } from 'fastify'
import type { Socket } from 'node:net'
import { KrestError } from '../../util/errors.js'
import type { HttpLimits } from '../limits.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a long-lived stream, read at the pace of the client's producer (v3 streaming produce). */
    streamsBody?: boolean
  }
}

export interface BodyLimitsOptions {
  limits: HttpLimits
  /** `request.body.min.bytes.per.second`; 0: no minimum. */
  minBytesPerSecond: number
  /** `request.body.min.rate.window.ms` */
  windowMs: number
}

function cutSlowBody (socket: Socket, minBytesPerSecond: number, windowMs: number): void {
  const body = JSON.stringify({
    error_code: 408,
    message: `Request Timeout: the request body arrived slower than ${minBytesPerSecond} bytes/s over ${windowMs} ms (request.body.min.bytes.per.second).`,
  })
  if (socket.writable) socket.write(`HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  socket.destroy()
}

export function installBodyLimits (app: FastifyInstance, options: BodyLimitsOptions): void {
  const { limits, minBytesPerSecond, windowMs } = options
  const minBytesPerWindow = Math.ceil(minBytesPerSecond * windowMs / 1000)
  // Callback style: this runs on every request.
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw
    const length = raw.headers['content-length']
    const chunked = raw.headers['transfer-encoding'] !== undefined
    if ((!chunked && (length === undefined || length === '0')) || request.routeOptions.config.streamsBody === true) { done(); return }
    const declared = chunked ? limits.chunkedBodyReservation : Number(length)
    const reserved = Number.isFinite(declared) && declared > 0 ? declared : 0
    if (!limits.inflight.reserve(reserved)) {
      reply.header('connection', 'close')
      done(new KrestError('OVERLOADED', `Service Unavailable: request bodies being read hold ${limits.inflight.bytes} bytes; this one would pass request.inflight.max.bytes (${limits.inflight.maxBytes}). Retry later.`))
      return
    }
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      limits.inflight.release(reserved)
      if (timer !== undefined) clearInterval(timer)
    }
    let timer: NodeJS.Timeout | undefined
    if (minBytesPerWindow > 0 && !raw.complete) {
      const socket = raw.socket
      let seen = socket.bytesRead
      timer = setInterval(() => {
        // Done, or answered already (e.g. 413 before the body was read: the rest of the body is no longer awaited).
        if (raw.complete || socket.destroyed || reply.raw.headersSent) { clearInterval(timer); return }
        const now = socket.bytesRead
        if (now - seen < minBytesPerWindow) {
          clearInterval(timer)
          request.log.warn({ bytes: now - seen, windowMs }, 'request body too slow: connection closed')
          release()
          cutSlowBody(socket, minBytesPerSecond, windowMs)
          return
        }
        seen = now
      }, windowMs)
      timer.unref()
    }
    reply.raw.once('finish', release)
    reply.raw.once('close', release)
    done()
  })
}
