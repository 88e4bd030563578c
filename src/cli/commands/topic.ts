/** `krest topic list|create|describe|delete|alter-config` over the v3 API. */
import { baseUrl, flag, int, keyValue, parse, requirePositional, str, strs } from './args.js'
import type { Parsed } from './args.js'
import { Client } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'
import { json, parseOutputFormat, table, UsageError } from './output.js'

interface V3Topic { topic_name: string, partitions_count: number, replication_factor: number, is_internal: boolean }
interface V3Config { name: string, value: string | null, is_default: boolean, is_read_only: boolean, is_sensitive: boolean, source: string }

export const TOPIC_USAGE = `krest topic list [--all]                               topics (NAME PARTITIONS REPLICAS); --all adds internal ones
krest topic create <name>... [-p N] [-c key=value]...  create topics (partitions default: the server's num.partitions)
krest topic describe <name>                            summary, partitions with offsets, non-default configs
krest topic delete <name>...                           delete topics
krest topic alter-config <name> [--set key=value]... [--delete key]...`

const enc = encodeURIComponent

async function list (client: Client, p: Parsed, io: CommandIo): Promise<number> {
  const format = parseOutputFormat(str(p, 'format'))
  const cid = await client.clusterId()
  const res = await client.call<{ data: V3Topic[] }>('GET', `/v3/clusters/${enc(cid)}/topics`)
  const topics = res.body.data.filter(t => flag(p, 'all') || !t.is_internal).sort((a, b) => a.topic_name.localeCompare(b.topic_name))
  if (format === 'json') {
    await write(io.stdout, json(topics.map(t => ({ name: t.topic_name, partitions: t.partitions_count, replicas: t.replication_factor, internal: t.is_internal }))))
  } else {
    await write(io.stdout, table(['NAME', 'PARTITIONS', 'REPLICAS'], topics.map(t => [t.topic_name, t.partitions_count, t.replication_factor])))
  }
  return EXIT.OK
}

async function create (client: Client, p: Parsed, io: CommandIo): Promise<number> {
  const format = parseOutputFormat(str(p, 'format'))
  const names = p.positionals.slice(1)
  if (names.length === 0) throw new UsageError('missing topic name')
  const partitions = int(p, 'partitions', 1)
  const configs = strs(p, 'config').map(c => { const [name, value] = keyValue(c, '--config'); return { name, value } })
  const cid = await client.clusterId()
  const results: Array<{ topic: string, partitions: number, status: string }> = []
  let failed = false
  for (const name of names) {
    try {
      const res = await client.call<V3Topic>('POST', `/v3/clusters/${enc(cid)}/topics`, {
        body: { topic_name: name, ...(partitions === undefined ? {} : { partitions_count: partitions }), ...(configs.length === 0 ? {} : { configs }) },
        contentType: 'application/json',
      })
      results.push({ topic: name, partitions: res.body.partitions_count, status: 'OK' })
    } catch (err) {
      if (names.length === 1) throw err
      failed = true
      results.push({ topic: name, partitions: 0, status: (err as Error).message })
    }
  }
  await write(io.stdout, format === 'json' ? json(results) : table(['TOPIC', 'PARTITIONS', 'STATUS'], results.map(r => [r.topic, r.partitions, r.status])))
  return failed ? EXIT.FAILED : EXIT.OK
}

