/**
 * Near-valid fuzzing: requests that get past content-type and schema checks (one field hostile at a time), so the
 * fuzzing reaches produce, the consumer-instance lifecycle (create, subscribe/assign, seek, fetch, commit, delete)
 * and schema registration. Same expectation as everywhere: no 5xx, errors as {error_code, message}.
 */
import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fuzzReport, fuzzRuns, sendAndCheck, startFuzzServer } from './fuzz-harness.js'
import type { FuzzReply, FuzzRequest, FuzzServer } from './fuzz-harness.js'
import { ACCEPTS, RawNumber, anyJson, encodeComponent, hostileJsonNumber, hostileName, hostileNumberText, toJsonText } from './arbitraries.js'
import type { FuzzJson } from './arbitraries.js'

const RUNS = fuzzRuns(400)
const V2 = 'application/vnd.kafka.v2+json'
const SR = 'application/vnd.schemaregistry.v1+json'

let server: FuzzServer
let clusterId: string
const rejections: unknown[] = []
const onRejection = (reason: unknown): void => { rejections.push(reason) }

beforeAll(async () => {
  process.on('unhandledRejection', onRejection)
  server = await startFuzzServer()
  clusterId = server.gateway.backend.metadata.clusterId
  for (const [name, partitions] of [['flow-a', 3], ['flow-b', 1]] as const) {
    const r = await server.send({ method: 'POST', path: `/v3/clusters/${clusterId}/topics`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic_name: name, partitions_count: partitions }) })
    expect(r?.status).toBe(201)
  }
})

afterAll(async () => {
  process.off('unhandledRejection', onRejection)
  await server?.close()
  // eslint-disable-next-line no-console
  console.info(fuzzReport(server, 'fuzz flows', RUNS))
})

async function assertHealthy (): Promise<void> {
  const r = await server.send({ method: 'GET', path: '/v3/clusters' })
  expect(r?.status).toBe(200)
  expect(await server.outsideFiles()).toEqual([])
  expect(rejections).toEqual([])
}

/** Mostly a valid value, sometimes a hostile one. */
function mostly<T extends FuzzJson> (valid: Arbitrary<T>, hostile: Arbitrary<FuzzJson> = fc.oneof(hostileJsonNumber, anyJson)): Arbitrary<FuzzJson> {
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: hostile })
}

// 'aaa…' topic names meet backtracking topic_patterns such as (a+)+b: a ReDoS shows as a test that never ends
const topic = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('flow-a', 'flow-b') }, { weight: 1, arbitrary: fc.constantFrom('flow-missing', '__consumer_offsets', '_schemas', 'a'.repeat(40), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') }, { weight: 1, arbitrary: hostileName })
const partition = mostly(fc.nat({ max: 3 }))
const offset = mostly(fc.nat({ max: 50 }))
const b64 = fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 64 }).map(a => Buffer.from(a).toString('base64')) }, { weight: 1, arbitrary: fc.constantFrom('!!!', '====', 'a', 'YQ', '\u0000', '😀') })

const binaryRecord = fc.record({
  key: fc.option(b64, { nil: null }), value: fc.option(b64, { nil: null }),
  partition: fc.option(partition, { nil: undefined }),
  timestamp: fc.option(mostly(fc.nat({ max: 2 ** 41 }), fc.oneof(hostileJsonNumber, fc.string({ maxLength: 30 }))), { nil: undefined }),
  headers: fc.option(fc.array(fc.record({ name: mostly(fc.string({ maxLength: 10 })), value: fc.option(b64, { nil: null }) }), { maxLength: 3 }), { nil: undefined }),
}, { requiredKeys: [] })
const jsonRecord = fc.record({ key: fc.option(anyJson, { nil: undefined }), value: anyJson, partition: fc.option(partition, { nil: undefined }) }, { requiredKeys: ['value'] })

