/**
 * Operational plugins every listener gets: health and readiness, Prometheus metrics, one log line per request
 * (at `log.request.level`, auth headers redacted by the logger), CORS (`access.control.allow.*`, only when an
 * origin is configured) and gzip/deflate response compression (`compression.enable`) when the client asks.
 */
import compress from '@fastify/compress'
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { GatewayMetrics, HttpSurface } from '../../telemetry/metrics.js'
import type { Readiness } from '../../telemetry/readiness.js'
import { installHealth } from './health.js'
import { installMetrics } from './metrics.js'

export type RequestLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface OperationsOptions {
  readiness: Readiness
  metrics: GatewayMetrics
  /** Level of the per-request log line. */
  requestLogLevel: RequestLogLevel
  /** `access.control.allow.origin`: comma-separated origins, `*` for any; empty disables CORS. */
  allowOrigin: string
  /** `access.control.allow.methods`: comma-separated; empty for the plugin's defaults. */
  allowMethods: string
  /** `access.control.allow.headers`: comma-separated; empty reflects the request's Access-Control-Request-Headers. */
  allowHeaders: string
  /** `compression.enable` */
  compression: boolean
}

function list (s: string): string[] {
  return s.split(',').map(x => x.trim()).filter(x => x !== '')
}

export async function installOperations (app: FastifyInstance, options: OperationsOptions, surface: HttpSurface): Promise<void> {
  const origins = list(options.allowOrigin)
  if (origins.length > 0) {
    const methods = list(options.allowMethods)
    const headers = list(options.allowHeaders)
    await app.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      ...(methods.length > 0 ? { methods } : {}),
      ...(headers.length > 0 ? { allowedHeaders: headers } : {}),
    })
  }
  if (options.compression) {
    // Only responses, only where the client sends Accept-Encoding; small bodies are not worth it.
    await app.register(compress, { global: true, encodings: ['gzip', 'deflate'], threshold: 1024 })
  }
  installHealth(app, options.readiness)
  installMetrics(app, options.metrics, surface)
  if (options.requestLogLevel !== 'silent') {
    const level = options.requestLogLevel
    // Callback style, and nothing built while the logger's level hides the line: this runs on every request.
    app.addHook('onResponse', (request, reply, done) => {
      // pino's own level check (fastify's logger type does not declare it; a logger without it writes as before)
      if ((request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) ?? true) {
        request.log[level]({
          request: { method: request.method, url: request.url, headers: request.headers, remoteAddress: request.ip },
          response: { statusCode: reply.statusCode },
          responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
        }, 'request completed')
      }
      done()
    })
  }
}
