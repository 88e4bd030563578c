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
import {
  parseCompatibilityLevel, parseMode, parseVersion, type SchemaRegistry, type VersionSelector
} from '../../registry/registry.js'
import { SUPPORTED_SCHEMA_TYPES, type SchemaInput, type SchemaReference, type SchemaVersion, type StoredSchema } from '../../registry/types.js'

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

function bool (v: unknown): boolean {
  return typeof v === 'string' && v.trim().toLowerCase() === 'true'
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

type Query = Record<string, string | undefined>

function page<T> (items: T[], q: Query): T[] {
  const offset = Math.max(0, Number.parseInt(q.offset ?? '0', 10) || 0)
  const limitRaw = Number.parseInt(q.limit ?? '-1', 10)
  const limit = Number.isFinite(limitRaw) && limitRaw > 0 ? limitRaw : undefined
  return items.slice(offset, limit === undefined ? undefined : offset + limit)
}

/** A register/lookup/compatibility body; unknown fields are ignored as Confluent's entities do. */
function schemaBody (body: unknown): SchemaInput {
  if (!isRecord(body)) throw new HttpProblem(422, 422, 'Request body must be a JSON object with a "schema" field')
  const { schema, schemaType, references, id, version } = body
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
  return {
    schema,
    schemaType: typeof schemaType === 'string' ? schemaType : undefined,
    references: refs,
    id: typeof id === 'number' ? id : undefined,
    version: typeof version === 'number' ? version : undefined
  }
}

function versionView (v: SchemaVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id }
  if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
  if (v.references.length > 0) out.references = v.references
  out.schema = v.schema
  return out
}