function clean (o: Record<string, FuzzJson | undefined>): FuzzJson {
  const out: Record<string, FuzzJson> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

const produceReq: Arbitrary<FuzzRequest> = fc.oneof(
  fc.tuple(topic, fc.option(partition, { nil: undefined }), fc.array(binaryRecord, { minLength: 1, maxLength: 8 })).map(([t, p, records]) => ({
    method: 'POST', path: p === undefined ? `/topics/${encodeComponent(String(t))}` : `/topics/${encodeComponent(String(t))}/partitions/${toJsonText(p)}`,
    headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' }, body: toJsonText({ records: records.map(r => clean(r)) }),
  })),
  fc.tuple(topic, fc.array(jsonRecord, { minLength: 1, maxLength: 8 })).map(([t, records]) => ({
    method: 'POST', path: `/topics/${encodeComponent(String(t))}`,
    headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: toJsonText({ records: records.map(r => clean(r)) }),
  })),
  fc.tuple(topic, fc.option(partition, { nil: undefined }), fc.option(fc.constantFrom('BINARY', 'JSON', 'STRING'), { nil: undefined }), anyJson).map(([t, p, type, data]) => ({
    method: 'POST', path: `/v3/clusters/${clusterId}/topics/${encodeComponent(String(t))}/records`,
    headers: { 'content-type': 'application/json' },
    body: toJsonText(clean({ partition_id: p, value: type === undefined ? data : { type, data: type === 'BINARY' ? Buffer.from(toJsonText(data)).toString('base64') : data } })),
  })),
)

/** One step of a consumer instance's life, on instance `fz-<n>` of group `fzg-<g>`. */
const consumerStep: Arbitrary<(inst: string, group: string) => FuzzRequest> = fc.oneof(
  fc.record({ format: mostly(fc.constantFrom('binary', 'json')), reset: mostly(fc.constantFrom('earliest', 'latest')), timeout: fc.option(mostly(fc.nat({ max: 50 })), { nil: undefined }), minBytes: fc.option(mostly(fc.nat({ max: 10 })), { nil: undefined }) })
    .map(c => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}`, headers: { 'content-type': V2 }, body: toJsonText(clean({ name: inst, format: c.format, 'auto.offset.reset': c.reset, 'consumer.request.timeout.ms': c.timeout, 'fetch.min.bytes': c.minBytes })) })),
  fc.oneof(fc.array(topic, { minLength: 1, maxLength: 3 }).map(ts => ({ topics: ts as FuzzJson })), fc.constantFrom('flow-.*', '.*', '(', 'flow-[ab]', '(a|a)*b', '(a+)+b', '(a*)*$', '.*.*.*.*.*.*x', 'a{1,100}a{1,100}a{1,100}b', '(a)\\1').map(p => ({ topic_pattern: p as FuzzJson })))
    .map(body => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}/instances/${inst}/subscription`, headers: { 'content-type': V2 }, body: toJsonText(body) })),
  fc.array(fc.record({ topic, partition }), { maxLength: 3 })
    .map(ps => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}/instances/${inst}/assignments`, headers: { 'content-type': V2 }, body: toJsonText({ partitions: ps }) })),
  fc.array(fc.record({ topic, partition, offset }), { maxLength: 3 })
    .map(os => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}/instances/${inst}/positions`, headers: { 'content-type': V2 }, body: toJsonText({ offsets: os }) })),
  fc.tuple(fc.constantFrom('beginning', 'end'), fc.array(fc.record({ topic, partition }), { maxLength: 3 }))
    .map(([where, ps]) => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}/instances/${inst}/positions/${where}`, headers: { 'content-type': V2 }, body: toJsonText({ partitions: ps }) })),
  fc.tuple(fc.option(hostileNumberText, { nil: undefined }), fc.option(hostileNumberText, { nil: undefined }), fc.constantFrom(...ACCEPTS))
    .map(([timeout, maxBytes, accept]) => (inst: string, group: string) => {
      const q = [timeout === undefined ? '' : `timeout=${encodeComponent(timeout)}`, maxBytes === undefined ? '' : `max_bytes=${encodeComponent(maxBytes)}`].filter(x => x !== '').join('&')
      const headers: Record<string, string> = {}
      if (accept !== undefined) headers.accept = accept
      return { method: 'GET', path: `/consumers/${group}/instances/${inst}/records${q === '' ? '' : '?' + q}`, headers }
    }),
  fc.option(fc.array(fc.record({ topic, partition, offset, metadata: mostly(fc.string({ maxLength: 20 })) }), { maxLength: 3 }), { nil: undefined })
    .map(os => (inst: string, group: string) => ({ method: 'POST', path: `/consumers/${group}/instances/${inst}/offsets`, headers: { 'content-type': V2 }, body: os === undefined ? undefined : toJsonText({ offsets: os }) })),
  fc.array(fc.record({ topic, partition }), { maxLength: 3 })
    .map(ps => (inst: string, group: string) => ({ method: 'GET', path: `/consumers/${group}/instances/${inst}/offsets`, headers: { 'content-type': V2 }, body: toJsonText({ partitions: ps }) })),
  fc.constantFrom('subscription', 'assignments').map(what => (inst: string, group: string) => ({ method: 'GET', path: `/consumers/${group}/instances/${inst}/${what}` })),
  fc.constant((inst: string, group: string) => ({ method: 'DELETE', path: `/consumers/${group}/instances/${inst}/subscription`, headers: { 'content-type': V2 } })),
  fc.constant((inst: string, group: string) => ({ method: 'DELETE', path: `/consumers/${group}/instances/${inst}`, headers: { 'content-type': V2 } })),
  fc.constantFrom('', '/consumers', '/lags', '/lag-summary').map(sub => (_inst: string, group: string) => ({ method: 'GET', path: `/v3/clusters/${clusterId}/consumer-groups/${group}${sub}` })),
)

/** Avro and JSON schemas from a small grammar, some of them broken. */
const avroType: Arbitrary<FuzzJson> = fc.letrec<{ t: FuzzJson }>(tie => ({
  t: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string', 'nosuchtype'),
    fc.record({ type: fc.constant('array'), items: tie('t') }),
    fc.record({ type: fc.constant('map'), values: tie('t') }),
    fc.record({ type: fc.constant('enum'), name: fc.constantFrom('E', 'e1', '1bad'), symbols: fc.array(fc.constantFrom('A', 'B', 'C', 'A', ''), { maxLength: 3 }) }),
    fc.record({ type: fc.constant('fixed'), name: fc.constantFrom('F', 'G'), size: mostly(fc.nat({ max: 16 })) }),
    fc.record({ type: fc.constant('record'), name: fc.constantFrom('R', 'S', 'com.x.R', ''), fields: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'a'), type: tie('t'), default: fc.option(anyJson, { nil: undefined }) }, { requiredKeys: ['name', 'type'] }), { maxLength: 3 }) }),
    fc.array(tie('t'), { maxLength: 3 }),
  ),
})).t
const jsonSchema: Arbitrary<FuzzJson> = fc.letrec<{ s: FuzzJson }>(tie => ({
  s: fc.oneof(
    { depthSize: 'small' },
    fc.record({ type: fc.constantFrom('string', 'integer', 'number', 'boolean', 'null', 'bogus') }),
    fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.constantFrom('a', 'b'), tie('s'), { maxKeys: 2 }), additionalProperties: fc.boolean(), required: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 2 }) }),
    fc.record({ type: fc.constant('array'), items: tie('s') }),
    fc.constantFrom<FuzzJson>({ $ref: '#' }, { $ref: 'http://example.com/x.json' }, { $ref: '#/definitions/missing' }, { pattern: '(a+)+$' }, { minimum: new RawNumber('1e999') }, true, false),
  ),
})).s

const registryReq: Arbitrary<FuzzRequest> = fc.tuple(
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom('flow-a-value', 'flow-a-key', 'flow-b-value', 'subj') }, { weight: 1, arbitrary: hostileName }),
  fc.oneof(avroType.map(t => ({ schema: toJsonText(t) })), jsonSchema.map(s => ({ schema: toJsonText(s), schemaType: 'JSON' }))),
  fc.constantFrom('register', 'lookup', 'compat', 'compat-latest', 'get-version', 'delete-version', 'delete-subject'),
  mostly(fc.constantFrom('1', '2', '3', 'latest', '-1')),
  fc.boolean(),
).map(([subject, body, op, version, registryPort]): FuzzRequest => {
  const s = encodeComponent(subject)
  const v = encodeComponent(typeof version === 'string' ? version : toJsonText(version))
  const json = { 'content-type': SR }
  switch (op) {
    case 'register': return { method: 'POST', path: `/subjects/${s}/versions`, headers: json, body: JSON.stringify(body), registryPort }
    case 'lookup': return { method: 'POST', path: `/subjects/${s}`, headers: json, body: JSON.stringify(body), registryPort }
    case 'compat': return { method: 'POST', path: `/compatibility/subjects/${s}/versions/${v}?verbose=true`, headers: json, body: JSON.stringify(body), registryPort }
    case 'compat-latest': return { method: 'POST', path: `/compatibility/subjects/${s}/versions`, headers: json, body: JSON.stringify(body), registryPort }
    case 'get-version': return { method: 'GET', path: `/subjects/${s}/versions/${v}`, registryPort }
    case 'delete-version': return { method: 'DELETE', path: `/subjects/${s}/versions/${v}?permanent=${String(registryPort)}`, registryPort }
    default: return { method: 'DELETE', path: `/subjects/${s}`, registryPort }
  }
})

/** A v3 streaming produce body: concatenated records (some broken), cut into arbitrary chunks. */
const streamBody: Arbitrary<Buffer[]> = fc.tuple(
  fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.record({ value: fc.record({ type: fc.constantFrom('STRING', 'JSON', 'BINARY'), data: fc.string({ maxLength: 30 }) }), partition_id: fc.option(partition, { nil: undefined }) }).map(r => toJsonText(clean(r))) },
    { weight: 1, arbitrary: anyJson.map(toJsonText) },
    { weight: 1, arbitrary: fc.constantFrom('{', '}', '{"value":', '[', 'null', '"x"', '{"value":{"type":"BINARY","data":"!!"}}', '\u0000', ' \n ') },
  ), { minLength: 1, maxLength: 12 }),
  fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
).map(([records, cuts]) => {
  const all = Buffer.from(records.join(''), 'utf8')
  const chunks: Buffer[] = []
  let at = 0
  for (let i = 0; at < all.length; i++) {
    const n = cuts[i % cuts.length] ?? 8
    chunks.push(all.subarray(at, at + n))
    at += n
  }
  return chunks
})

const DEEP_KINDS = ['v2-json', 'v3-json', 'v3-batch-json', 'jsonschema-recursive', 'avro-recursive', 'registry-avro', 'registry-json', 'consume-json', 'consume-jsonschema', 'consume-avro'] as const
type DeepKind = (typeof DEEP_KINDS)[number]
const RECURSIVE_JSON = JSON.stringify({ type: 'array', items: { $ref: '#' } })
const RECURSIVE_AVRO = JSON.stringify({ type: 'record', name: 'N', fields: [{ name: 'next', type: ['null', 'N'] }] })

/** Requests with data or schemas nested `depth` levels deep (built as text: JSON.stringify itself would overflow). */
async function deepRequests (kind: DeepKind, depth: number, run: number): Promise<FuzzRequest[]> {
  const arr = '['.repeat(depth) + ']'.repeat(depth)
  const json = { 'content-type': 'application/json' }
  const sr = { 'content-type': SR }
  switch (kind) {
    case 'v2-json': return [{ method: 'POST', path: '/topics/flow-deep', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: `{"records":[{"value":${arr}}]}` }]
    case 'v3-json': return [{ method: 'POST', path: `/v3/clusters/${clusterId}/topics/flow-deep/records`, headers: json, body: `{"value":{"type":"JSON","data":${arr}}}` }]
    case 'v3-batch-json': return [{ method: 'POST', path: `/v3/clusters/${clusterId}/topics/flow-deep/records:batch`, headers: json, body: `{"entries":[{"id":"a","value":{"type":"JSON","data":${arr}}}]}` }]
    case 'jsonschema-recursive': return [{ method: 'POST', path: '/topics/flow-deep-js', headers: { 'content-type': 'application/vnd.kafka.jsonschema.v2+json' }, body: `{"value_schema":${JSON.stringify(RECURSIVE_JSON)},"records":[{"value":${arr}}]}` }]
    case 'avro-recursive': return [{ method: 'POST', path: '/topics/flow-deep-avro', headers: { 'content-type': 'application/vnd.kafka.avro.v2+json' }, body: `{"value_schema":${JSON.stringify(RECURSIVE_AVRO)},"records":[{"value":${'{"next":{"N":'.repeat(depth)}{"next":null}${'}}'.repeat(depth)}}]}` }]
    case 'registry-avro': return [{ method: 'POST', path: '/subjects/flow-deep-schema/versions', headers: sr, body: JSON.stringify({ schema: '{"type":"array","items":'.repeat(depth) + '"string"' + '}'.repeat(depth) }) }]
    case 'registry-json': return [{ method: 'POST', path: '/subjects/flow-deep-schema-js/versions', headers: sr, body: JSON.stringify({ schema: '{"type":"array","items":'.repeat(depth) + '{}' + '}'.repeat(depth), schemaType: 'JSON' }) }]
    default: {
      // a record written as bytes (Confluent wire format where the format needs it), read back by a consumer of that format
      const format = kind === 'consume-json' ? 'json' : kind === 'consume-jsonschema' ? 'jsonschema' : 'avro'
      let payload = Buffer.from(arr)
      if (format !== 'json') {
        const subject = format === 'avro' ? 'flow-deep-wire-avro-value' : 'flow-deep-wire-js-value'
        const schema = format === 'avro' ? { schema: RECURSIVE_AVRO } : { schema: RECURSIVE_JSON, schemaType: 'JSON' }
        const reg = await server.send({ method: 'POST', path: `/subjects/${subject}/versions`, headers: sr, body: JSON.stringify(schema) })
        const id = (JSON.parse(reg?.text ?? '{}') as { id?: number }).id ?? 1
        const header = Buffer.alloc(5)
        header.writeUInt32BE(id, 1)
        payload = Buffer.concat([header, format === 'avro' ? Buffer.concat([Buffer.alloc(depth, 2), Buffer.from([0])]) : payload])
      }
      const topicName = `flow-deep-wire-${run}`
      const group = `flow-deep-${run}`
      return [
        { method: 'POST', path: `/topics/${topicName}`, headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' }, body: JSON.stringify({ records: [{ value: payload.toString('base64') }] }) },
        { method: 'POST', path: `/consumers/${group}`, headers: { 'content-type': V2 }, body: JSON.stringify({ name: 'c', format, 'auto.offset.reset': 'earliest', 'consumer.request.timeout.ms': 200 }) },
        { method: 'POST', path: `/consumers/${group}/instances/c/subscription`, headers: { 'content-type': V2 }, body: JSON.stringify({ topics: [topicName] }) },
        { method: 'GET', path: `/consumers/${group}/instances/c/records`, headers: { accept: `application/vnd.kafka.${format}.v2+json` } },
        { method: 'DELETE', path: `/consumers/${group}/instances/c`, headers: { 'content-type': V2 } },
        { method: 'DELETE', path: `/v3/clusters/${clusterId}/topics/${topicName}` },
      ]
    }
  }
}

describe('fuzz: near-valid flows', () => {
  it('data and schemas nested up to 200000 levels deep (produce, registry, consume in every format) never answer 5xx', async () => {
    let run = 0
    await fc.assert(fc.asyncProperty(fc.constantFrom(...DEEP_KINDS), fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 300, max: 200_000 })), async (kind, depth) => {
      for (const req of await deepRequests(kind, depth, run++)) await sendAndCheck(server, req)
    }), { numRuns: Math.ceil(RUNS / 8) })
    await assertHealthy()
  })

  it('v3 streaming produce with concatenated, broken and split records answers per-record reports, never a server error', async () => {
    await fc.assert(fc.asyncProperty(streamBody, topic, async (chunks, t) => {
      await sendAndCheck(server, { method: 'POST', path: `/v3/clusters/${clusterId}/topics/${encodeComponent(String(t))}/records`, headers: { 'content-type': 'application/json' }, body: chunks })
    }), { numRuns: Math.ceil(RUNS / 2) })
    await assertHealthy()
  })

  it('produce with near-valid records (binary, json, v3) never answers 5xx', async () => {
    let ok = 0
    await fc.assert(fc.asyncProperty(produceReq, async req => {
      const r = await sendAndCheck(server, req)
      if (r !== undefined && r.status === 200) ok++
    }), { numRuns: RUNS })
    expect(ok).toBeGreaterThan(0)
    await assertHealthy()
  })

  it('consumer instance lifecycles with hostile steps never answer 5xx', async () => {
    let n = 0
    await fc.assert(fc.asyncProperty(fc.array(consumerStep, { minLength: 1, maxLength: 8 }), fc.nat({ max: 3 }), async (steps, g) => {
      const inst = `fz-${n++}`
      const group = `fzg-${g}`
      const replies: FuzzReply[] = []
      // every life starts with a valid create, so the steps act on a real instance
      const created = await sendAndCheck(server, { method: 'POST', path: `/consumers/${group}`, headers: { 'content-type': V2 }, body: JSON.stringify({ name: inst, format: 'binary', 'auto.offset.reset': 'earliest', 'consumer.request.timeout.ms': 10 }) })
      expect(created?.status).toBe(200)
      for (const step of steps) {
        const r = await sendAndCheck(server, step(inst, group))
        if (r !== undefined) replies.push(r)
      }
      await server.send({ method: 'DELETE', path: `/consumers/${group}/instances/${inst}`, headers: { 'content-type': V2 } })
    }), { numRuns: Math.ceil(RUNS / 4) })
    await assertHealthy()
  })

  it('schema registration, lookup and compatibility with generated and broken schemas never answer 5xx', async () => {
    for (const registryPort of [false, true]) {
      await server.send({ method: 'PUT', path: '/mode', headers: { 'content-type': SR }, body: '{"mode":"READWRITE"}', registryPort })
    }
    await fc.assert(fc.asyncProperty(registryReq, async req => { await sendAndCheck(server, req) }), { numRuns: RUNS })
    await assertHealthy()
  })

  it('many requests at once (produce, fetch, registry) never answer 5xx or reject unhandled', async () => {
    const mixed = fc.oneof(produceReq, registryReq, consumerStep.map(step => step('fz-shared', 'fzg-shared')))
    await server.send({ method: 'POST', path: '/consumers/fzg-shared', headers: { 'content-type': V2 }, body: JSON.stringify({ name: 'fz-shared', format: 'binary', 'consumer.request.timeout.ms': 10 }) })
    await fc.assert(fc.asyncProperty(fc.array(mixed, { minLength: 2, maxLength: 12 }), async reqs => {
      await Promise.all(reqs.map(req => sendAndCheck(server, req)))
    }), { numRuns: Math.ceil(RUNS / 8) })
    await assertHealthy()
  })
})
