import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { KrestError } from '../util/errors.js'
import { configValidator, readConfigSchema } from './schema.js'
import { envName, settingDefinitions } from './settings.js'
import type { KrestConfig, SettingDefinition, SettingName } from './settings.js'

/** Where a raw value came from, for error messages. */
type Source = 'default' | 'file' | 'env' | 'flag' | 'override'

const names = Object.keys(settingDefinitions) as SettingName[]

function definition (name: SettingName): SettingDefinition {
  return settingDefinitions[name]
}

export function isSettingName (name: string): name is SettingName {
  return Object.hasOwn(settingDefinitions, name)
}

function configError (message: string): KrestError {
  return new KrestError('INVALID_CONFIG', message)
}

/** Coerces a raw value (string from env/flags/.properties, or any JSON value) to the setting's type, checking bounds. */
export function parseSettingValue (name: SettingName, raw: unknown, source: Source = 'override'): string | number | boolean {
  const def = definition(name)
  const where = `${name} (from ${source})`
  switch (def.type) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN
      if (!Number.isSafeInteger(n)) throw configError(`${where}: expected an integer, got ${JSON.stringify(raw)}`)
      if (def.min !== undefined && n < def.min) throw configError(`${where}: ${n} is below the minimum ${def.min}`)
      if (def.max !== undefined && n > def.max) throw configError(`${where}: ${n} is above the maximum ${def.max}`)
      return n
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw
      if (typeof raw === 'string') {
        const s = raw.trim().toLowerCase()
        if (s === 'true' || s === '1' || s === 'yes') return true
        if (s === 'false' || s === '0' || s === 'no') return false
      }
      throw configError(`${where}: expected true or false, got ${JSON.stringify(raw)}`)
    }
    case 'enum': {
      const s = typeof raw === 'string' ? raw.trim() : raw
      const match = def.values.find(v => v === s)
      if (match === undefined) throw configError(`${where}: expected one of ${def.values.join(', ')}, got ${JSON.stringify(raw)}`)
      return match
    }
    case 'string': {
      if (typeof raw === 'string') return raw
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw)
      throw configError(`${where}: expected a string, got ${JSON.stringify(raw)}`)
    }
  }
}

/** Parses Java .properties text: `key=value`, `key: value` or `key value`; `#`/`!` comments; `\` line continuations. */
export function parseProperties (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? '').trimStart()
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').trimStart()
    }
    const m = /^((?:[^\\=:\s]|\\.)+)\s*[=:\s]\s*(.*)$/.exec(line)
    const key = (m?.[1] ?? line).replace(/\\(.)/g, '$1')
    out[key] = (m?.[2] ?? '').trimEnd()
  }
  return out
}

/** Reads a config file: `.json` holds an object of setting names to values, anything else is .properties. */
export async function readConfigFile (path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new KrestError('INVALID_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err })
  }
  if (extname(path).toLowerCase() === '.json') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      throw configError(`config file ${path} is not valid JSON: ${(err as Error).message}`)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw configError(`config file ${path} must hold a JSON object`)
    return parsed as Record<string, unknown>
  }
  return parseProperties(text)
}

export interface ParsedArgs {
  /** Settings given as flags, by setting name, as raw strings. */
  flags: Record<string, string>
  configFile: string | undefined
  help: boolean
}

const flagToName = new Map<string, SettingName>(
  names.flatMap(n => {
    const flag = (definition(n) as { flag?: string }).flag
    return flag === undefined ? [] : [[flag, n] as const]
  }),
)

/**
 * Parses `--flag value`, `--flag=value`, `--config <file>`, `--help`, and `--<setting.name>=value` or
 * `-X <setting.name>=value` for any setting.
 */
