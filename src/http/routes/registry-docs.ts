/** OpenAPI descriptions of the registry routes' parameters, bodies and responses (documentation only). */

export type ParamName = 'subject' | 'version' | 'id'
export type QueryName = 'deleted' | 'deletedOnly' | 'subjectPrefix' | 'offset' | 'limit' | 'permanent' | 'normalize' | 'verbose' | 'defaultToGlobal' | 'force' | 'latestOnly' | 'key' | 'value' | 'format' | 'subject' | 'fetchMaxId'
export interface RouteDoc { params?: ParamName[], query?: QueryName[], body?: Record<string, unknown>, response?: Record<string, unknown> }

export const str = (description: string): Record<string, unknown> => ({ type: 'string', description })
export const PARAM_DOCS: Record<ParamName, Record<string, unknown>> = {
  subject: str('Subject name (URL-encoded)'),
  version: str('Version: 1..2^31-1, "latest" or -1'),
  id: str('Global schema id')
}
export const QUERY_DOCS: Record<QueryName, Record<string, unknown>> = {
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
  key: str('A metadata property name (repeat with value)'),
  format: str('"serialized": a Protobuf schema as a base64 FileDescriptorProto'),
  subject: str('A subject holding the id: adds its subject and version'),
  fetchMaxId: str('"true" to add maxId, the highest id assigned'),
  value: str('The value of the metadata property named by the key at the same position'),
}
export function objectOf (properties: Record<string, unknown>, required?: string[]): Record<string, unknown> {
  return { type: 'object', properties, ...(required === undefined ? {} : { required }) }
}
export const ERROR_DOC = objectOf({ error_code: { type: 'integer' }, message: { type: 'string' } }, ['error_code', 'message'])
export const REFERENCE_DOC = objectOf({ name: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' } }, ['name', 'subject', 'version'])
export const CONTRACT_DOCS = {
  metadata: { type: 'object', description: 'Data-contract metadata {tags, properties, sensitive}: stored, part of the identity; inherited from the latest version when absent' },
  ruleSet: { type: 'object', description: 'Data-contract rules {migrationRules, domainRules, encodingRules}: stored, part of the identity; inherited when absent' }
}
export const SCHEMA_BODY_DOC = objectOf({
  schema: str('The schema text'),
  schemaType: { type: 'string', enum: ['AVRO', 'JSON', 'PROTOBUF'], description: 'Default AVRO' },
  references: { type: 'array', items: REFERENCE_DOC },
  ...CONTRACT_DOCS,
  id: { type: 'integer', description: 'IMPORT mode only' },
  version: { type: 'integer', description: 'IMPORT mode only' }
}, ['schema'])
export const VERSION_DOC = objectOf({
  subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'integer' }, schemaType: { type: 'string' }, references: { type: 'array', items: REFERENCE_DOC }, ...CONTRACT_DOCS, schema: { type: 'string' }
}, ['subject', 'version', 'id', 'schema'])
export const REGISTER_DOC = objectOf({
  id: { type: 'integer' }, version: { type: 'integer' }, schemaType: { type: 'string' }, references: { type: 'array', items: REFERENCE_DOC }, ...CONTRACT_DOCS, schema: { type: 'string' }
}, ['id', 'version'])
export const SCHEMA_DOC = objectOf({ schemaType: { type: 'string' }, references: { type: 'array', items: REFERENCE_DOC }, ...CONTRACT_DOCS, schema: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' }, maxId: { type: 'integer' } }, ['schema'])
export const STRINGS_DOC = { type: 'array', items: { type: 'string' } }
export const INTS_DOC = { type: 'array', items: { type: 'integer' } }
export const LEVEL_ENUM = { type: 'string', enum: ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] }
export const MODE_ENUM = { type: 'string', enum: ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] }
export const CONFIG_DOC = objectOf({ compatibilityLevel: LEVEL_ENUM, normalize: { type: 'boolean' } })
export const CONFIG_BODY_DOC = objectOf({ compatibility: LEVEL_ENUM, normalize: { type: 'boolean', description: 'Kept and reported; schemas are always stored canonically' } })
export const MODE_DOC = objectOf({ mode: MODE_ENUM }, ['mode'])
export const COMPAT_DOC = objectOf({ is_compatible: { type: 'boolean' }, messages: STRINGS_DOC }, ['is_compatible'])
export const ANY_JSON_DOC = { description: 'The schema itself as a JSON document' }
