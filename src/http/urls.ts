import type { FastifyRequest } from 'fastify'

/**
 * Base URL for absolute links (v3 `metadata.self`, consumer `base_uri`): the first of `advertised.listeners` when
 * set, else the scheme and Host of the request.
 */
export function baseUrl (request: FastifyRequest, advertisedListeners: string): string {
  const first = advertisedListeners.split(',')[0]?.trim() ?? ''
  if (first !== '') return first.replace(/\/+$/, '')
  return `${request.protocol}://${request.host}`
}
