/**
 * Every route of the gateway as a template, and an arbitrary of whole requests over them: path params from
 * real fixtures or hostile names and numbers, hostile query values, any content type and Accept, and bodies that
 * are either the route's own shape with mutated fields, any JSON, or broken bytes.
 */
import fc from 'fast-check'
import type { Arbitrary } from 'fast-check'
import {
  ACCEPTS, CONTENT_TYPES, anyJson, brokenBody, encodeComponent, encodeSegment, hostileJsonNumber, hostileName, hostileNumberText,
  mutated, segmentEncoding, toJsonText, RawNumber,
} from './arbitraries.js'
import type { FuzzJson } from './arbitraries.js'
import type { FuzzRequest } from './fuzz-harness.js'

/** Names that exist on the fuzzed server, so requests get past the 404s. */
export interface Fixture {
  clusterId: string
  topic: string
  group: string
  /** A binary-format instance subscribed to `topic`. */
  instance: string
  subject: string
}

interface Route {
  method: string
  /** `{name}` marks a path parameter. */
  path: string
  /** The route's own body shape, when it takes one. */
  body?: Arbitrary<FuzzJson>
  query?: readonly string[]
  registry?: boolean
}

const base64ish: Arbitrary<FuzzJson> = fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 20 }), fc.constant(null))
const num: Arbitrary<FuzzJson> = fc.oneof(fc.nat({ max: 5 }), hostileJsonNumber)
const str: Arbitrary<FuzzJson> = fc.oneof(fc.constantFrom('fuzz', 'fuzz-other'), hostileName, fc.string({ maxLength: 12 }))

const v2Record = mutated({
  key: base64ish, value: fc.oneof(base64ish, anyJson), partition: num, timestamp: fc.oneof(num, fc.string({ maxLength: 30 }), fc.constant('2024-01-01T00:00:00Z')),
  headers: fc.array(mutated({ name: str, value: base64ish }), { maxLength: 3 }),
})
const v2Produce = mutated({
  records: fc.array(v2Record, { maxLength: 5 }),
  key_schema: fc.oneof(fc.constant('"string"'), fc.constant('{"type":"record","name":"r","fields":[]}'), fc.string({ maxLength: 30 })),
  value_schema: fc.oneof(fc.constant('"string"'), fc.constant('{"type":"object"}'), fc.string({ maxLength: 30 })),
  key_schema_id: num, value_schema_id: num,
})
const topicPartition = mutated({ topic: str, partition: num })
const v2Offsets = mutated({ offsets: fc.array(mutated({ topic: str, partition: num, offset: num, metadata: str }), { maxLength: 3 }) })
const v2Partitions = mutated({ partitions: fc.array(topicPartition, { maxLength: 3 }) })
const consumerCreate = mutated({
  name: str, format: fc.constantFrom('binary', 'json', 'avro', 'jsonschema', 'protobuf', 'BINARY', 'xml'),
  'auto.offset.reset': fc.constantFrom('earliest', 'latest', 'smallest', 'largest', 'none', 'bogus'),
  'auto.commit.enable': fc.constantFrom('true', 'false', 'maybe', true, 1), 'fetch.min.bytes': num, 'consumer.request.timeout.ms': num,
})
const subscription = mutated({ topics: fc.array(str, { maxLength: 3 }), topic_pattern: fc.constantFrom('fuzz.*', '(', '[', '.*', '(a+)+$', 'a{999999}') })
const v3Data = mutated({ type: fc.constantFrom('BINARY', 'JSON', 'STRING', 'AVRO', 'JSONSCHEMA', 'PROTOBUF', 'bogus'), data: anyJson, schema_id: num, schema_version: num, subject: str, schema: str, subject_name_strategy: str })
const v3Record = mutated({ partition_id: num, key: v3Data, value: v3Data, timestamp: fc.oneof(num, fc.string({ maxLength: 30 })), headers: fc.array(mutated({ name: str, value: base64ish }), { maxLength: 2 }) })
const v3CreateTopic = mutated({
  topic_name: str, partitions_count: num, replication_factor: num,
  configs: fc.array(mutated({ name: fc.constantFrom('cleanup.policy', 'retention.ms', 'segment.bytes', 'max.message.bytes', 'bogus.config'), value: fc.oneof(str, fc.constant(null), hostileNumberText) }), { maxLength: 3 }),
})
const v3Configs = mutated({ data: fc.array(mutated({ name: fc.constantFrom('cleanup.policy', 'retention.ms', 'segment.bytes', 'bogus'), value: fc.oneof(str, hostileNumberText, fc.constant(null)), operation: fc.constantFrom('SET', 'DELETE', 'APPEND', 'x') }), { maxLength: 3 }) })
const schemaBody = mutated({
  schema: fc.oneof(
    fc.constantFrom('"string"', '{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}', '{"type":"object"}', '{', 'syntax = "proto3";', '{"type":"record"}', '{"$ref":"#"}'),
    fc.string({ maxLength: 40 }),
    anyJson.map(toJsonText),
  ),
  schemaType: fc.constantFrom('AVRO', 'JSON', 'PROTOBUF', 'avro', 'XML'),
  references: fc.array(mutated({ name: str, subject: str, version: num }), { maxLength: 2 }),
})
const compatBody = mutated({ compatibility: fc.constantFrom('NONE', 'BACKWARD', 'FULL_TRANSITIVE', 'bogus', ''), compatibilityLevel: fc.constantFrom('NONE', 'FORWARD', 'x') })
const modeBody = mutated({ mode: fc.constantFrom('READWRITE', 'READONLY', 'IMPORT', 'bogus') })