async function describe (client: Client, p: Parsed, io: CommandIo): Promise<number> {
  const format = parseOutputFormat(str(p, 'format'))
  const name = requirePositional(p, 1, 'topic name')
  const cid = await client.clusterId()
  const base = `/v3/clusters/${enc(cid)}/topics/${enc(name)}`
  const topic = (await client.call<V3Topic>('GET', base)).body
  const configs = (await client.call<{ data: V3Config[] }>('GET', `${base}/configs`)).body.data
  const partitions: Array<{ partition: number, log_start_offset: number, high_watermark: number }> = []
  for (let i = 0; i < topic.partitions_count; i++) {
    const o = await client.call<{ beginning_offset: number, end_offset: number }>('GET', `/topics/${enc(name)}/partitions/${i}/offsets`)
    partitions.push({ partition: i, log_start_offset: o.body.beginning_offset, high_watermark: o.body.end_offset })
  }
  if (format === 'json') {
    await write(io.stdout, json({
      name: topic.topic_name, internal: topic.is_internal, partitions: topic.partitions_count, replicas: topic.replication_factor,
      configs: Object.fromEntries(configs.map(c => [c.name, c.is_sensitive ? null : c.value])),
      partition_offsets: partitions,
    }))
    return EXIT.OK
  }
  let out = 'SUMMARY\n=======\n' + table(['NAME', 'INTERNAL', 'PARTITIONS', 'REPLICAS'], [[topic.topic_name, topic.is_internal, topic.partitions_count, topic.replication_factor]])
  const set = configs.filter(c => !c.is_default)
  out += '\nCONFIGS (non-default)\n=====================\n' + (set.length === 0 ? '(none)\n' : table(['KEY', 'VALUE', 'SOURCE'], set.map(c => [c.name, c.is_sensitive ? '(sensitive)' : c.value, c.source])))
  out += '\nPARTITIONS\n==========\n' + table(['PARTITION', 'LEADER', 'LOG-START-OFFSET', 'HIGH-WATERMARK'], partitions.map(x => [x.partition, 0, x.log_start_offset, x.high_watermark]))
  await write(io.stdout, out)
  return EXIT.OK
}

async function remove (client: Client, p: Parsed, io: CommandIo): Promise<number> {
  const format = parseOutputFormat(str(p, 'format'))
  const names = p.positionals.slice(1)
  if (names.length === 0) throw new UsageError('missing topic name')
  const cid = await client.clusterId()
  const results: Array<{ topic: string, status: string }> = []
  let failed = false
  for (const name of names) {
    try {
      await client.call('DELETE', `/v3/clusters/${enc(cid)}/topics/${enc(name)}`)
      results.push({ topic: name, status: 'OK' })
    } catch (err) {
      if (names.length === 1) throw err
      failed = true
      results.push({ topic: name, status: (err as Error).message })
    }
  }
  await write(io.stdout, format === 'json' ? json(results) : table(['TOPIC', 'STATUS'], results.map(r => [r.topic, r.status])))
  return failed ? EXIT.FAILED : EXIT.OK
}

async function alterConfig (client: Client, p: Parsed, io: CommandIo): Promise<number> {
  const format = parseOutputFormat(str(p, 'format'))
  const name = requirePositional(p, 1, 'topic name')
  const data = [
    ...strs(p, 'set').map(s => { const [key, value] = keyValue(s, '--set'); return { name: key, value } }),
    ...strs(p, 'delete').map(key => ({ name: key, operation: 'DELETE' })),
  ]
  if (data.length === 0) throw new UsageError('nothing to change: give --set key=value and/or --delete key')
  const cid = await client.clusterId()
  await client.call('POST', `/v3/clusters/${enc(cid)}/topics/${enc(name)}/configs:alter`, { body: { data }, contentType: 'application/json' })
  const changes = data.map(d => ({ key: d.name, action: 'value' in d ? `set to ${d.value}` : 'reset to default' }))
  await write(io.stdout, format === 'json' ? json({ topic: name, changes }) : table(['TOPIC', 'KEY', 'CHANGE'], changes.map(c => [name, c.key, c.action])))
  return EXIT.OK
}

export async function topicCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, {
    all: { type: 'boolean', short: 'a' },
    partitions: { type: 'string', short: 'p' },
    config: { type: 'string', short: 'c', multiple: true },
    set: { type: 'string', multiple: true },
    delete: { type: 'string', multiple: true },
  })
  const verb = p.positionals[0]
  if (flag(p, 'help') || verb === undefined) { await write(io.stdout, TOPIC_USAGE + '\n'); return verb === undefined && !flag(p, 'help') ? EXIT.USAGE : EXIT.OK }
  const client = new Client(baseUrl(p, io.env))
  try {
    switch (verb) {
      case 'list': return await list(client, p, io)
      case 'create': return await create(client, p, io)
      case 'describe': return await describe(client, p, io)
      case 'delete': return await remove(client, p, io)
      case 'alter-config': return await alterConfig(client, p, io)
      default: throw new UsageError(`unknown topic command ${JSON.stringify(verb)} (list, create, describe, delete, alter-config)`)
    }
  } finally {
    await client.close()
  }
}