export function parseArgs (args: readonly string[]): ParsedArgs {
  const result: ParsedArgs = { flags: {}, configFile: undefined, help: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--help' || arg === '-h') { result.help = true; continue }
    if (arg === '-X' || (arg.startsWith('-X') && !arg.startsWith('--'))) {
      // rpk / kcat style: `-X key=value` (or `-Xkey=value`) sets any setting by name.
      const pair = arg === '-X' ? args[++i] : arg.slice(2)
      const eqAt = pair?.indexOf('=') ?? -1
      if (pair === undefined || eqAt <= 0) throw configError(`-X needs key=value, got ${JSON.stringify(pair ?? '')}`)
      const key = pair.slice(0, eqAt)
      if (!isSettingName(key)) throw configError(`unknown setting ${JSON.stringify(key)} (from -X)`)
      result.flags[key] = pair.slice(eqAt + 1)
      continue
    }
    if (!arg.startsWith('--')) throw configError(`unexpected argument ${JSON.stringify(arg)}`)
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1)
    if (value === undefined) {
      const next = args[i + 1]
      if (next === undefined || next.startsWith('--')) throw configError(`flag --${flag} needs a value`)
      value = next
      i++
    }
    if (flag === 'config') { result.configFile = value; continue }
    const name = flagToName.get(flag) ?? (isSettingName(flag) ? flag : undefined)
    if (name === undefined) throw configError(`unknown flag --${flag}`)
    result.flags[name] = value
  }
  return result
}

export interface LoadConfigInput {
  /** Settings from a config file (already read). Unknown names are an error: they are usually typos. */
  file?: Record<string, unknown>
  /** The environment; only `KREST_<NAME>` variables of known settings are read. */
  env?: Record<string, string | undefined>
  /** Settings from flags, by name. */
  flags?: Record<string, string>
  /** Programmatic overrides (tests, embedding); highest precedence. */
  overrides?: Partial<Record<SettingName, unknown>>
  /** Told about settings that are accepted but ignored (e.g. Confluent's *_BOOTSTRAP_SERVERS). */
  warn?: (message: string) => void
}

/** Confluent image variables that mean nothing here (krest is the storage): accepted with one warning. */
const IGNORED_ENV = ['KAFKA_REST_BOOTSTRAP_SERVERS', 'SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS']
/** KREST_* variables that are not settings: the config file and the client commands' targets. */
const CLIENT_ENV = ['KREST_CONFIG', 'KREST_URL', 'KREST_REGISTRY_URL']
/** Confluent properties a drop-in kafka-rest / schema-registry .properties file may hold that mean nothing here. */
const IGNORED_FILE_KEYS = ['bootstrap.servers', 'kafkastore.bootstrap.servers', 'schema.registry.url', 'host.name', 'client.id']

/**
 * A Confluent `.properties` file as krest settings: `listeners` becomes `host`/`port` (unless the file sets them),
 * properties that only make sense with a Kafka cluster are dropped with a warning.
 */
export function fromConfluentProperties (file: Record<string, unknown>, path: string, warn: (message: string) => void): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(file)) {
    if (IGNORED_FILE_KEYS.includes(key)) { warn(`${key} in ${path} is ignored: krest stores topics itself and needs no Kafka cluster`); continue }
    if (key === 'listeners') {
      const l = parseListeners(String(value), `listeners in ${path}`)
      if (file.host === undefined) out.host = l.host
      if (file.port === undefined) out.port = l.port
      continue
    }
    out[key] = value
  }
  return out
}

