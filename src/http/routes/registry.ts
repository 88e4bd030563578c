/**
 * The Confluent Schema Registry HTTP API as a fastify plugin (served on the main port and on the registry listener).
 *
 * Kept self-contained on purpose: the registry's error codes (40401 subject not found, 42201 invalid schema, …)
 * overlap numerically with the REST proxy's but mean different things, and its content negotiation differs
 * (v1+json > vnd.schemaregistry+json > json, `*` wildcards as the Java client sends). So this plugin has its own
 * content-type parser, Accept negotiation and error mapping, scoped to its encapsulated context.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiPlugin } from '../deps.js'
import { RegistryError, type RegistryErrorCode } from '../../registry/errors.js'
import { registryErrorTable } from '../errors.js'
import { HttpProblem } from '../problem.js'
import type { SchemaRegistry, VersionSelector } from '../../registry/registry.js'
import { protobufSerialized } from '../../registry/protobuf.js'
import { parseCompatibilityLevel, parseMode, parseVersion } from './registry-params.js'
import {
  PARAM_DOCS, QUERY_DOCS, objectOf, ERROR_DOC, SCHEMA_BODY_DOC, VERSION_DOC, REGISTER_DOC, SCHEMA_DOC, STRINGS_DOC, INTS_DOC, CONFIG_DOC, CONFIG_BODY_DOC, MODE_DOC, COMPAT_DOC, ANY_JSON_DOC, type RouteDoc
} from './registry-docs.js'
import { SUPPORTED_SCHEMA_TYPES, type RegistryConfig, type SchemaInput, type SchemaReference, type SchemaVersion, type StoredSchema } from '../../registry/types.js'

export const REGISTRY_V1_JSON = 'application/vnd.schemaregistry.v1+json'
export const REGISTRY_JSON = 'application/vnd.schemaregistry+json'
const OFFERS: ReadonlyArray<[string, number]> = [[REGISTRY_V1_JSON, 1], [REGISTRY_JSON, 0.9], ['application/json', 0.5]]
const REQUEST_TYPES = new Set([REGISTRY_V1_JSON, REGISTRY_JSON, 'application/json', 'application/octet-stream'])

export interface RegistryRoutesOptions {
  registry: SchemaRegistry
  /** Serve `GET /` (answers `{}`); off on a listener where another API owns `/`. */
  root?: boolean
}

/** Registry error → `[status, error_code]` (the registry's own table in `http/errors.ts`, distinct from the REST proxy's). */
export function registryErrorStatus (code: RegistryErrorCode): [number, number] {
  const m = registryErrorTable[code]
  return [m.status, m.errorCode]
}

const HTTP_TEXT: Record<number, string> = {
  400: 'HTTP 400 Bad Request',
  404: 'HTTP 404 Not Found',
  405: 'HTTP 405 Method Not Allowed',
  406: 'HTTP 406 Not Acceptable',
  413: 'HTTP 413 Request Entity Too Large',
  415: 'HTTP 415 Unsupported Media Type',
  500: 'HTTP 500 Internal Server Error'
}

function httpError (status: number, message?: string): HttpProblem {
  return new HttpProblem(status, status, message ?? HTTP_TEXT[status] ?? `HTTP ${status}`)
}

/** Accept negotiation with Confluent's server-side weights; undefined when nothing offered is acceptable. */
export function negotiateRegistryType (accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return REGISTRY_V1_JSON
  let best: { type: string, score: number } | undefined
  for (const part of accept.split(',')) {
    const [rangeRaw, ...params] = part.split(';')
    const range = (rangeRaw ?? '').trim().toLowerCase()
    if (range === '') continue
    let q = 1
    for (const p of params) {
      const [k, v] = p.split('=')
      if (k?.trim() === 'q' && v !== undefined) { const n = Number(v.trim()); if (Number.isFinite(n)) q = n }
    }
    if (q <= 0) continue
    for (const [type, weight] of OFFERS) {
      const [mt, st] = type.split('/')
      const [rt, rs] = range === '*' ? ['*', '*'] : range.split('/')
      const matches = range === type || (rt === '*' && (rs === '*' || rs === undefined)) || (rt === mt && rs === '*') || (rt === '*' && rs === st)
      if (!matches) continue
      const score = q * weight
      if (best === undefined || score > best.score) best = { type, score }
    }
  }
  return best?.type
}

