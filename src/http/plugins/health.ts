/**
 * Health endpoints, on every listener: `GET /healthy` (liveness: the process answers), `GET /ready` and its
 * Redpanda alias `GET /status/ready` (readiness: 200 once storage is recovered and the internal topics are
 * replayed, 503 with the failing condition otherwise, and again while shutting down).
 */
import type { FastifyInstance } from 'fastify'
import type { Readiness, ReadinessReport } from '../../telemetry/readiness.js'

export const READY_PATHS = ['/ready', '/status/ready'] as const
export const HEALTHY_PATH = '/healthy'

/** `{status: 'UP'}` while the event loop answers. */
export function healthyBody (): { status: 'UP' } {
  return { status: 'UP' }
}

/** Status and body of a readiness answer: 200 `{status: 'READY', checks}`, or 503 with a Confluent error body. */
export function readyAnswer (report: ReadinessReport): { status: number, body: Record<string, unknown> } {
  if (report.ready) {
    const body: Record<string, unknown> = { status: 'READY', checks: report.checks }
    // Quarantined at start-up (log.damage.policy=start): serving what is intact, but an operator should look.
    if (report.storageDamage.length > 0) body.storage_damage = report.storageDamage
    return { status: 200, body }
  }
  return { status: 503, body: { error_code: 50302, message: `Not ready: ${report.reason ?? 'starting'}`, checks: report.checks, closing: report.closing } }
}

export function installHealth (app: FastifyInstance, readiness: Readiness): void {
  app.get(HEALTHY_PATH, {
    schema: { operationId: 'healthy', tags: ['operations'], summary: 'Liveness: 200 {status: UP} while the process answers', response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['UP'] } } } } },
    logLevel: 'warn',
  }, async () => healthyBody())
  for (const path of READY_PATHS) {
    app.get(path, {
      schema: {
        operationId: path === '/ready' ? 'ready' : 'statusReady',
        tags: ['operations'],
        summary: path === '/ready'
          ? 'Readiness: 200 once storage is recovered, the internal topics replayed and every listener serves; 503 with the failing condition otherwise and while shutting down'
          : 'Redpanda\'s alias of /ready',
        response: {
          200: { type: 'object', properties: { status: { type: 'string', enum: ['READY'] }, checks: { type: 'object', additionalProperties: { type: 'boolean' } }, storage_damage: { type: 'array', items: { type: 'string' }, description: 'What recovery quarantined at start-up (log.damage.policy=start): the intact data is served' } } },
          503: { type: 'object', properties: { error_code: { type: 'integer' }, message: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'boolean' } }, closing: { type: 'boolean' } } },
        },
      },
      logLevel: 'warn',
    }, async (_request, reply) => {
      const { status, body } = readyAnswer(readiness.report())
      return await reply.code(status as 200 | 503).send(body)
    })
  }
}
