/**
 * Property-based fuzzing of every route over real HTTP: whatever is sent, the answer is a 2xx/3xx or a 4xx with
 * Confluent's `{error_code, message}`; never a 5xx, a crash, an unhandled rejection or a file outside the data dir.
 *
 * CI mode runs a few hundred requests per property; the long mode is `KREST_FUZZ_RUNS=5000 npx vitest run test/fuzz`.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fuzzReport, fuzzRuns, sendAndCheck, startFuzzServer } from './fuzz-harness.js'
import type { FuzzServer } from './fuzz-harness.js'
import { HOSTILE_NAMES, encodeSegment } from './arbitraries.js'
import { ROUTES, requestArb } from './routes.js'
import type { Fixture } from './routes.js'

const RUNS = fuzzRuns(400)

let server: FuzzServer
let fx: Fixture
const rejections: unknown[] = []
const onRejection = (reason: unknown): void => { rejections.push(reason) }

async function setUp (s: FuzzServer): Promise<Fixture> {
  const clusterId = s.gateway.backend.metadata.clusterId
  const ok = async (method: string, path: string, body: unknown, type = 'application/vnd.kafka.v2+json', registryPort = false): Promise<unknown> => {
    const r = await s.send({ method, path, body: JSON.stringify(body), headers: { 'content-type': type }, registryPort })
    if (r === undefined || r.status >= 300) throw new Error(`fixture ${method} ${path}: ${r?.status} ${r?.text}`)
    return r.text === '' ? undefined : JSON.parse(r.text)
  }
  await ok('POST', `/v3/clusters/${clusterId}/topics`, { topic_name: 'fuzz', partitions_count: 3 }, 'application/json')
  await ok('POST', '/topics/fuzz', { records: [{ value: 'aGVsbG8=' }, { key: 'aw==', value: 'd29ybGQ=' }, { value: null }] }, 'application/vnd.kafka.binary.v2+json')
  await ok('POST', '/consumers/fuzz-group', { name: 'fuzz-instance', format: 'binary', 'auto.offset.reset': 'earliest' })
  await ok('POST', '/consumers/fuzz-group/instances/fuzz-instance/subscription', { topics: ['fuzz'] })
  await ok('POST', '/subjects/fuzz-value/versions', { schema: '{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}' }, 'application/vnd.schemaregistry.v1+json')
  return { clusterId, topic: 'fuzz', group: 'fuzz-group', instance: 'fuzz-instance', subject: 'fuzz-value' }
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  server = await startFuzzServer()
  fx = await setUp(server)
})

afterAll(async () => {
  process.off('unhandledRejection', onRejection)
  await server?.close()
  // eslint-disable-next-line no-console
  console.info(fuzzReport(server, 'fuzz routes', RUNS))
})

async function assertHealthy (): Promise<void> {
  const r = await server.send({ method: 'GET', path: '/v3/clusters' })
  expect(r?.status).toBe(200)
  expect(await server.outsideFiles()).toEqual([])
  expect(rejections).toEqual([])
}

describe('fuzz: every route', () => {
  it('random requests on any route never answer 5xx and always carry {error_code, message} when refused', async () => {
    await fc.assert(fc.asyncProperty(requestArb(fx), async req => { await sendAndCheck(server, req) }), { numRuns: RUNS * 4 })
    await assertHealthy()
  })

  it('produce, consumer and registry bodies with wrong types and hostile numbers are refused with a 4xx', async () => {
    const bodyRoutes = ROUTES.filter(r => r.body !== undefined)
    await fc.assert(fc.asyncProperty(requestArb(fx, bodyRoutes), async req => { await sendAndCheck(server, req) }), { numRuns: RUNS * 2 })
    await assertHealthy()
  })

  it('hostile names in every named path segment (topic, group, instance, subject, config) never escape the data dir', async () => {
    const named = ROUTES.filter(r => /\{(topic|group|instance|subject|config)\}/.test(r.path))
    const encodings = ['component', 'raw', 'double', 'dots'] as const
    let i = 0
    for (const name of HOSTILE_NAMES) {
      for (const how of encodings) {
        const seg = encodeSegment(name, how)
        // Each name goes through a rotating slice of the routes so every (name, encoding, route) combination is not needed.
        for (let k = 0; k < 6; k++) {
          const route = named[(i++) % named.length]
          if (route === undefined) continue
          const path = route.path
            .replace('{cluster}', fx.clusterId)
            .replace(/\{(topic|group|instance|subject|config)\}/g, seg)
            .replace(/\{(partition|version|id|broker)\}/g, '0')
          const type = route.path.startsWith('/v3') ? 'application/json' : route.registry === true || !path.startsWith('/topics') ? 'application/vnd.kafka.v2+json' : 'application/vnd.kafka.binary.v2+json'
          const body = route.method === 'POST' && path.startsWith('/consumers/') && !path.includes('/instances/')
            ? JSON.stringify({ name, format: 'binary' })
            : route.method === 'POST' && path.endsWith('/subscription') ? JSON.stringify({ topics: [name] })
              : route.path.endsWith('/topics') ? JSON.stringify({ topic_name: name, partitions_count: 1 })
                : route.path.includes('/subjects/') ? JSON.stringify({ schema: '"string"' })
                  : JSON.stringify({ records: [{ value: 'eA==' }] })
          await sendAndCheck(server, { method: route.method, path, headers: { 'content-type': type }, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : body, registryPort: route.registry === true })
        }
      }
    }
    // Names also arrive in bodies: topic_name on v3 create, topics in a subscription, consumer names.
    for (const name of HOSTILE_NAMES) {
      await sendAndCheck(server, { method: 'POST', path: `/v3/clusters/${fx.clusterId}/topics`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: name, partitions_count: 1 }) })
      await sendAndCheck(server, { method: 'POST', path: '/consumers/fuzz-names', headers: { 'content-type': 'application/vnd.kafka.v2+json' }, body: JSON.stringify({ name, format: 'binary' }) })
      await sendAndCheck(server, { method: 'POST', path: '/consumers/fuzz-group/instances/fuzz-instance/subscription', headers: { 'content-type': 'application/vnd.kafka.v2+json' }, body: JSON.stringify({ topics: [name] }) })
    }
    await assertHealthy()
  })
})
