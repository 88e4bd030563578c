/**
 * The configuration's JSON Schema, generated from the settings table (`scripts/config-docs.ts` writes it to
 * `schemas/config.schema.json`, and the README's configuration table from that file), and the start-up check
 * of a configuration against the committed schema file.
 */
import { readFile } from 'node:fs/promises'
import { Ajv } from 'ajv'
import type { ErrorObject } from 'ajv'
import { KrestError } from '../util/errors.js'
import { envName, settingDefinitions } from './settings.js'
import type { SettingDefinition, SettingName } from './settings.js'

export const CONFIG_SCHEMA_ID = 'https://krest.dev/schemas/config.schema.json'

export interface SettingSchema {
  type: 'integer' | 'string' | 'boolean'
  enum?: readonly string[]
  minimum?: number
  maximum?: number
  default: string | number | boolean
  description: string
  'x-env': string[]
  'x-flag'?: string
  'x-group': string
  'x-sensitive'?: boolean
}

export interface ConfigJsonSchema {
  $schema: string
  $id: string
  title: string
  description: string
  type: 'object'
  additionalProperties: false
  properties: Record<string, SettingSchema>
}

function settingSchema (name: SettingName, def: SettingDefinition): SettingSchema {
  const out: SettingSchema = {
    type: def.type === 'int' ? 'integer' : def.type === 'boolean' ? 'boolean' : 'string',
    default: def.default,
    description: def.doc,
    'x-env': [envName(name), ...(def.envAliases ?? [])],
    'x-group': def.group,
  }
  if (def.type === 'enum') out.enum = def.values
  if (def.type === 'int') {
    if (def.min !== undefined) out.minimum = def.min
    if (def.max !== undefined) out.maximum = def.max
  }
  if (def.flag !== undefined) out['x-flag'] = `--${def.flag}`
  if (def.sensitive === true) out['x-sensitive'] = true
  return out
}

/** The JSON Schema of a complete or partial configuration object (setting name → typed value). */
export function configJsonSchema (): ConfigJsonSchema {
  const properties: Record<string, SettingSchema> = {}
  for (const name of Object.keys(settingDefinitions) as SettingName[]) properties[name] = settingSchema(name, settingDefinitions[name])
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: CONFIG_SCHEMA_ID,
    title: 'krest configuration',
    description: 'Generated from src/config/settings.ts by scripts/config-docs.ts — do not edit. Keys are Kafka / Confluent property names.',
    type: 'object',
    additionalProperties: false,
    properties,
  }
}

/** Path of the committed schema file (works from src/ under tsx and from dist/). */
export const CONFIG_SCHEMA_FILE = new URL('../../schemas/config.schema.json', import.meta.url)

export async function readConfigSchema (): Promise<ConfigJsonSchema> {
  return JSON.parse(await readFile(CONFIG_SCHEMA_FILE, 'utf8')) as ConfigJsonSchema
}

function describeError (e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty ?? '?'
    return `unknown setting ${JSON.stringify(extra)}`
  }
  const setting = e.instancePath.replace(/^\//, '').replace(/~1/g, '/').replace(/~0/g, '~')
  if (e.keyword === 'enum') return `setting ${JSON.stringify(setting)} must be one of ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`
  return `setting ${JSON.stringify(setting)} ${e.message ?? 'is invalid'}`
}

/**
 * A validator for configuration objects against `schema`; throws INVALID_CONFIG naming every offending setting.
 * `where` says what was checked (e.g. "config file krest.json").
 */
export function configValidator (schema: ConfigJsonSchema): (values: Record<string, unknown>, where: string) => void {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const validate = ajv.compile(schema)
  return (values, where) => {
    if (validate(values)) return
    const problems = (validate.errors ?? []).map(describeError)
    throw new KrestError('INVALID_CONFIG', `${where}: ${[...new Set(problems)].join('; ')}`)
  }
}
