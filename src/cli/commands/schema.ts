/** `krest schema register|list|get|check` against the Schema Registry API (`--registry-url`, default: `--url`). */
import { readFile } from 'node:fs/promises'
import { flag, int, parse, requirePositional, str } from './args.js'
import type { Parsed } from './args.js'
import { Client, REGISTRY } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'
import { json, parseOutputFormat, table, UsageError } from './output.js'

export const SCHEMA_USAGE = `krest schema register <subject> --schema FILE [--type AVRO|JSON|PROTOBUF]   prints the schema id
krest schema list [--deleted]                                                 subjects with their latest version and id
krest schema get <subject> [--version N|latest] | krest schema get --id N
krest schema check <subject> --schema FILE [--type T] [--version N|latest]    exit 0 when compatible, 1 when not
    (--registry-url, else KREST_REGISTRY_URL, else --url)`

interface SchemaVersion { subject: string, version: number, id: number, schemaType?: string, schema: string }

const enc = encodeURIComponent

function registryUrl (p: Parsed, env: Record<string, string | undefined>): string {
  return (str(p, 'registry-url') ?? env.KREST_REGISTRY_URL ?? str(p, 'url') ?? env.KREST_URL ?? 'http://localhost:8082').replace(/\/+$/, '')
}

async function schemaBody (p: Parsed): Promise<{ schema: string, schemaType?: string }> {
  const file = str(p, 'schema')
  if (file === undefined) throw new UsageError('missing --schema FILE')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`)
  }
  const type = str(p, 'type')?.toUpperCase()
  if (type !== undefined && !['AVRO', 'JSON', 'PROTOBUF'].includes(type)) throw new UsageError('--type must be AVRO, JSON or PROTOBUF')
  return { schema: text.trim(), ...(type === undefined || type === 'AVRO' ? {} : { schemaType: type }) }
}

function version (p: Parsed): string {
  const v = str(p, 'version') ?? 'latest'
  if (v !== 'latest' && !/^\d+$/.test(v)) throw new UsageError('--version must be a number or latest')
  return v
}

export async function schemaCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, {
    'registry-url': { type: 'string' },
    schema: { type: 'string', short: 's' },
    type: { type: 'string', short: 't' },
    version: { type: 'string', short: 'v' },
    id: { type: 'string' },
    deleted: { type: 'boolean' },
  })
  const verb = p.positionals[0]
  if (flag(p, 'help') || verb === undefined) { await write(io.stdout, SCHEMA_USAGE + '\n'); return flag(p, 'help') ? EXIT.OK : EXIT.USAGE }
  const format = parseOutputFormat(str(p, 'format'))
  const client = new Client(registryUrl(p, io.env))
  const opts = { contentType: REGISTRY, accept: `${REGISTRY}, application/json` }
  try {
    switch (verb) {
      case 'register': {
        const subject = requirePositional(p, 1, 'subject')
        const res = await client.call<{ id: number }>('POST', `/subjects/${enc(subject)}/versions`, { ...opts, body: await schemaBody(p) })
        const latest = await client.call<SchemaVersion>('GET', `/subjects/${enc(subject)}/versions/latest`, opts)
        const out = { subject, id: res.body.id, version: latest.body.version }
        await write(io.stdout, format === 'json' ? json(out) : table(['SUBJECT', 'VERSION', 'ID'], [[out.subject, out.version, out.id]]))
        return EXIT.OK
      }
      case 'list': {
        const subjects = (await client.call<string[]>('GET', `/subjects${flag(p, 'deleted') ? '?deleted=true' : ''}`, opts)).body.sort()
        const rows: Array<{ subject: string, version: number | null, id: number | null, type: string | null }> = []
        for (const subject of subjects) {
          const latest = await client.call<SchemaVersion>('GET', `/subjects/${enc(subject)}/versions/latest`, { ...opts, allow: [404] })
          const v = latest.status === 200 ? latest.body : undefined
          rows.push({ subject, version: v?.version ?? null, id: v?.id ?? null, type: v === undefined ? null : v.schemaType ?? 'AVRO' })
        }
        await write(io.stdout, format === 'json' ? json(rows) : table(['SUBJECT', 'VERSION', 'ID', 'TYPE'], rows.map(r => [r.subject, r.version, r.id, r.type])))
        return EXIT.OK
      }
      case 'get': {
        const id = int(p, 'id', 1)
        let out: { subject: string | null, version: number | null, id: number, type: string, schema: string }
        if (id !== undefined) {
          const res = await client.call<{ schema: string, schemaType?: string }>('GET', `/schemas/ids/${id}`, opts)
          out = { subject: null, version: null, id, type: res.body.schemaType ?? 'AVRO', schema: res.body.schema }
        } else {
          const subject = requirePositional(p, 1, 'subject (or --id)')
          const res = await client.call<SchemaVersion>('GET', `/subjects/${enc(subject)}/versions/${version(p)}`, opts)
          out = { subject: res.body.subject, version: res.body.version, id: res.body.id, type: res.body.schemaType ?? 'AVRO', schema: res.body.schema }
        }
        if (format === 'json') {
          await write(io.stdout, json(out))
        } else {
          let pretty = out.schema
          try { pretty = JSON.stringify(JSON.parse(out.schema), null, 2) } catch { /* not JSON (protobuf) */ }
          await write(io.stdout, table(['SUBJECT', 'VERSION', 'ID', 'TYPE'], [[out.subject ?? '', out.version ?? '', out.id, out.type]]) + '\n' + pretty + '\n')
        }
        return EXIT.OK
      }
      case 'check': {
        const subject = requirePositional(p, 1, 'subject')
        const res = await client.call<{ is_compatible: boolean, messages?: string[] }>('POST', `/compatibility/subjects/${enc(subject)}/versions/${version(p)}?verbose=true`, { ...opts, body: await schemaBody(p) })
        const messages = res.body.messages ?? []
        if (format === 'json') await write(io.stdout, json({ subject, compatible: res.body.is_compatible, messages }))
        else await write(io.stdout, (res.body.is_compatible ? 'compatible\n' : 'NOT compatible\n') + messages.map(m => `  ${m}\n`).join(''))
        return res.body.is_compatible ? EXIT.OK : EXIT.FAILED
      }
      default:
        throw new UsageError(`unknown schema command ${JSON.stringify(verb)} (register, list, get, check)`)
    }
  } finally {
    await client.close()
  }
}
