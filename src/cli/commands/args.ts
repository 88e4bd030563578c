/** Command-line parsing for the client commands (node:util parseArgs, strict), with the options every command shares. */
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { UsageError } from './output.js'

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

export const COMMON_OPTIONS = {
  url: { type: 'string', short: 'u' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec

export interface Parsed {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>
  positionals: string[]
}

/** `-o -2` → `--offset=-2`: a negative number after a string option is its value, not an option (rpk/kcat offsets). */
function joinNegativeValues (args: readonly string[], options: OptionSpec): string[] {
  const takesValue = new Set<string>()
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue
    takesValue.add(`--${name}`)
    if (o.short !== undefined) takesValue.add(`-${o.short}`)
  }
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ''
    const next = args[i + 1]
    if (takesValue.has(a) && next !== undefined && /^-\d+$/.test(next)) {
      const long = a.startsWith('--') ? a : `--${Object.entries(options).find(([, o]) => `-${o.short ?? ''}` === a)?.[0] ?? ''}`
      out.push(`${long}=${next}`)
      i++
    } else {
      out.push(a)
    }
  }
  return out
}

export function parse (args: readonly string[], options: OptionSpec): Parsed {
  try {
    const all = { ...COMMON_OPTIONS, ...options }
    const { values, positionals } = parseArgs({ args: joinNegativeValues(args, all), options: all, allowPositionals: true, strict: true })
    return { values: values as Parsed['values'], positionals }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function str (p: Parsed, name: string): string | undefined {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}

export function strs (p: Parsed, name: string): string[] {
  const v = p.values[name]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []
}

export function flag (p: Parsed, name: string): boolean {
  return p.values[name] === true
}

export function int (p: Parsed, name: string, min = 0): number | undefined {
  const v = str(p, name)
  if (v === undefined) return undefined
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`)
  return Number(v)
}

/** `--url`, else KREST_URL, else http://localhost:8082 (no trailing slash). */
export function baseUrl (p: Parsed, env: Record<string, string | undefined>): string {
  return (str(p, 'url') ?? env.KREST_URL ?? 'http://localhost:8082').replace(/\/+$/, '')
}

/** `key=value` → [key, value]. */
export function keyValue (raw: string, what: string): [string, string] {
  const i = raw.indexOf('=')
  if (i <= 0) throw new UsageError(`${what} must look like key=value, got ${JSON.stringify(raw)}`)
  return [raw.slice(0, i), raw.slice(i + 1)]
}

export function requirePositional (p: Parsed, index: number, what: string): string {
  const v = p.positionals[index]
  if (v === undefined || v === '') throw new UsageError(`missing ${what}`)
  return v
}
