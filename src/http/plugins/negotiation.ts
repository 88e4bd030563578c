/**
 * Accept negotiation per route: a route lists the response media types it offers in `config.produces`; a request
 * whose Accept matches none gets 406 with no body (as Confluent's), before its body is even read.
 */
import type { FastifyInstance } from 'fastify'
import { negotiate } from '../media-types.js'
import { notAcceptable } from '../problem.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Response media types offered, preferred first. */
    produces?: readonly string[]
  }
}

export function installNegotiation (app: FastifyInstance): void {
  // Callback style (not async): this runs on every request, and a promise per request is measurable at produce rates.
  app.addHook('onRequest', (request, reply, done) => {
    const offers = request.routeOptions.config.produces
    if (offers === undefined) { done(); return }
    const chosen = negotiate(request.headers.accept, offers)
    if (chosen === undefined) { done(notAcceptable()); return }
    reply.type(chosen)
    done()
  })
}
