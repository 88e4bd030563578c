/**
 * What a browser can be made to do against krest (issue 13.14):
 * - DNS rebinding: a page on evil.example re-resolves its own name to 127.0.0.1 and reads a local krest as
 *   same-origin, its Host header still `evil.example`. A server listening on a loopback address answers only the
 *   names it is known by (IP addresses, localhost, the hosts of `advertised.listeners`, `http.allowed.hosts`);
 *   any other Host gets 421 and is never echoed into absolute URLs. On a non-loopback address names cannot be
 *   predicted, so any is accepted unless `http.allowed.hosts` lists them.
 * - Cross-site requests: a page can send POSTs (forms, `fetch` with no-cors) and GETs (`<img>`) with no CORS
 *   preflight. Requests that change state — every method but GET/HEAD/OPTIONS, and GETs that consume (a route
 *   with `config.changesState`) — coming from another site (`Sec-Fetch-Site`, else an `Origin` that is not this
 *   server's) are refused with 403 unless `access.control.allow.origin` allows that origin.
 */
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpProblem } from '../problem.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A GET or HEAD that changes state (consumes records): refused cross-site like a POST. */
    changesState?: boolean
  }
}

export interface BrowserGuardOptions {
  /** `host`: the address the listener is bound to. */
  bindHost: string
  /** `advertised.listeners` */
  advertisedListeners: string
  /** `http.allowed.hosts` */
  allowedHosts: string
  /** `access.control.allow.origin` */
  allowOrigin: string
}

function list (s: string): string[] {
  return s.split(',').map(x => x.trim().toLowerCase()).filter(x => x !== '')
}

function isLoopback (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)
}

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower-cased; undefined when malformed. */
export function hostName (header: string): string | undefined {
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end === -1 ? undefined : h.slice(1, end)
  }
  const colon = h.indexOf(':')
  return colon === -1 ? h : h.slice(0, colon)
}

export function installBrowserGuard (app: FastifyInstance, options: BrowserGuardOptions): void {
  const allowed = new Set(list(options.allowedHosts))
  for (const url of list(options.advertisedListeners)) {
    try { allowed.add(new URL(url).hostname.replace(/^\[|\]$/g, '')) } catch { /* not a URL: the config check reports it */ }
  }
  const anyHost = allowed.has('*') || (list(options.allowedHosts).length === 0 && !isLoopback(options.bindHost))
  const origins = list(options.allowOrigin)
  const anyOrigin = origins.includes('*')

  const hostAllowed = (header: string | undefined): boolean => {
    if (anyHost || header === undefined) return true
    const name = hostName(header)
    if (name === undefined) return false
    return isIP(name) !== 0 || name === 'localhost' || allowed.has(name)
  }

  /** The origin of a cross-site request, '' when it has none; undefined when the request is not cross-site. */
  const crossSiteOrigin = (request: FastifyRequest): string | undefined => {
    const fetchSite = request.headers['sec-fetch-site']
    const origin = request.headers.origin
    if (fetchSite === 'cross-site' || fetchSite === 'same-site') return origin ?? ''
    if (fetchSite === 'same-origin' || fetchSite === 'none') return undefined
    if (origin === undefined) return undefined
    return origin.toLowerCase() === `${request.protocol}://${request.host}`.toLowerCase() ? undefined : origin
  }

  // Callback style: this runs on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!hostAllowed(request.headers.host)) {
      done(new HttpProblem(421, 421, `Misdirected Request: this server is not known as '${String(request.headers.host).slice(0, 100)}' (add the name to http.allowed.hosts or advertised.listeners).`))
      return
    }
    const method = request.method
    const changesState = (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') || request.routeOptions.config.changesState === true
    if (changesState) {
      const origin = crossSiteOrigin(request)
      if (origin !== undefined && !anyOrigin && !origins.includes(origin.toLowerCase())) {
        done(new HttpProblem(403, 403, `Forbidden: cross-site ${method} from origin '${origin.slice(0, 100) || '(none)'}' refused; allow it with access.control.allow.origin.`))
        return
      }
    }
    done()
  })
}
