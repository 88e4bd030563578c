/**
 * The listener while the gateway starts: a plain node:http server bound to the configured port before storage
 * recovery begins, so orchestrators see `/healthy` 200 and `/ready` 503 (with the reason) instead of a refused
 * connection, and Prometheus can scrape `/metrics` during a long recovery. Every other request gets 503/50302.
 *
 * When the application is built, `handOver` gives the same server to fastify (as its `serverFactory`): the
 * bootstrap handler is removed and fastify's handler installed, so the port is never closed in between.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { GatewayMetrics } from '../../telemetry/metrics.js'
import type { Readiness } from '../../telemetry/readiness.js'
import { HEALTHY_PATH, READY_PATHS, healthyBody, readyAnswer } from './health.js'
import { METRICS_PATH } from './metrics.js'
import type { ConnectionGate } from '../limits.js'

export interface BootstrapServer {
  readonly server: Server
  /** `http://host:port` once listening. */
  readonly url: string
  readonly address: AddressInfo
  /** A fastify `serverFactory`: takes fastify's handler for the already listening server (see `activate`). */
  handOver(handler: RequestListener): Server
  /** Call once the app is ready: from now on fastify's handler answers every request. */
  activate(): void
  /**
   * Graceful stop: no new connections; idle keep-alive connections are closed as they become idle, requests in
   * flight finish. Resolves when the last connection has ended. Safe to call twice.
   */
  drain(): Promise<void>
  /** Closes the server and every connection at once (start-up failure). */
  close(): Promise<void>
}

function send (res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

export async function listenBootstrap (options: { host: string, port: number, readiness: Readiness, metrics: GatewayMetrics, connections?: ConnectionGate }): Promise<BootstrapServer> {
  const { readiness, metrics } = options
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 503, JSON.stringify({ error_code: 50302, message: `Not ready: ${readiness.report().reason ?? 'starting'}` }))
      return
    }
    if (path === HEALTHY_PATH) { send(res, 200, JSON.stringify(healthyBody())); return }
    if ((READY_PATHS as readonly string[]).includes(path)) {
      const { status, body } = readyAnswer(readiness.report())
      send(res, status, JSON.stringify(body))
      return
    }
    if (path === METRICS_PATH) {
      metrics.render().then(m => { send(res, 200, m.body, m.contentType) }, (err: unknown) => {
        send(res, 500, JSON.stringify({ error_code: 50002, message: (err as Error).message }))
      })
      return
    }
    send(res, 503, JSON.stringify({ error_code: 50302, message: `Not ready: ${readiness.report().reason ?? 'starting'}` }))
  }
  const server = createServer(handler)
  // max.connections counts from the first connection, start-up included, over every listener sharing the gate.
  options.connections?.watch(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port }, () => { server.off('error', reject); resolve() })
  })
  const address = server.address() as AddressInfo
  let pendingHandler: RequestListener | undefined
  let drained: Promise<void> | undefined
  const drain = (): Promise<void> => {
    drained ??= new Promise<void>(resolve => {
      // Connections that finish their response after close() would otherwise linger as keep-alive.
      const sweep = setInterval(() => { server.closeIdleConnections() }, 25)
      sweep.unref()
      server.close(() => { clearInterval(sweep); resolve() })
      server.closeIdleConnections()
    })
    return drained
  }
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  return {
    server,
    url,
    address,
    handOver (fastifyHandler) {
      // fastify calls this from its constructor, long before it is ready: a request routed by fastify before
      // ready() crashes the process (its 404 context does not exist yet). The bootstrap handler keeps answering
      // until activate().
      pendingHandler = fastifyHandler
      return server
    },
    activate () {
      if (pendingHandler === undefined) throw new Error('activate() before handOver()')
      server.off('request', handler)
      server.on('request', pendingHandler)
    },
    drain,
    async close () {
      const done = drain()
      server.closeAllConnections()
      await done
    },
  }
}