function bool (v: string | string[] | undefined): boolean {
  const s = one(v)
  return typeof s === 'string' && s.trim().toLowerCase() === 'true'
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

type Query = Record<string, string | string[] | undefined>

/** A query parameter given once; the last one when repeated. */
function one (v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v
}
/** A query parameter that may be repeated (`key=a&key=b`). */
function many (v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

function page<T> (items: T[], q: Query): T[] {
  const offset = Math.max(0, Number.parseInt(one(q.offset) ?? '0', 10) || 0)
  const limitRaw = Number.parseInt(one(q.limit) ?? '-1', 10)
  const limit = Number.isFinite(limitRaw) && limitRaw > 0 ? limitRaw : undefined
  return items.slice(offset, limit === undefined ? undefined : offset + limit)
}

/** A register/lookup/compatibility body; unknown fields are ignored as Confluent's entities do. */
function schemaBody (body: unknown): SchemaInput {
  if (!isRecord(body)) throw new HttpProblem(422, 422, 'Request body must be a JSON object with a "schema" field')
  const { schema, schemaType, references, id, version, metadata, ruleSet } = body
  if (schema === undefined || schema === null) throw new HttpProblem(422, 42201, 'Empty schema')
  if (typeof schema !== 'string') throw new HttpProblem(422, 422, 'Field "schema" must be a string')
  if (schemaType !== undefined && schemaType !== null && typeof schemaType !== 'string') throw new HttpProblem(422, 422, 'Field "schemaType" must be a string')
  if (references !== undefined && references !== null && !Array.isArray(references)) throw new HttpProblem(422, 422, 'Field "references" must be an array')
  const refs: SchemaReference[] = []
  for (const r of (references ?? []) as unknown[]) {
    if (!isRecord(r) || typeof r.name !== 'string' || typeof r.subject !== 'string' || typeof r.version !== 'number' || !Number.isInteger(r.version)) {
      throw new HttpProblem(422, 42201, 'Invalid schema: each reference needs a string "name", a string "subject" and an integer "version"')
    }
    refs.push({ name: r.name, subject: r.subject, version: r.version })
  }
  if (id !== undefined && id !== null && (typeof id !== 'number' || !Number.isInteger(id))) throw new HttpProblem(422, 422, 'Field "id" must be an integer')
  if (version !== undefined && version !== null && (typeof version !== 'number' || !Number.isInteger(version))) throw new HttpProblem(422, 422, 'Field "version" must be an integer')
  if (metadata !== undefined && metadata !== null && !isRecord(metadata)) throw new HttpProblem(422, 422, 'Field "metadata" must be an object')
  if (ruleSet !== undefined && ruleSet !== null && !isRecord(ruleSet)) throw new HttpProblem(422, 422, 'Field "ruleSet" must be an object')
  return {
    metadata: isRecord(metadata) ? metadata : undefined,
    ruleSet: isRecord(ruleSet) ? ruleSet : undefined,
    schema,
    schemaType: typeof schemaType === 'string' ? schemaType : undefined,
    references: refs,
    id: typeof id === 'number' ? id : undefined,
    version: typeof version === 'number' ? version : undefined
  }
}

/** Data-contract fields, when the schema has them (Confluent leaves empty ones out). */
function contractView (s: StoredSchema | SchemaVersion, out: Record<string, unknown>): Record<string, unknown> {
  if (s.metadata !== undefined) out.metadata = s.metadata
  if (s.ruleSet !== undefined) out.ruleSet = s.ruleSet
  return out
}

/** The schema text in the `format` asked for: Protobuf's `serialized` (base64 descriptor); otherwise as stored. */
function formatted (s: StoredSchema | SchemaVersion, format: string | undefined): string {
  return s.schemaType === 'PROTOBUF' && format === 'serialized' ? protobufSerialized(s.schema) : s.schema
}

function versionView (v: SchemaVersion, format?: string): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  contractView(v, out)
  out.schema = formatted(v, format)
  return out
}

function schemaView (s: StoredSchema, format?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (s.schemaType !== 'AVRO') out.schemaType = s.schemaType
  if (s.references.length > 0) out.references = s.references
  contractView(s, out)
  out.schema = formatted(s, format)
  return out
}

/** `{compatibilityLevel, normalize?}`, as GET /config answers. */
function configView (c: RegistryConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (c.compatibilityLevel !== undefined) out.compatibilityLevel = c.compatibilityLevel
  if (c.normalize !== undefined) out.normalize = c.normalize
  return out
}

function schemaIdParam (raw: string): number {
  if (!/^\d+$/.test(raw)) throw httpError(404)
  return Number(raw)
}

interface SubjectParams { subject: string }
interface VersionParams { subject: string, version: string }
interface IdParams { id: string }

function parseBody (text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new HttpProblem(400, 400, (err as Error).message)
  }
}


