/** Human tables (rpk style: upper-case, hyphenated headers, two spaces between columns) and JSON for scripts. */

export type OutputFormat = 'table' | 'json'

export function parseOutputFormat (raw: string | undefined, allowed: readonly string[] = ['table', 'json']): OutputFormat {
  const f = raw ?? 'table'
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}, got ${JSON.stringify(f)}`)
  return f as OutputFormat
}

/** A bad command line (exit code 2). */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function table (headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  const cells = rows.map(r => headers.map((_, i) => { const v = r[i]; return v === null || v === undefined ? '' : String(v) }))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map(r => (r[i] ?? '').length)))
  const line = (r: readonly string[]): string => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(headers), ...cells.map(line)].join('\n') + '\n'
}

export function json (value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}
