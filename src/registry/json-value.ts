/** JSON values as schemas see them: the object test and the sorted-key form used for identities. */

export type Json = unknown
export type Obj = Record<string, unknown>

export function isObj (v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Compact JSON with object keys sorted at every level. */
export function sortedJson (v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`
  if (isObj(v)) {
    return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
}