/** Registers the registry routes on `app` (call inside an encapsulated context, e.g. via `app.register`). */
export async function registryRoutes (app: FastifyInstance, opts: RegistryRoutesOptions): Promise<void> {
  const reg = opts.registry

  // Own body parsing: JSON under any of the registry's types (charset tolerated) or no type at all; 415 otherwise.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const ct = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (ct !== '' && !REQUEST_TYPES.has(ct)) { done(httpError(415), undefined); return }
    try {
      done(null, parseBody(typeof body === 'string' ? body : body.toString('utf8')))
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    const chosen = negotiateRegistryType(request.headers.accept)
    if (chosen === undefined) {
      reply.type(REGISTRY_V1_JSON)
      throw httpError(406)
    }
    reply.type(chosen)
  })

  app.setErrorHandler((err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    let status: number
    let body: { error_code: number, message: string }
    if (err instanceof RegistryError) {
      const [s, code] = registryErrorStatus(err.code)
      status = s
      body = { error_code: code, message: err.message }
    } else if (err instanceof HttpProblem) {
      status = err.statusCode
      body = { error_code: err.errorCode, message: err.message }
    } else {
      const fe = err as FastifyError
      const s = typeof fe.statusCode === 'number' ? fe.statusCode : 500
      if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') status = 415
      else status = s
      body = status >= 500
        ? { error_code: 500, message: HTTP_TEXT[500] ?? 'Internal Server Error' }
        : { error_code: status, message: status === 415 ? (HTTP_TEXT[415] ?? '') : fe.message }
    }
    if (status >= 500) request.log.error({ err }, 'registry request failed')
    if (reply.getHeader('content-type') === undefined) reply.type(REGISTRY_V1_JSON)
    return reply.code(status).serializer(JSON.stringify).send(body)
  })

  // Route schemas document the API (OpenAPI); parsing and validation stay in this plugin so that errors carry the
  // registry's codes (e.g. 42201 for a bad body) and responses are sent as built, never filtered by a serializer.
  app.setValidatorCompiler(() => () => true)
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  const meta = (operationId: string, summary: string, parts: RouteDoc = {}): { schema: Record<string, unknown> } => ({
    schema: {
      operationId,
      summary,
      tags: ['schema-registry'],
      // also accepted / offered: application/vnd.schemaregistry+json and application/json (listed once to keep the document small)
      consumes: [REGISTRY_V1_JSON],
      produces: [REGISTRY_V1_JSON],
      ...(parts.params === undefined ? {} : { params: objectOf(Object.fromEntries(parts.params.map((p) => [p, PARAM_DOCS[p]])), parts.params) }),
      ...(parts.query === undefined ? {} : { querystring: objectOf(Object.fromEntries(parts.query.map((q) => [q, QUERY_DOCS[q]]))) }),
      ...(parts.body === undefined ? {} : { body: parts.body }),
      response: { 200: parts.response ?? {}, '4xx': ERROR_DOC, '5xx': ERROR_DOC }
    }
  })
  if (opts.root === true) app.get('/', meta('registryRoot', 'No-op; answers {}', { response: objectOf({}) }), async () => ({}))

  app.get('/contexts', meta('listContexts', 'Contexts (only the default context)', { response: STRINGS_DOC }), async () => ['.'])

  // ---------------------------------------------------------------------------------------------- schemas
  app.get('/schemas/types', meta('getSchemaTypes', 'Supported schema types', { response: STRINGS_DOC }), async () => [...SUPPORTED_SCHEMA_TYPES])

  app.get<{ Querystring: Query }>('/schemas', meta('listSchemas', 'Schemas of all subjects', { query: ['subjectPrefix', 'deleted', 'latestOnly', 'offset', 'limit'], response: { type: 'array', items: VERSION_DOC } }), async (request) => {
    const q = request.query
    return page(reg.listSchemas({ subjectPrefix: one(q.subjectPrefix), deleted: bool(q.deleted), latestOnly: bool(q.latestOnly) }), q).map((v) => versionView(v))
  })

  app.get<{ Params: IdParams, Querystring: Query }>('/schemas/ids/:id', meta('getSchemaById', 'Schema by global id', { params: ['id'], query: ['subject', 'format', 'fetchMaxId'], response: SCHEMA_DOC }), async (request) => {
    const s = reg.getSchemaById(schemaIdParam(request.params.id))
    const view = schemaView(s, one(request.query.format))
    const subject = one(request.query.subject)
    if (subject !== undefined) {
      const v = reg.versionsForId(s.id, { deleted: true }).find((x) => x.subject === subject)
      if (v !== undefined) { view.subject = v.subject; view.version = v.version }
    }
    if (bool(request.query.fetchMaxId)) view.maxId = reg.maxSchemaId
    return view
  })

  app.get<{ Params: IdParams }>('/schemas/ids/:id/schema', meta('getSchemaTextById', 'Raw schema by global id', { params: ['id'], response: ANY_JSON_DOC }), async (request, reply) => {
    return await reply.send(reg.getSchemaById(schemaIdParam(request.params.id)).schema)
  })

  app.get<{ Params: IdParams, Querystring: Query }>('/schemas/ids/:id/subjects', meta('getSubjectsById', 'Subjects holding a schema id', { params: ['id'], query: ['deleted', 'offset', 'limit'], response: STRINGS_DOC }), async (request) => {
    return page(reg.subjectsForId(schemaIdParam(request.params.id), { deleted: bool(request.query.deleted) }), request.query)
  })

  app.get<{ Params: IdParams, Querystring: Query }>('/schemas/ids/:id/versions', meta('getVersionsById', 'Subject-versions holding a schema id', { params: ['id'], query: ['deleted', 'offset', 'limit'], response: { type: 'array', items: objectOf({ subject: { type: 'string' }, version: { type: 'integer' } }) } }), async (request) => {
    return page(reg.versionsForId(schemaIdParam(request.params.id), { deleted: bool(request.query.deleted) }), request.query)
  })

  // ---------------------------------------------------------------------------------------------- subjects
  app.get<{ Querystring: Query }>('/subjects', meta('listSubjects', 'Subjects', { query: ['subjectPrefix', 'deleted', 'deletedOnly', 'offset', 'limit'], response: STRINGS_DOC }), async (request) => {
    const q = request.query
    return page(reg.listSubjects({ subjectPrefix: one(q.subjectPrefix), deleted: bool(q.deleted), deletedOnly: bool(q.deletedOnly) }), q)
  })

  app.get<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject/versions', meta('listVersions', 'Versions of a subject', { params: ['subject'], query: ['deleted', 'deletedOnly', 'offset', 'limit'], response: INTS_DOC }), async (request) => {
    const q = request.query
    return page(reg.listVersions(request.params.subject, { deleted: bool(q.deleted), deletedOnly: bool(q.deletedOnly) }), q)
  })

  app.post<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject/versions', meta('register', 'Register a schema under a subject (200 with its id and version)', { params: ['subject'], query: ['normalize'], body: SCHEMA_BODY_DOC, response: REGISTER_DOC }), async (request) => {
    const result = await reg.register(request.params.subject, schemaBody(request.body))
    // Confluent 8.x answers the registered schema with its id and version (older servers: `{id}` only; clients
    // read what they know). `schemaType` is always present there, AVRO included.
    const v = reg.getVersion(request.params.subject, result.version)
    const out: Record<string, unknown> = { id: result.id, version: result.version, schemaType: v.schemaType }
    if (v.references.length > 0) out.references = v.references
    contractView(v, out)
    out.schema = v.schema
    return out
  })

  app.get<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject/metadata', meta('getLatestWithMetadata', 'Newest version whose metadata properties hold every key/value pair given', { params: ['subject'], query: ['key', 'value', 'deleted', 'format'], response: VERSION_DOC }), async (request) => {
    const keys = many(request.query.key)
    const values = many(request.query.value)
    if (keys.length !== values.length) throw new HttpProblem(422, 422, 'Query parameters "key" and "value" must come in pairs')
    const properties = Object.fromEntries(keys.map((k, i) => [k, values[i] as string]))
    return versionView(reg.latestWithMetadata(request.params.subject, properties, { deleted: bool(request.query.deleted) }), one(request.query.format))
  })

  app.post<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject', meta('lookupSchema', 'Is this schema registered under the subject?', { params: ['subject'], query: ['deleted', 'normalize'], body: SCHEMA_BODY_DOC, response: VERSION_DOC }), async (request) => {
    const v = reg.lookup(request.params.subject, schemaBody(request.body), { deleted: bool(request.query.deleted) })
    const out: Record<string, unknown> = { subject: v.subject, id: v.id, version: v.version, schema: v.schema }
    if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
    if (v.references.length > 0) out.references = v.references
    return contractView(v, out)
  })

  app.delete<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject', meta('deleteSubject', 'Soft or permanently delete a subject', { params: ['subject'], query: ['permanent'], response: INTS_DOC }), async (request) => {
    return await reg.deleteSubject(request.params.subject, { permanent: bool(request.query.permanent) })
  })

  app.get<{ Params: VersionParams, Querystring: Query }>('/subjects/:subject/versions/:version', meta('getVersion', 'A subject-version', { params: ['subject', 'version'], query: ['deleted', 'format'], response: VERSION_DOC }), async (request) => {
    const v = reg.getVersion(request.params.subject, parseVersion(request.params.version), { deleted: bool(request.query.deleted) })
    return versionView(v, one(request.query.format))
  })

  app.get<{ Params: VersionParams, Querystring: Query }>('/subjects/:subject/versions/:version/schema', meta('getVersionSchema', 'Raw schema of a subject-version', { params: ['subject', 'version'], query: ['deleted'], response: ANY_JSON_DOC }), async (request, reply) => {
    const v = reg.getVersion(request.params.subject, parseVersion(request.params.version), { deleted: bool(request.query.deleted) })
    return await reply.send(v.schema)
  })

  app.get<{ Params: VersionParams, Querystring: Query }>('/subjects/:subject/versions/:version/referencedby', meta('getReferencedBy', 'Ids of schemas referencing a subject-version', { params: ['subject', 'version'], query: ['offset', 'limit'], response: INTS_DOC }), async (request) => {
    return page(reg.referencedBy(request.params.subject, parseVersion(request.params.version)), request.query)
  })

  app.delete<{ Params: VersionParams, Querystring: Query }>('/subjects/:subject/versions/:version', meta('deleteVersion', 'Soft or permanently delete a subject-version', { params: ['subject', 'version'], query: ['permanent'], response: { type: 'integer' } }), async (request) => {
    const selector: VersionSelector = parseVersion(request.params.version)
    return await reg.deleteVersion(request.params.subject, selector, { permanent: bool(request.query.permanent) })
  })

  // ---------------------------------------------------------------------------------------------- config
  /** A PUT /config body: `compatibility` (or `compatibilityLevel`) and/or `normalize`; at least one. */
  const configFromBody = (body: unknown): RegistryConfig => {
    if (!isRecord(body)) throw new HttpProblem(422, 422, 'Request body must be a JSON object with a "compatibility" field')
    const config: RegistryConfig = {}
    const level = body.compatibility ?? body.compatibilityLevel
    if (level !== undefined && level !== null) config.compatibilityLevel = parseCompatibilityLevel(level)
    if (body.normalize !== undefined && body.normalize !== null) {
      if (typeof body.normalize !== 'boolean') throw new HttpProblem(422, 422, 'Field "normalize" must be a boolean')
      config.normalize = body.normalize
    }
    if (config.compatibilityLevel === undefined && config.normalize === undefined) parseCompatibilityLevel(undefined) // 42203, as before
    return config
  }
  /** The PUT echo: Confluent answers the request's fields (`compatibility`, `normalize`). */
  const configEcho = (c: RegistryConfig): Record<string, unknown> => ({
    ...(c.compatibilityLevel === undefined ? {} : { compatibility: c.compatibilityLevel }),
    ...(c.normalize === undefined ? {} : { normalize: c.normalize })
  })

  app.get('/config', meta('getGlobalConfig', 'Global configuration (compatibility level, normalize)', { query: ['defaultToGlobal'], response: CONFIG_DOC }), async () => configView(reg.getGlobalConfig()))
  app.put('/config', meta('setGlobalConfig', 'Set the global compatibility level and/or normalize', { body: CONFIG_BODY_DOC, response: CONFIG_BODY_DOC }), async (request) => {
    const update = configFromBody(request.body)
    await reg.setConfig(null, update)
    return configEcho(update)
  })
  app.delete('/config', meta('deleteGlobalConfig', 'Reset the global configuration', { response: CONFIG_DOC }), async () => configView(await reg.deleteCompatibility(null)))

  app.get<{ Params: SubjectParams, Querystring: Query }>('/config/:subject', meta('getSubjectConfig', 'Subject configuration (40408 if none, unless defaultToGlobal=true)', { params: ['subject'], query: ['defaultToGlobal'], response: CONFIG_DOC }), async (request) => {
    return configView(reg.getSubjectConfig(request.params.subject, bool(request.query.defaultToGlobal)))
  })
  app.put<{ Params: SubjectParams }>('/config/:subject', meta('setSubjectConfig', 'Set a subject compatibility level and/or normalize', { params: ['subject'], body: CONFIG_BODY_DOC, response: CONFIG_BODY_DOC }), async (request) => {
    const update = configFromBody(request.body)
    await reg.setConfig(request.params.subject, update)
    return configEcho(update)
  })
  app.delete<{ Params: SubjectParams }>('/config/:subject', meta('deleteSubjectConfig', 'Remove a subject configuration', { params: ['subject'], response: CONFIG_DOC }), async (request) => {
    return configView(await reg.deleteCompatibility(request.params.subject))
  })

  // ---------------------------------------------------------------------------------------------- mode
  const modeFromBody = (body: unknown): ReturnType<typeof parseMode> => {
    if (!isRecord(body)) throw new HttpProblem(422, 422, 'Request body must be a JSON object with a "mode" field')
    return parseMode(body.mode)
  }
  app.get('/mode', meta('getGlobalMode', 'Global mode', { query: ['defaultToGlobal'], response: MODE_DOC }), async () => ({ mode: reg.getGlobalMode() }))
  app.put<{ Querystring: Query }>('/mode', meta('setGlobalMode', 'Set the global mode', { query: ['force'], body: MODE_DOC, response: MODE_DOC }), async (request) => {
    const mode = modeFromBody(request.body)
    await reg.setMode(null, mode, { force: bool(request.query.force) })
    return { mode }
  })
  app.get<{ Params: SubjectParams, Querystring: Query }>('/mode/:subject', meta('getSubjectMode', 'Subject mode (40409 if none, unless defaultToGlobal=true)', { params: ['subject'], query: ['defaultToGlobal'], response: MODE_DOC }), async (request) => {
    return { mode: reg.getSubjectMode(request.params.subject, bool(request.query.defaultToGlobal)) }
  })
  app.put<{ Params: SubjectParams, Querystring: Query }>('/mode/:subject', meta('setSubjectMode', 'Set a subject mode', { params: ['subject'], query: ['force'], body: MODE_DOC, response: MODE_DOC }), async (request) => {
    const mode = modeFromBody(request.body)
    await reg.setMode(request.params.subject, mode, { force: bool(request.query.force) })
    return { mode }
  })
  app.delete<{ Params: SubjectParams }>('/mode/:subject', meta('deleteSubjectMode', 'Remove a subject mode', { params: ['subject'], response: MODE_DOC }), async (request) => {
    return { mode: await reg.deleteMode(request.params.subject) }
  })

  // ---------------------------------------------------------------------------------------------- compatibility
  const compat = (subject: string, selector: VersionSelector | undefined, body: unknown, q: Query): Record<string, unknown> => {
    const verbose = bool(q.verbose)
    const r = reg.testCompatibility(subject, selector, schemaBody(body), { verbose })
    return verbose ? { is_compatible: r.isCompatible, messages: r.messages } : { is_compatible: r.isCompatible }
  }
  app.post<{ Params: VersionParams, Querystring: Query }>('/compatibility/subjects/:subject/versions/:version', meta('testCompatibilityWithVersion', 'Is a schema compatible with one version?', { params: ['subject', 'version'], query: ['verbose', 'normalize'], body: SCHEMA_BODY_DOC, response: COMPAT_DOC }), async (request) => {
    return compat(request.params.subject, parseVersion(request.params.version), request.body, request.query)
  })
  app.post<{ Params: SubjectParams, Querystring: Query }>('/compatibility/subjects/:subject/versions', meta('testCompatibility', 'Is a schema compatible with the subject (as register checks)?', { params: ['subject'], query: ['verbose', 'normalize'], body: SCHEMA_BODY_DOC, response: COMPAT_DOC }), async (request) => {
    return compat(request.params.subject, undefined, request.body, request.query)
  })
}

