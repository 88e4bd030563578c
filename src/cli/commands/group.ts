/** `krest group list|describe` over the v3 consumer-group views (members, assignments, lag per partition). */
import { baseUrl, flag, parse, requirePositional, str } from './args.js'
import { Client } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'
import { json, parseOutputFormat, table, UsageError } from './output.js'

export const GROUP_USAGE = `krest group list                 consumer groups (GROUP STATE ASSIGNOR)
krest group describe <group>     summary (state, members, total lag) and per-partition offsets, lag and owner`

interface V3Group { consumer_group_id: string, state: string, partition_assignor: string, is_simple: boolean }
interface V3Consumer { consumer_id: string, client_id: string, instance_id?: string | null }
interface V3Lag { topic_name: string, partition_id: number, current_offset: number, log_end_offset: number, lag: number, consumer_id: string, client_id: string }

const enc = encodeURIComponent

export async function groupCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, {})
  const verb = p.positionals[0]
  if (flag(p, 'help') || verb === undefined) { await write(io.stdout, GROUP_USAGE + '\n'); return flag(p, 'help') ? EXIT.OK : EXIT.USAGE }
  const format = parseOutputFormat(str(p, 'format'))
  const client = new Client(baseUrl(p, io.env))
  try {
    const cid = await client.clusterId()
    if (verb === 'list') {
      const groups = (await client.call<{ data: V3Group[] }>('GET', `/v3/clusters/${enc(cid)}/consumer-groups`)).body.data
      if (format === 'json') await write(io.stdout, json(groups.map(g => ({ group: g.consumer_group_id, state: g.state, assignor: g.partition_assignor, simple: g.is_simple }))))
      else await write(io.stdout, table(['GROUP', 'STATE', 'ASSIGNOR'], groups.map(g => [g.consumer_group_id, g.state, g.partition_assignor])))
      return EXIT.OK
    }
    if (verb !== 'describe') throw new UsageError(`unknown group command ${JSON.stringify(verb)} (list, describe)`)
    const id = requirePositional(p, 1, 'group id')
    const base = `/v3/clusters/${enc(cid)}/consumer-groups/${enc(id)}`
    const group = (await client.call<V3Group>('GET', base)).body
    const members = (await client.call<{ data: V3Consumer[] }>('GET', `${base}/consumers`)).body.data
    const assignments: Record<string, Array<{ topic: string, partition: number }>> = {}
    for (const m of members) {
      const a = await client.call<{ data: Array<{ topic_name: string, partition_id: number }> }>('GET', `${base}/consumers/${enc(m.consumer_id)}/assignments`)
      assignments[m.consumer_id] = a.body.data.map(x => ({ topic: x.topic_name, partition: x.partition_id }))
    }
    const lags = (await client.call<{ data: V3Lag[] }>('GET', `${base}/lags`)).body.data
      .sort((a, b) => a.topic_name.localeCompare(b.topic_name) || a.partition_id - b.partition_id)
    const totalLag = lags.reduce((s, l) => s + l.lag, 0)
    if (format === 'json') {
      await write(io.stdout, json({
        group: group.consumer_group_id, state: group.state, assignor: group.partition_assignor, total_lag: totalLag,
        members: members.map(m => ({ member_id: m.consumer_id, client_id: m.client_id, instance_id: m.instance_id ?? null, assignments: assignments[m.consumer_id] ?? [] })),
        partitions: lags.map(l => ({ topic: l.topic_name, partition: l.partition_id, current_offset: l.current_offset, log_end_offset: l.log_end_offset, lag: l.lag, member_id: l.consumer_id || null, client_id: l.client_id || null })),
      }))
      return EXIT.OK
    }
    let out = table(['GROUP', 'COORDINATOR', 'STATE', 'BALANCER', 'MEMBERS', 'TOTAL-LAG'], [[group.consumer_group_id, 0, group.state, group.partition_assignor, members.length, totalLag]])
    if (members.length > 0) {
      out += '\n' + table(['MEMBER-ID', 'CLIENT-ID', 'ASSIGNMENTS'], members.map(m => [m.consumer_id, m.client_id,
        (assignments[m.consumer_id] ?? []).map(a => `${a.topic}/${a.partition}`).join(',')]))
    }
    out += '\n' + table(['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'MEMBER-ID', 'CLIENT-ID'],
      lags.map(l => [l.topic_name, l.partition_id, l.current_offset, l.log_end_offset, l.lag, l.consumer_id, l.client_id]))
    await write(io.stdout, out)
    return EXIT.OK
  } finally {
    await client.close()
  }
}
