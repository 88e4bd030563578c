/** Random bodies and content types against the write endpoints: never a 5xx, always Confluent's error shape. */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

let h: Harness
let cid = ''
beforeAll(async () => {
  h = await startHarness({ 'request.body.max.bytes': 64 * 1024 })
  await h.gateway.backend.admin.createTopic('fuzz', { partitions: 2, configs: { 'max.message.bytes': '2000' } })
  cid = h.gateway.backend.metadata.clusterId
})
afterAll(async () => { await h.close() })

const contentTypes = fc.constantFrom(
  'application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.json.v2+json', 'application/json',
  'application/vnd.kafka.v2+json', 'text/plain', 'application/vnd.kafka.protobuf.v2+json', 'application/octet-stream',
)
const record = fc.record({
  key: fc.oneof(fc.constant(undefined), fc.base64String({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 })),
  value: fc.oneof(fc.constant(undefined), fc.base64String({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 })),
  partition: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 3 }), fc.string({ maxLength: 3 })),
  timestamp: fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 2e12 }), fc.string({ maxLength: 30 })),
  headers: fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: fc.string({ maxLength: 5 }), value: fc.oneof(fc.base64String({ maxLength: 12 }), fc.string({ maxLength: 5 }), fc.constant(null)) }), { maxLength: 3 })),
}, { requiredKeys: [] })
const body = fc.oneof(
  fc.record({ records: fc.array(record, { maxLength: 6 }) }).map(b => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
)

function checkErrorShape (status: number, parsed: unknown, text: string): void {
  expect(status).toBeLessThan(500)
  if (status >= 400 && status !== 406) {
    expect(parsed, text).toMatchObject({ error_code: expect.any(Number), message: expect.any(String) })
  }
}

describe('fuzzed write requests', () => {
  it('v2 produce answers 200 or a 4xx with {error_code, message}', async () => {
    await fc.assert(fc.asyncProperty(contentTypes, body, fc.constantFrom('/topics/fuzz', '/topics/fuzz/partitions/1', '/topics/fuzz/partitions/7'), async (type, raw, path) => {
      const res = await h.call('POST', path, { raw, headers: { 'content-type': type } })
      checkErrorShape(res.status, res.body, res.text)
      if (res.status === 200) {
        const offsets = (res.body as { offsets: { error_code: number | null }[] }).offsets
        expect(offsets.every(o => o.error_code === null)).toBe(true)
      }
    }), { numRuns: 150 })
  })

  it('v3 topic create and config alter answer a 2xx or a 4xx with {error_code, message}', async () => {
    const create = fc.record({
      topic_name: fc.oneof(fc.stringMatching(/^[a-z.]{0,8}$/), fc.string({ maxLength: 6 })),
      partitions_count: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 5 })),
      replication_factor: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 3 })),
      configs: fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: fc.constantFrom('retention.ms', 'cleanup.policy', 'nope', 'segment.bytes'), value: fc.oneof(fc.string({ maxLength: 6 }), fc.integer().map(String)) }), { maxLength: 3 })),
    }, { requiredKeys: [] })
    await fc.assert(fc.asyncProperty(create, async b => {
      const res = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: b, headers: { 'content-type': 'application/json' } })
      checkErrorShape(res.status, res.body, res.text)
    }), { numRuns: 100 })
    const alter = fc.array(fc.record({ name: fc.constantFrom('retention.ms', 'cleanup.policy', 'max.message.bytes', 'bogus'), value: fc.oneof(fc.string({ maxLength: 6 }), fc.integer().map(String), fc.constant(null)), operation: fc.constantFrom('SET', 'DELETE', 'set') }), { maxLength: 3 })
    await fc.assert(fc.asyncProperty(alter, async data => {
      const res = await h.call('POST', `/v3/clusters/${cid}/topics/fuzz/configs:alter`, { body: { data }, headers: { 'content-type': 'application/json' } })
      checkErrorShape(res.status, res.body, res.text)
    }), { numRuns: 100 })
  })
})