function withId (r: FuzzJson, id: FuzzJson): FuzzJson {
  return r !== null && typeof r === 'object' && !Array.isArray(r) && !(r instanceof RawNumber) ? { ...r, id } : r
}

const CLUSTER = '/v3/clusters/{cluster}'
const INSTANCE = '/consumers/{group}/instances/{instance}'

export const ROUTES: readonly Route[] = [
  // v2 metadata and produce
  { method: 'GET', path: '/' },
  { method: 'POST', path: '/', body: anyJson },
  { method: 'GET', path: '/topics' },
  { method: 'GET', path: '/topics/{topic}' },
  { method: 'POST', path: '/topics/{topic}', body: v2Produce },
  { method: 'GET', path: '/topics/{topic}/partitions' },
  { method: 'GET', path: '/topics/{topic}/partitions/{partition}' },
  { method: 'POST', path: '/topics/{topic}/partitions/{partition}', body: v2Produce },
  { method: 'GET', path: '/topics/{topic}/partitions/{partition}/offsets' },
  { method: 'GET', path: '/brokers' },
  // v3 admin
  { method: 'GET', path: '/v3/clusters' },
  { method: 'GET', path: CLUSTER },
  { method: 'GET', path: `${CLUSTER}/topics` },
  { method: 'POST', path: `${CLUSTER}/topics`, body: v3CreateTopic },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}` },
  { method: 'PATCH', path: `${CLUSTER}/topics/{topic}`, body: mutated({ partitions_count: num }) },
  { method: 'DELETE', path: `${CLUSTER}/topics/{topic}` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/configs` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/configs/{config}` },
  { method: 'PUT', path: `${CLUSTER}/topics/{topic}/configs/{config}`, body: mutated({ value: fc.oneof(str, hostileNumberText) }) },
  { method: 'DELETE', path: `${CLUSTER}/topics/{topic}/configs/{config}` },
  { method: 'POST', path: `${CLUSTER}/topics/{topic}/configs:alter`, body: v3Configs },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/partitions` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/partitions/{partition}` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/partitions/{partition}/offset` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/partitions/{partition}/replicas` },
  { method: 'GET', path: `${CLUSTER}/topics/{topic}/partitions/{partition}/replicas/{broker}` },
  { method: 'GET', path: `${CLUSTER}/brokers` },
  { method: 'GET', path: `${CLUSTER}/brokers/{broker}` },
  // v3 records
  { method: 'POST', path: `${CLUSTER}/topics/{topic}/records`, body: v3Record },
  { method: 'POST', path: `${CLUSTER}/topics/{topic}/records:batch`, body: mutated({ entries: fc.array(fc.tuple(v3Record, str).map(([r, id]) => withId(r, id)), { maxLength: 3 }) }) },
  // v3 consumer groups
  { method: 'GET', path: `${CLUSTER}/consumer-groups` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/consumers` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/consumers/{instance}` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/consumers/{instance}/assignments` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/consumers/{instance}/assignments/{topic}/partitions/{partition}` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/lags` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/lags/{topic}/partitions/{partition}` },
  { method: 'GET', path: `${CLUSTER}/consumer-groups/{group}/lag-summary` },
  // v2 consumer instances
  { method: 'POST', path: '/consumers/{group}', body: consumerCreate },
  { method: 'DELETE', path: INSTANCE },
  { method: 'POST', path: `${INSTANCE}/subscription`, body: subscription },
  { method: 'GET', path: `${INSTANCE}/subscription` },
  { method: 'DELETE', path: `${INSTANCE}/subscription` },
  { method: 'POST', path: `${INSTANCE}/assignments`, body: v2Partitions },
  { method: 'GET', path: `${INSTANCE}/assignments` },
  { method: 'POST', path: `${INSTANCE}/positions`, body: v2Offsets },
  { method: 'POST', path: `${INSTANCE}/positions/beginning`, body: v2Partitions },
  { method: 'POST', path: `${INSTANCE}/positions/end`, body: v2Partitions },
  { method: 'POST', path: `${INSTANCE}/offsets`, body: v2Offsets },
  { method: 'GET', path: `${INSTANCE}/offsets`, body: v2Partitions },
  { method: 'GET', path: `${INSTANCE}/records`, query: ['timeout', 'max_bytes'] },
  // schema registry (on the REST port and on its own listener)
  ...([false, true] as const).flatMap((registry): Route[] => [
    { method: 'GET', path: '/schemas', registry, query: ['subjectPrefix', 'deleted', 'latestOnly', 'offset', 'limit'] },
    { method: 'GET', path: '/schemas/types', registry },
    { method: 'GET', path: '/schemas/ids/{id}', registry, query: ['subject', 'format', 'fetchMaxId'] },
    { method: 'GET', path: '/schemas/ids/{id}/schema', registry },
    { method: 'GET', path: '/schemas/ids/{id}/subjects', registry, query: ['subject', 'deleted'] },
    { method: 'GET', path: '/schemas/ids/{id}/versions', registry, query: ['subject', 'deleted'] },
    { method: 'GET', path: '/subjects', registry, query: ['subjectPrefix', 'deleted', 'deletedOnly'] },
    { method: 'POST', path: '/subjects/{subject}', registry, body: schemaBody, query: ['normalize', 'deleted'] },
    { method: 'DELETE', path: '/subjects/{subject}', registry, query: ['permanent'] },
    { method: 'GET', path: '/subjects/{subject}/versions', registry, query: ['deleted', 'deletedOnly'] },
    { method: 'POST', path: '/subjects/{subject}/versions', registry, body: schemaBody, query: ['normalize'] },
    { method: 'GET', path: '/subjects/{subject}/versions/{version}', registry, query: ['deleted'] },
    { method: 'DELETE', path: '/subjects/{subject}/versions/{version}', registry, query: ['permanent'] },
    { method: 'GET', path: '/subjects/{subject}/versions/{version}/schema', registry },
    { method: 'GET', path: '/subjects/{subject}/versions/{version}/referencedby', registry },
    { method: 'POST', path: '/compatibility/subjects/{subject}/versions', registry, body: schemaBody, query: ['verbose'] },
    { method: 'POST', path: '/compatibility/subjects/{subject}/versions/{version}', registry, body: schemaBody, query: ['verbose'] },
    { method: 'GET', path: '/config', registry, query: ['defaultToGlobal'] },
    { method: 'PUT', path: '/config', registry, body: compatBody },
    { method: 'GET', path: '/config/{subject}', registry, query: ['defaultToGlobal'] },
    { method: 'PUT', path: '/config/{subject}', registry, body: compatBody },
    { method: 'DELETE', path: '/config/{subject}', registry },
    { method: 'GET', path: '/mode', registry },
    { method: 'PUT', path: '/mode', registry, body: modeBody, query: ['force'] },
    { method: 'GET', path: '/mode/{subject}', registry },
    { method: 'PUT', path: '/mode/{subject}', registry, body: modeBody },
    { method: 'DELETE', path: '/mode/{subject}', registry },
    { method: 'GET', path: '/contexts', registry },
  ]),
  // operations (served once they land; a 404 until then is fine)
  { method: 'GET', path: '/healthy' },
  { method: 'GET', path: '/ready' },
  { method: 'GET', path: '/status/ready' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/openapi.json' },
]

const QUERY_NAMES = ['timeout', 'max_bytes', 'offset', 'count', 'partition', 'deleted', 'permanent', 'normalize', 'verbose', 'format', 'subject', 'limit', 'x']

function paramArb (name: string, fx: Fixture): Arbitrary<string> {
  const hostile = fc.tuple(hostileName, segmentEncoding).map(([n, how]) => encodeSegment(n, how))
  const numeric = fc.tuple(hostileNumberText, segmentEncoding).map(([n, how]) => encodeSegment(n, how))
  const pick = (real: Arbitrary<string>): Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: real }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: numeric })
  switch (name) {
    case 'cluster': return pick(fc.constant(fx.clusterId))
    case 'topic': return pick(fc.constantFrom(fx.topic, 'fuzz-missing'))
    case 'group': return pick(fc.constantFrom(fx.group, 'fuzz-missing-group'))
    case 'instance': return pick(fc.constantFrom(fx.instance, 'missing-instance'))
    case 'subject': return pick(fc.constantFrom(fx.subject, 'fuzz-missing-subject', `${fx.topic}-key`))
    case 'partition': return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('0', '1', '2', '3') }, { weight: 2, arbitrary: numeric })
    case 'version': return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1', '2', 'latest', '-1') }, { weight: 2, arbitrary: numeric })
    case 'id': return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1', '2', '0') }, { weight: 2, arbitrary: numeric })
    case 'broker': return fc.oneof({ weight: 3, arbitrary: fc.constantFrom('0', '1') }, { weight: 2, arbitrary: numeric })
    case 'config': return pick(fc.constantFrom('cleanup.policy', 'retention.ms', 'max.message.bytes', 'no.such.config'))
    default: throw new Error(`no arbitrary for path param ${name}`)
  }
}

function pathArb (route: Route, fx: Fixture): Arbitrary<string> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map(m => m[1] ?? '')
  if (names.length === 0) return fc.constant(route.path)
  return fc.tuple(...names.map(n => paramArb(n, fx))).map(values => {
    let i = 0
    return route.path.replace(/\{(\w+)\}/g, () => values[i++] ?? '')
  })
}

function queryArb (route: Route): Arbitrary<string> {
  const names = [...(route.query ?? []), ...QUERY_NAMES]
  const pair = fc.tuple(fc.constantFrom(...names), fc.oneof(hostileNumberText, hostileName, fc.constantFrom('true', 'false')), fc.boolean())
    .map(([k, v, encode]) => `${k}=${encode ? encodeComponent(v) : v}`)
  return fc.option(fc.array(pair, { minLength: 1, maxLength: 3 }).map(ps => '?' + ps.join('&')), { freq: 2, nil: '' })
}

function bodyArb (route: Route): Arbitrary<string | Buffer | undefined> {
  const own = route.body ?? anyJson
  return fc.oneof(
    { weight: route.body === undefined ? 1 : 6, arbitrary: own.map(toJsonText) },
    { weight: 1, arbitrary: anyJson.map(toJsonText) },
    { weight: 1, arbitrary: brokenBody },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
}

function contentTypeFor (route: Route): Arbitrary<string | undefined> {
  const likely = route.registry === true || route.path.startsWith('/subjects') || route.path.startsWith('/config') || route.path.startsWith('/mode') || route.path.startsWith('/compatibility')
    ? 'application/vnd.schemaregistry.v1+json'
    : route.path.startsWith('/v3') ? 'application/json'
      : route.path.startsWith('/topics') ? 'application/vnd.kafka.binary.v2+json' : 'application/vnd.kafka.v2+json'
  return fc.oneof({ weight: 3, arbitrary: fc.constant(likely) }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) })
}

/** One request on one of `routes` (all routes by default). */
export function requestArb (fx: Fixture, routes: readonly Route[] = ROUTES): Arbitrary<FuzzRequest> {
  return fc.constantFrom(...routes).chain(route => fc.record({
    path: pathArb(route, fx),
    query: queryArb(route),
    contentType: contentTypeFor(route),
    accept: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...ACCEPTS) }),
    body: route.method === 'GET' && route.body === undefined ? fc.option(bodyArb(route), { freq: 6, nil: undefined }) : bodyArb(route),
    method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }),
  }).map(({ path, query, contentType, accept, body, method }): FuzzRequest => {
    const headers: Record<string, string> = {}
    if (contentType !== undefined) headers['content-type'] = contentType
    if (accept !== undefined) headers.accept = accept
    const sendsBody = method !== 'GET' && method !== 'HEAD' ? body : (route.method === 'GET' && route.body !== undefined ? body : undefined)
    return { method, path: path + query, headers, body: sendsBody, registryPort: route.registry === true }
  }))
}

export const routeCount = ROUTES.length
