/**
 * `krest consume <topic>`: a v2 consumer instance that prints records as JSON lines with kcat's envelope field
 * names (`topic, partition, offset, tstype, ts, broker, headers, key, payload`), or just the values with
 * `--format text`. Follows with long polls until `--count` records or Ctrl-C; then commits what it printed
 * (with `--group`) and deletes the instance.
 *
 * Offsets (`-o`, rpk/kcat grammar): `start`|`beginning`, `end`, `N` (absolute), `-N` (N before the end), `@ms`
 * (first record at or after a timestamp). An offset means manual assignment of the topic's partitions (or of
 * `-p`); without one the group subscription decides, `--from-beginning` starting groups without commits at the start.
 */
import { randomBytes } from 'node:crypto'
import { baseUrl, flag, int, parse, requirePositional, str } from './args.js'
import { Client } from './client.js'
import { EXIT, flush, write } from './io.js'
import type { CommandIo } from './io.js'
import { UsageError } from './output.js'

export const CONSUME_USAGE = `krest consume <topic> [-g GROUP] [--from-beginning] [-o start|end|N|-N|@ms] [-p N] [-n COUNT] [-e] [--format json|text]
    [--value-format binary|json|avro|jsonschema]   prints JSON lines (kcat envelope) until COUNT records, the end (-e)
    or Ctrl-C; with --group, commits the printed records on exit.`

type Offset = { kind: 'start' } | { kind: 'end' } | { kind: 'absolute', offset: number } | { kind: 'relative', back: number } | { kind: 'timestamp', ts: number }

export function parseOffset (raw: string): Offset {
  if (raw === 'start' || raw === 'beginning' || raw === 'oldest') return { kind: 'start' }
  if (raw === 'end' || raw === 'newest') return { kind: 'end' }
  if (/^\d+$/.test(raw)) return { kind: 'absolute', offset: Number(raw) }
  if (/^-\d+$/.test(raw)) return { kind: 'relative', back: Number(raw.slice(1)) }
  if (/^@\d+$/.test(raw)) return { kind: 'timestamp', ts: Number(raw.slice(1)) }
  throw new UsageError(`--offset must be start, end, N, -N or @timestamp-ms; got ${JSON.stringify(raw)}`)
}

interface V2Record { topic: string, key: unknown, value: unknown, partition: number, offset: number, timestamp?: number, headers?: Array<{ name: string, value: string | null }> }

const FORMATS = ['binary', 'json', 'avro', 'jsonschema'] as const

function decodeBinary (v: unknown): string | null {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : null
}