/** Paths this plugin serves (any method), to tell a wrong method (405) from an unknown path (404). */
const ROUTE_PATTERNS: RegExp[] = [
  '/', '/contexts', '/schemas', '/schemas/types', '/schemas/ids/:p', '/schemas/ids/:p/schema', '/schemas/ids/:p/subjects',
  '/schemas/ids/:p/versions', '/subjects', '/subjects/:p', '/subjects/:p/versions', '/subjects/:p/versions/:p',
  '/subjects/:p/versions/:p/schema', '/subjects/:p/versions/:p/referencedby', '/subjects/:p/metadata', '/config', '/config/:p', '/mode', '/mode/:p',
  '/compatibility/subjects/:p/versions', '/compatibility/subjects/:p/versions/:p'
].map((p) => new RegExp(`^${p.replace(/:p/g, '[^/]+')}/?$`))

/** 404/405 in the registry's shape, for a listener that serves only the registry. */
export function registryNotFoundHandler (request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? ''
  const status = ROUTE_PATTERNS.some((re) => re.test(path)) ? 405 : 404
  void reply.code(status).type(REGISTRY_V1_JSON).send({ error_code: status, message: HTTP_TEXT[status] })
}

/** The registry API as one of the gateway's `apiPlugins` (mounted on the REST port when a registry is configured). */
export const registryApiPlugin: ApiPlugin = {
  name: 'schema-registry',
  async register (app, deps) {
    if (deps.registry === undefined) return
    await registryRoutes(app, { registry: deps.registry, root: false })
  }
}