function schemaView (s: StoredSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (s.schemaType !== 'AVRO') out.schemaType = s.schemaType
  if (s.references.length > 0) out.references = s.references
  out.schema = s.schema
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

// ------------------------------------------------------------------------------------------------ route docs
type ParamName = 'subject' | 'version' | 'id'
type QueryName = 'deleted' | 'deletedOnly' | 'subjectPrefix' | 'offset' | 'limit' | 'permanent' | 'normalize' | 'verbose' | 'defaultToGlobal' | 'force' | 'latestOnly'
interface RouteDoc { params?: ParamName[], query?: QueryName[], body?: Record<string, unknown>, response?: Record<string, unknown> }

const str = (description: string): Record<string, unknown> => ({ type: 'string', description })
const PARAM_DOCS: Record<ParamName, Record<string, unknown>> = {
  subject: str('Subject name (URL-encoded)'),
  version: str('Version: 1..2^31-1, "latest" or -1'),
  id: str('Global schema id')
}
const QUERY_DOCS: Record<QueryName, Record<string, unknown>> = {
  deleted: str('"true" to include soft-deleted entries'),
  deletedOnly: str('"true" to list only soft-deleted entries'),
  subjectPrefix: str('Only subjects starting with this prefix'),
  offset: str('Pagination offset'),
  limit: str('Pagination limit'),
  permanent: str('"true" for a hard delete (after a soft delete)'),
  normalize: str('Accepted and ignored: schemas are always stored in canonical form'),
  verbose: str('"true" to list what is incompatible'),
  defaultToGlobal: str('"true" to answer the effective (global) setting when the subject has none'),
  force: str('"true" to switch to IMPORT even when subjects exist'),
  latestOnly: str('"true" for the latest version of each subject only'),
}
function objectOf (properties: Record<string, unknown>, required?: string[]): Record<string, unknown> {
  return { type: 'object', properties, ...(required === undefined ? {} : { required }) }
}
const ERROR_DOC = objectOf({ error_code: { type: 'integer' }, message: { type: 'string' } }, ['error_code', 'message'])
const REFERENCE_DOC = objectOf({ name: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' } }, ['name', 'subject', 'version'])
const SCHEMA_BODY_DOC = objectOf({
  schema: str('The schema text'),
  schemaType: { type: 'string', enum: ['AVRO', 'JSON'], description: 'Default AVRO' },
  references: { type: 'array', items: REFERENCE_DOC },
  id: { type: 'integer', description: 'IMPORT mode only' },
  version: { type: 'integer', description: 'IMPORT mode only' }
}, ['schema'])
const VERSION_DOC = objectOf({
  subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' }, schemaType: { type: 'string' }, references: { type: 'array', items: REFERENCE_DOC }, schema: { type: 'string' }
}, ['subject', 'version', 'id', 'schema'])
const SCHEMA_DOC = objectOf({ schemaType: { type: 'string' }, references: { type: 'array', items: REFERENCE_DOC }, schema: { type: 'string' } }, ['schema'])
const STRINGS_DOC = { type: 'array', items: { type: 'string' } }
const INTS_DOC = { type: 'array', items: { type: 'integer' } }
const LEVEL_ENUM = { type: 'string', enum: ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] }
const MODE_ENUM = { type: 'string', enum: ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] }
const CONFIG_DOC = objectOf({ compatibilityLevel: LEVEL_ENUM })
const CONFIG_BODY_DOC = objectOf({ compatibility: LEVEL_ENUM }, ['compatibility'])
const MODE_DOC = objectOf({ mode: MODE_ENUM }, ['mode'])
const COMPAT_DOC = objectOf({ is_compatible: { type: 'boolean' }, messages: STRINGS_DOC }, ['is_compatible'])
const ANY_JSON_DOC = { description: 'The schema itself as a JSON document' }

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
    return page(reg.listSchemas({ subjectPrefix: q.subjectPrefix, deleted: bool(q.deleted), latestOnly: bool(q.latestOnly) }), q).map(versionView)
  })

  app.get<{ Params: IdParams, Querystring: Query }>('/schemas/ids/:id', meta('getSchemaById', 'Schema by global id', { params: ['id'], response: SCHEMA_DOC }), async (request) => {
    const s = reg.getSchemaById(schemaIdParam(request.params.id))
    const view = schemaView(s)
    if (request.query.subject !== undefined) {
      const v = reg.versionsForId(s.id, { deleted: true }).find((x) => x.subject === request.query.subject)
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
    return page(reg.listSubjects({ subjectPrefix: q.subjectPrefix, deleted: bool(q.deleted), deletedOnly: bool(q.deletedOnly) }), q)
  })

  app.get<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject/versions', meta('listVersions', 'Versions of a subject', { params: ['subject'], query: ['deleted', 'deletedOnly', 'offset', 'limit'], response: INTS_DOC }), async (request) => {
    const q = request.query
    return page(reg.listVersions(request.params.subject, { deleted: bool(q.deleted), deletedOnly: bool(q.deletedOnly) }), q)
  })

  app.post<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject/versions', meta('register', 'Register a schema under a subject (200 with its id)', { params: ['subject'], query: ['normalize'], body: SCHEMA_BODY_DOC, response: objectOf({ id: { type: 'integer' } }, ['id']) }), async (request) => {
    const result = await reg.register(request.params.subject, schemaBody(request.body))
    return { id: result.id }
  })

  app.post<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject', meta('lookupSchema', 'Is this schema registered under the subject?', { params: ['subject'], query: ['deleted', 'normalize'], body: SCHEMA_BODY_DOC, response: VERSION_DOC }), async (request) => {
    const v = reg.lookup(request.params.subject, schemaBody(request.body), { deleted: bool(request.query.deleted) })
    const out: Record<string, unknown> = { subject: v.subject, id: v.id, version: v.version, schema: v.schema }
    if (v.schemaType !== 'AVRO') out.schemaType = v.schemaType
    if (v.references.length > 0) out.references = v.references
    return out
  })

  app.delete<{ Params: SubjectParams, Querystring: Query }>('/subjects/:subject', meta('deleteSubject', 'Soft or permanently delete a subject', { params: ['subject'], query: ['permanent'], response: INTS_DOC }), async (request) => {
    return await reg.deleteSubject(request.params.subject, { permanent: bool(request.query.permanent) })
  })

  app.get<{ Params: VersionParams, Querystring: Query }>('/subjects/:subject/versions/:version', meta('getVersion', 'A subject-version', { params: ['subject', 'version'], query: ['deleted'], response: VERSION_DOC }), async (request) => {
    const v = reg.getVersion(request.params.subject, parseVersion(request.params.version), { deleted: bool(request.query.deleted) })
    return versionView(v)
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
  const levelFromBody = (body: unknown): ReturnType<typeof parseCompatibilityLevel> => {
    if (!isRecord(body)) throw new HttpProblem(422, 422, 'Request body must be a JSON object with a "compatibility" field')
    return parseCompatibilityLevel(body.compatibility ?? body.compatibilityLevel)
  }

  app.get('/config', meta('getGlobalConfig', 'Global compatibility level', { query: ['defaultToGlobal'], response: CONFIG_DOC }), async () => ({ compatibilityLevel: reg.getGlobalCompatibility() }))
  app.put('/config', meta('setGlobalConfig', 'Set the global compatibility level', { body: CONFIG_BODY_DOC, response: CONFIG_BODY_DOC }), async (request) => {
    const level = levelFromBody(request.body)
    await reg.setCompatibility(null, level)
    return { compatibility: level }
  })
  app.delete('/config', meta('deleteGlobalConfig', 'Reset the global compatibility level', { response: CONFIG_DOC }), async () => ({ compatibilityLevel: await reg.deleteCompatibility(null) }))

  app.get<{ Params: SubjectParams, Querystring: Query }>('/config/:subject', meta('getSubjectConfig', 'Subject compatibility level (40408 if none, unless defaultToGlobal=true)', { params: ['subject'], query: ['defaultToGlobal'], response: CONFIG_DOC }), async (request) => {
    return { compatibilityLevel: reg.getSubjectCompatibility(request.params.subject, bool(request.query.defaultToGlobal)) }
  })
  app.put<{ Params: SubjectParams }>('/config/:subject', meta('setSubjectConfig', 'Set a subject compatibility level', { params: ['subject'], body: CONFIG_BODY_DOC, response: CONFIG_BODY_DOC }), async (request) => {
    const level = levelFromBody(request.body)
    await reg.setCompatibility(request.params.subject, level)
    return { compatibility: level }
  })
  app.delete<{ Params: SubjectParams }>('/config/:subject', meta('deleteSubjectConfig', 'Remove a subject compatibility level', { params: ['subject'], response: CONFIG_DOC }), async (request) => {
    return { compatibilityLevel: await reg.deleteCompatibility(request.params.subject) }
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
  '/subjects/:p/versions/:p/schema', '/subjects/:p/versions/:p/referencedby', '/config', '/config/:p', '/mode', '/mode/:p',
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
