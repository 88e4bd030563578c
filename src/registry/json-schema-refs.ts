/**
 * JSON Schema `$ref` resolution (local JSON pointers, other documents by reference name or trailing file name), the
 * check that every `$ref` resolves, and the refusal of `$ref` cycles that never descend into the data.
 */
import { isObj, type Json } from './json-value.js'

// ---------------------------------------------------------------------------------------------------------------
// $ref resolution

/** A subschema and the document it lives in (where its own `$ref`s resolve). */
export interface Located { node: Json, root: Json }

function pointer (root: Json, fragment: string): Json | undefined {
  if (fragment === '' || fragment === '/') return root
  if (!fragment.startsWith('/')) return undefined
  let cur: Json = root
  for (const raw of fragment.slice(1).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(cur)) cur = cur[Number(part)]
    else if (isObj(cur)) cur = cur[part]
    else return undefined
    if (cur === undefined) return undefined
  }
  return cur
}

export function resolveRef (ref: string, root: Json, refs: Map<string, unknown>): Located | undefined {
  const hash = ref.indexOf('#')
  const docName = hash < 0 ? ref : ref.slice(0, hash)
  const fragment = hash < 0 ? '' : ref.slice(hash + 1)
  let doc: Json | undefined = root
  if (docName !== '') {
    doc = refs.get(docName) ?? refs.get(ref)
    if (doc === undefined) {
      // match by trailing file name (e.g. "http://x/y/other.json" referenced as "other.json")
      for (const [name, d] of refs) {
        if (docName.endsWith(`/${name}`) || name.endsWith(`/${docName}`)) { doc = d; break }
      }
    }
    if (doc === undefined && isObj(root) && root.$id === docName) doc = root
  }
  if (doc === undefined) return undefined
  const node = pointer(doc, fragment)
  return node === undefined ? undefined : { node, root: doc }
}

export function findUnresolvedRef (node: Json, root: Json, refs: Map<string, unknown>, seen = new Set<unknown>()): string | null {
  if (Array.isArray(node)) {
    for (const n of node) { const r = findUnresolvedRef(n, root, refs, seen); if (r !== null) return r }
    return null
  }
  if (!isObj(node) || seen.has(node)) return null
  seen.add(node)
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, root, refs)
    if (target === undefined) return node.$ref
    if (target.root !== root) { const r = findUnresolvedRef(target.root, target.root, refs, seen); if (r !== null) return r }
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue
    const r = findUnresolvedRef(v, root, refs, seen)
    if (r !== null) return r
  }
  return null
}

/** Keywords whose subschemas apply to the same instance as their parent (no descent into the data). */
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'] as const
const IN_PLACE_SINGLE = ['not', 'if', 'then', 'else'] as const
/** Keywords whose values are data, not subschemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples'])

function inPlaceSubschemas (loc: Located, refs: Map<string, unknown>): Located[] {
  const node = loc.node
  if (!isObj(node)) return []
  const out: Located[] = []
  if (typeof node.$ref === 'string') {
    const target = resolveRef(node.$ref, loc.root, refs)
    if (target !== undefined) out.push(target)
  }
  for (const k of IN_PLACE_LISTS) {
    const list = node[k]
    if (Array.isArray(list)) for (const s of list) out.push({ node: s, root: loc.root })
  }
  for (const k of IN_PLACE_SINGLE) if (node[k] !== undefined) out.push({ node: node[k], root: loc.root })
  for (const k of ['dependentSchemas', 'dependencies']) {
    const map = node[k]
    if (isObj(map)) for (const s of Object.values(map)) if (!Array.isArray(s)) out.push({ node: s, root: loc.root })
  }
  return out
}

/**
 * A cycle of subschemas that all apply to the same value (`{"$ref": "#"}`, two definitions referring to each other,
 * `{"allOf": [{"$ref": "#"}]}`): validation would recurse forever on any value (ajv overflowed the stack and every
 * produce answered 500, issue 13). Returns the `$ref`s along the cycle, or null. A cycle through `properties`,
 * `items` and the like is a recursive type and fine: each step descends into a smaller value.
 */
export function findInPlaceCycle (json: Json, refs: Map<string, unknown>): string | null {
  const state = new Map<unknown, 'open' | 'done'>()
  const starts: Json[] = []
  const todo: Json[] = [json]
  while (todo.length > 0) {
    const v = todo.pop()
    if (Array.isArray(v)) { todo.push(...v); continue }
    if (!isObj(v)) continue
    starts.push(v)
    for (const [k, x] of Object.entries(v)) if (!DATA_KEYWORDS.has(k)) todo.push(x)
  }
  interface Frame { loc: Located, next: Located[] | undefined, i: number }
  for (const start of starts) {
    if (state.has(start)) continue
    state.set(start, 'open')
    const stack: Frame[] = [{ loc: { node: start, root: json }, next: undefined, i: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame
      top.next ??= inPlaceSubschemas(top.loc, refs)
      const child = top.next[top.i++]
      if (child === undefined) { state.set(top.loc.node, 'done'); stack.pop(); continue }
      if (!isObj(child.node)) continue
      const seen = state.get(child.node)
      if (seen === 'open') {
        const from = stack.findIndex((f) => f.loc.node === child.node)
        const trail = stack.slice(from).map((f) => isObj(f.loc.node) && typeof f.loc.node.$ref === 'string' ? `$ref ${f.loc.node.$ref}` : undefined).filter((x) => x !== undefined)
        return trail.length > 0 ? trail.join(' → ') : 'through allOf/anyOf/oneOf/not/if'
      }
      if (seen === undefined) {
        state.set(child.node, 'open')
        stack.push({ loc: child, next: undefined, i: 0 })
      }
    }
  }
  return null
}