/** `http://0.0.0.0:8082[,…]` (Confluent's `listeners`) → host and port of the first http listener. */
export function parseListeners (raw: string, variable: string): { host: string, port: number } {
  const first = raw.split(',').map(s => s.trim()).find(s => s !== '')
  let url: URL | undefined
  try { url = first === undefined ? undefined : new URL(first) } catch { url = undefined }
  if (url === undefined || url.protocol !== 'http:' || url.port === '') {
    throw configError(`${variable}: expected a listener URL such as http://0.0.0.0:8082, got ${JSON.stringify(raw)} (krest serves plain http)`)
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
}

/** Environment values by setting: `KREST_<NAME>` first, then Confluent aliases (and their `LISTENERS`). */
function envValues (env: Record<string, string | undefined>, warn: ((message: string) => void) | undefined): Map<SettingName, string | number> {
  const out = new Map<SettingName, string | number>()
  const restListeners = env.KAFKA_REST_LISTENERS
  if (restListeners !== undefined && restListeners.trim() !== '') {
    const l = parseListeners(restListeners, 'KAFKA_REST_LISTENERS')
    out.set('host', l.host)
    out.set('port', l.port)
  }
  const registryListeners = env.SCHEMA_REGISTRY_LISTENERS
  if (registryListeners !== undefined && registryListeners.trim() !== '') {
    out.set('schema.registry.port', parseListeners(registryListeners, 'SCHEMA_REGISTRY_LISTENERS').port)
  }
  for (const name of names) {
    const aliases = (definition(name) as { envAliases?: readonly string[] }).envAliases ?? []
    for (const variable of [...aliases].reverse()) {
      const raw = env[variable]
      if (raw !== undefined) out.set(name, raw)
    }
    const own = env[envName(name)]
    if (own !== undefined) out.set(name, own)
  }
  for (const variable of IGNORED_ENV) {
    if (env[variable] !== undefined) warn?.(`${variable} is ignored: krest stores topics itself and needs no Kafka cluster`)
  }
  const known = new Set([...names.map(envName), ...CLIENT_ENV])
  for (const variable of Object.keys(env)) {
    if (variable.startsWith('KREST_') && !known.has(variable)) warn?.(`environment variable ${variable} names no setting and is ignored`)
  }
  return out
}

/** Resolves the configuration: defaults < config file < `KREST_*` env < flags < overrides. */
export function resolveConfig (input: LoadConfigInput = {}): KrestConfig {
  const values: Record<string, string | number | boolean> = {}
  for (const name of names) values[name] = definition(name).default
  if (input.file !== undefined) {
    for (const [key, raw] of Object.entries(input.file)) {
      if (!isSettingName(key)) throw configError(`unknown setting ${JSON.stringify(key)} in config file`)
      values[key] = parseSettingValue(key, raw, 'file')
    }
  }
  if (input.env !== undefined) {
    for (const [name, raw] of envValues(input.env, input.warn)) values[name] = parseSettingValue(name, raw, 'env')
  }
  for (const [key, raw] of Object.entries(input.flags ?? {})) {
    if (!isSettingName(key)) throw configError(`unknown setting ${JSON.stringify(key)}`)
    values[key] = parseSettingValue(key, raw, 'flag')
  }
  for (const [key, raw] of Object.entries(input.overrides ?? {})) {
    if (!isSettingName(key)) throw configError(`unknown setting ${JSON.stringify(key)}`)
    if (raw !== undefined) values[key] = parseSettingValue(key, raw, 'override')
  }
  const ratio = Number(values['log.cleaner.min.cleanable.ratio'])
  if (!(ratio >= 0 && ratio <= 1)) throw configError('log.cleaner.min.cleanable.ratio must be a number between 0 and 1')
  return Object.freeze(values) as unknown as KrestConfig
}

/** Reads argv (after the sub-command) and the environment into a config: what `krest serve` does. */
export async function loadConfig (args: readonly string[], env: Record<string, string | undefined>): Promise<{ config: KrestConfig, help: boolean, warnings: string[] }> {
  const parsed = parseArgs(args)
  const configFile = parsed.configFile ?? env.KREST_CONFIG
  const warnings: string[] = []
  const warn = (m: string): void => { warnings.push(m) }
  const read = configFile === undefined ? undefined : await readConfigFile(configFile)
  const file = read === undefined || configFile === undefined ? undefined : fromConfluentProperties(read, configFile, warn)
  // Validated against the committed JSON Schema (schemas/config.schema.json): a JSON file must be well typed
  // as written; every source must name only known settings; and the resolved whole must satisfy it too.
  const validate = configValidator(await readConfigSchema())
  if (file !== undefined && configFile !== undefined) {
    if (extname(configFile).toLowerCase() === '.json') {
      validate(file, `config file ${configFile}`)
    } else {
      for (const key of Object.keys(file)) if (!isSettingName(key)) throw configError(`config file ${configFile}: unknown setting ${JSON.stringify(key)}`)
    }
  }
  const config = resolveConfig({ file, env, flags: parsed.flags, warn })
  validate(config as unknown as Record<string, unknown>, 'configuration')
  return { config, help: parsed.help, warnings }
}

/** One line per setting, for `krest serve --help`. */
export function describeSettings (): string {
  return names.map(n => {
    const def = definition(n)
    const flag = (def as { flag?: string }).flag
    return `  ${flag === undefined ? `--${n}` : `--${flag}`}  (${envName(n)}, default ${JSON.stringify(def.default)})\n      ${def.doc}`
  }).join('\n')
}