export async function consumeCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, {
    group: { type: 'string', short: 'g' },
    'from-beginning': { type: 'boolean' },
    offset: { type: 'string', short: 'o' },
    partition: { type: 'string', short: 'p' },
    count: { type: 'string', short: 'n' },
    'value-format': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'exit-at-end': { type: 'boolean', short: 'e' },
  })
  if (flag(p, 'help')) { await write(io.stdout, CONSUME_USAGE + '\n'); return EXIT.OK }
  const topic = requirePositional(p, 0, 'topic name')
  const output = str(p, 'format') ?? 'json'
  if (output !== 'json' && output !== 'text') throw new UsageError(`--format must be json or text, got ${JSON.stringify(output)}`)
  const valueFormat = str(p, 'value-format') ?? 'binary'
  if (!(FORMATS as readonly string[]).includes(valueFormat)) throw new UsageError(`--value-format must be one of ${FORMATS.join(', ')}`)
  const count = int(p, 'count', 1)
  const onlyPartition = int(p, 'partition', 0)
  const offsetRaw = str(p, 'offset')
  const offset = offsetRaw === undefined ? (onlyPartition === undefined ? undefined : { kind: flag(p, 'from-beginning') ? 'start' : 'end' } as Offset) : parseOffset(offsetRaw)
  const pollMs = int(p, 'timeout-ms', 0) ?? 1000
  const givenGroup = str(p, 'group')
  const group = givenGroup ?? `krest-cli-${randomBytes(4).toString('hex')}`
  const client = new Client(baseUrl(p, io.env))
  const enc = encodeURIComponent
  const accept = `application/vnd.kafka.${valueFormat}.v2+json`

  const created = await client.call<{ instance_id: string }>('POST', `/consumers/${enc(group)}`, {
    body: { format: valueFormat, 'auto.offset.reset': flag(p, 'from-beginning') ? 'earliest' : 'latest', 'auto.commit.enable': 'false' },
  })
  const instance = `/consumers/${enc(group)}/instances/${enc(created.body.instance_id)}`
  const printed = new Map<number, number>() // partition → last printed offset
  let n = 0
  const aborted = (): boolean => io.signal?.aborted === true
  try {
    if (offset === undefined) {
      await client.call('POST', `${instance}/subscription`, { body: { topics: [topic] } })
    } else {
      const parts = onlyPartition !== undefined
        ? [onlyPartition]
        : (await client.call<Array<{ partition: number }>>('GET', `/topics/${enc(topic)}/partitions`)).body.map(x => x.partition)
      const partitions = parts.map(partition => ({ topic, partition }))
      await client.call('POST', `${instance}/assignments`, { body: { partitions } })
      if (offset.kind === 'start') await client.call('POST', `${instance}/positions/beginning`, { body: { partitions } })
      else if (offset.kind === 'end') await client.call('POST', `${instance}/positions/end`, { body: { partitions } })
      else if (offset.kind === 'timestamp') await client.call('POST', `${instance}/positions`, { body: { timestamps: partitions.map(tp => ({ ...tp, timestamp: new Date(offset.ts).toISOString() })) } })
      else {
        const offsets = []
        for (const tp of partitions) {
          const o = (await client.call<{ beginning_offset: number, end_offset: number }>('GET', `/topics/${enc(topic)}/partitions/${tp.partition}/offsets`)).body
          const target = offset.kind === 'absolute' ? offset.offset : o.end_offset - offset.back
          offsets.push({ ...tp, offset: Math.min(o.end_offset, Math.max(o.beginning_offset, target)) })
        }
        await client.call('POST', `${instance}/positions`, { body: { offsets } })
      }
    }
    while (!aborted() && (count === undefined || n < count)) {
      let records: V2Record[]
      try {
        records = (await client.call<V2Record[]>('GET', `${instance}/records?timeout=${pollMs}`, { accept, signal: io.signal })).body
      } catch (err) {
        if (aborted()) break
        throw err
      }
      // -e (kcat): a long poll that comes back empty means the end of what there is; stop there.
      if (records.length === 0 && flag(p, 'exit-at-end')) break
      for (const r of records) {
        if (count !== undefined && n >= count) break
        const key = valueFormat === 'binary' ? decodeBinary(r.key) : r.key
        const payload = valueFormat === 'binary' ? decodeBinary(r.value) : r.value
        if (output === 'text') {
          await write(io.stdout, (typeof payload === 'string' ? payload : JSON.stringify(payload)) + '\n')
        } else {
          const headers = (r.headers ?? []).flatMap(h => [h.name, h.value === null ? null : Buffer.from(h.value, 'base64').toString('utf8')])
          await write(io.stdout, JSON.stringify({ topic: r.topic, partition: r.partition, offset: r.offset, tstype: 'create', ts: r.timestamp ?? null, broker: 0, headers, key, payload }) + '\n')
        }
        printed.set(r.partition, r.offset)
        n++
      }
    }
  } finally {
    // Commit exactly what was printed (with a group of the user's choosing), then leave the group.
    try {
      if (givenGroup !== undefined && printed.size > 0) {
        await client.call('POST', `${instance}/offsets`, { body: { offsets: [...printed].map(([partition, off]) => ({ topic, partition, offset: off })) } })
      }
    } finally {
      await client.call('DELETE', instance).catch(() => undefined)
      await flush(io.stdout)
      await client.close()
    }
  }
  if (io.stderr.isTTY === true) await write(io.stderr, `consumed ${n} records\n`)
  return EXIT.OK
}
