/** Every `krest` client command as a child process against a real server (in this process, on 127.0.0.1:0). */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { produceCommand } from '../../src/cli/commands/produce.js'
import { b64, BINARY, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')

let h: Harness
let dir: string
let clusterId: string
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'krest-cli-'))
  clusterId = ((await h.call('GET', '/v3/clusters')).body as { data: Array<{ cluster_id: string }> }).data[0]?.cluster_id ?? ''
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

interface Run { code: number | null, stdout: string, stderr: string }

function start (args: string[], options: { stdin?: string, env?: Record<string, string> } = {}): { child: ChildProcess, done: Promise<Run>, stdout: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, KREST_URL: h.url, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString() })
  child.stdin?.end(options.stdin ?? '')
  const done = new Promise<Run>(resolve => child.on('exit', code => { resolve({ code, stdout, stderr }) }))
  return { child, done, stdout: () => stdout }
}

async function krest (args: string[], options: { stdin?: string, env?: Record<string, string> } = {}): Promise<Run> {
  return await start(args, options).done
}

async function lag (group: string, topic: string, partition = 0): Promise<{ current_offset: number, log_end_offset: number, lag: number }> {
  const res = await h.call('GET', `/v3/clusters/${clusterId}/consumer-groups/${group}/lags/${topic}/partitions/${partition}`)
  expect(res.status).toBe(200)
  return res.body as { current_offset: number, log_end_offset: number, lag: number }
}

async function until (what: () => boolean | Promise<boolean>, label: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await what()) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${label}`)
}

describe('krest topic', () => {
  it('creates, lists, describes, alters and deletes topics; tables by default, JSON with --format json', async () => {
    const created = await krest(['topic', 'create', 'cli-a', 'cli-b', '-p', '3', '-c', 'retention.ms=60000'])
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+STATUS$/m)
    expect(created.stdout).toMatch(/^cli-a\s+3\s+OK$/m)

    const list = await krest(['topic', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^NAME\s+PARTITIONS\s+REPLICAS$/m)
    expect(list.stdout).toMatch(/^cli-b\s+3\s+1$/m)
    expect(list.stdout).not.toContain('__consumer_offsets')
    const all = JSON.parse((await krest(['topic', 'list', '--all', '--format', 'json'])).stdout) as Array<{ name: string, internal: boolean }>
    expect(all).toContainEqual({ name: '__consumer_offsets', partitions: 50, replicas: 1, internal: true })
    expect(all.find(t => t.name === 'cli-a')).toEqual({ name: 'cli-a', partitions: 3, replicas: 1, internal: false })

    expect((await h.call('POST', '/topics/cli-a/partitions/1', { body: { records: [{ value: b64('x') }, { value: b64('y') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    const describeJson = JSON.parse((await krest(['topic', 'describe', 'cli-a', '--format', 'json'])).stdout) as { partitions: number, configs: Record<string, string>, partition_offsets: unknown[] }
    expect(describeJson.partitions).toBe(3)
    expect(describeJson.configs['retention.ms']).toBe('60000')
    expect(describeJson.partition_offsets).toEqual([
      { partition: 0, log_start_offset: 0, high_watermark: 0 },
      { partition: 1, log_start_offset: 0, high_watermark: 2 },
      { partition: 2, log_start_offset: 0, high_watermark: 0 },
    ])
    const describeTable = await krest(['topic', 'describe', 'cli-a'])
    expect(describeTable.stdout).toMatch(/^retention\.ms\s+60000\s+DYNAMIC_TOPIC_CONFIG$/m)
    expect(describeTable.stdout).toMatch(/^1\s+0\s+0\s+2$/m)

    const altered = await krest(['topic', 'alter-config', 'cli-a', '--set', 'cleanup.policy=compact', '--delete', 'retention.ms'])
    expect(altered.code).toBe(0)
    const configs = (await h.call('GET', `/v3/clusters/${clusterId}/topics/cli-a/configs/cleanup.policy`)).body as { value: string }
    expect(configs.value).toBe('compact')
    const retention = (await h.call('GET', `/v3/clusters/${clusterId}/topics/cli-a/configs/retention.ms`)).body as { is_default: boolean }
    expect(retention.is_default).toBe(true)

    const deleted = await krest(['topic', 'delete', 'cli-a', 'cli-b'])
    expect(deleted.code).toBe(0)
    expect((await h.call('GET', '/topics/cli-b')).status).toBe(404)
  })

  it('prints the server\'s message and exits 1 when the server refuses; 2 on a bad command line; 3 when unreachable', async () => {
    expect((await krest(['topic', 'create', 'dup'])).code).toBe(0)
    const again = await krest(['topic', 'create', 'dup'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/Topic 'dup' already exists\. \(HTTP 400, error_code 40002\)/)
    const missing = await krest(['topic', 'describe', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/This server does not host this topic-partition\. \(HTTP 404, error_code 40403\)/)
    const usage = await krest(['topic', 'create', 'x', '--partitions', 'many'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/--partitions must be an integer/)
    expect((await krest(['topic', 'frobnicate'])).code).toBe(2)
    const down = await krest(['topic', 'list', '--url', 'http://127.0.0.1:1'])
    expect(down.code).toBe(3)
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/)
  })
})

describe('krest produce and consume', () => {
  it('produces a 100k-line file in batches and consumes --count records, committing them for the group', async () => {
    const file = join(dir, 'lines.txt')
    await writeFile(file, Array.from({ length: 100_000 }, (_, i) => `line-${i}`).join('\n') + '\n')
    expect((await krest(['topic', 'create', 'big', '-p', '1'])).code).toBe(0)
    const produced = await krest(['produce', 'big', '--file', file])
    expect(produced.code).toBe(0)
    expect(produced.stderr).toMatch(/produced 100000 records to big/)
    expect(produced.stdout).toBe('')
    expect((await h.call('GET', '/topics/big/partitions/0/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 100_000 })

    const first = await krest(['consume', 'big', '-g', 'readers', '--from-beginning', '-n', '10'])
    expect(first.code).toBe(0)
    const lines = first.stdout.trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(10)
    expect(lines[0]).toMatchObject({ topic: 'big', partition: 0, offset: 0, tstype: 'create', broker: 0, headers: [], key: null, payload: 'line-0' })
    expect(lines.map(l => l.payload)).toEqual(Array.from({ length: 10 }, (_, i) => `line-${i}`))
    expect(typeof lines[0]?.ts).toBe('number')
    expect(await lag('readers', 'big')).toMatchObject({ current_offset: 10, log_end_offset: 100_000, lag: 99_990 })

    // The same group goes on where the commit left off.
    const second = await krest(['consume', 'big', '-g', 'readers', '-n', '5', '--format', 'text'])
    expect(second.code).toBe(0)
    expect(second.stdout).toBe('line-10\nline-11\nline-12\nline-13\nline-14\n')
    expect((await lag('readers', 'big')).current_offset).toBe(15)
  })

  it('shows a progress bar with records/s on a terminal when reading a file, and none on a pipe', async () => {
    const file = join(dir, 'progress.txt')
    await writeFile(file, Array.from({ length: 5000 }, (_, i) => `p-${i}`).join('\n'))
    const sink = (): { stream: Writable & { isTTY?: boolean }, text: () => string } => {
      let text = ''
      const stream = new Writable({ write (c: Buffer, _e, done) { text += c.toString(); done() } })
      return { stream, text: () => text }
    }
    const tty = sink()
    tty.stream.isTTY = true
    const out = sink()
    expect(await produceCommand(['progress', '--file', file, '--url', h.url, '--batch-size', '500'], { stdout: out.stream, stderr: tty.stream, env: {} })).toBe(0)
    expect(tty.text()).toMatch(/\r\[#{30}\] 100% {2}5000 records {2}\d+ records\/s\n/)
    expect(tty.text()).toMatch(/produced 5000 records to progress/)
    expect(out.text()).toBe('')
    const pipe = sink()
    expect(await produceCommand(['progress', '--file', file, '--url', h.url], { stdout: out.stream, stderr: pipe.stream, env: {} })).toBe(0)
    expect(pipe.text()).not.toContain('records/s\n\r')
    expect(pipe.text()).not.toContain('[#')
    expect((await h.call('GET', '/topics/progress/partitions/0/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 10_000 })
  })

  it('produces keys, JSON values and headers to a chosen partition; consumes from offsets by the rpk/kcat grammar', async () => {
    expect((await krest(['topic', 'create', 'kv', '-p', '2'])).code).toBe(0)
    const json = await krest(['produce', 'kv', '--format', 'json', '-K', '\t', '-p', '1', '-H', 'source=cli'], { stdin: '"k1"\t{"n":1}\n"k2"\t{"n":2}\n"k3"\t{"n":3}\n' })
    expect(json.code).toBe(0)
    expect((await h.call('GET', '/topics/kv/partitions/1/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 3 })
    const tail = await krest(['consume', 'kv', '-p', '1', '-o', '-2', '-n', '2', '--value-format', 'json'])
    expect(tail.code).toBe(0)
    const recs = tail.stdout.trim().split('\n').map(l => JSON.parse(l) as { offset: number, key: unknown, payload: unknown, headers: unknown })
    expect(recs).toEqual([
      expect.objectContaining({ partition: 1, offset: 1, key: 'k2', payload: { n: 2 }, headers: ['source', 'cli'] }),
      expect.objectContaining({ partition: 1, offset: 2, key: 'k3', payload: { n: 3 } }),
    ])
    const fromStart = await krest(['consume', 'kv', '-p', '1', '-o', 'start', '-n', '1', '--value-format', 'json', '--format', 'text'])
    expect(fromStart.stdout).toBe('{"n":1}\n')
    const abs = await krest(['consume', 'kv', '-p', '1', '-o', '2', '-n', '1', '--value-format', 'json', '--format', 'text'])
    expect(abs.stdout).toBe('{"n":3}\n')
    const byTime = await krest(['consume', 'kv', '-p', '1', '-o', '@0', '-n', '1', '--value-format', 'json', '--format', 'text'])
    expect(byTime.stdout).toBe('{"n":1}\n')
    const toEnd = await krest(['consume', 'kv', '-p', '1', '-o', 'start', '-e', '--value-format', 'json', '--format', 'text', '--timeout-ms', '200'])
    expect(toEnd.code).toBe(0)
    expect(toEnd.stdout).toBe('{"n":1}\n{"n":2}\n{"n":3}\n')

    const fixedKey = await krest(['produce', 'kv', '-k', 'same'], { stdin: 'a\nb\n' })
    expect(fixedKey.code).toBe(0)
    const bad = await krest(['produce', 'kv', '--format', 'json'], { stdin: '{"ok":1}\nnot json\n' })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/line 2 is not valid JSON \(.*\); 1 records were produced before it/)
    const badOffset = await krest(['consume', 'kv', '-o', 'yesterday'])
    expect(badOffset.code).toBe(2)
  })

  it('follows with long polls until Ctrl-C, then commits what it printed and exits 0', async () => {
    expect((await krest(['topic', 'create', 'live'])).code).toBe(0)
    const run = start(['consume', 'live', '-g', 'followers'])
    // The consumer joins (its instance appears in the group), then records arrive while it waits.
    await until(async () => {
      const res = await h.call('GET', `/v3/clusters/${clusterId}/consumer-groups/followers/consumers`)
      return res.status === 200 && (res.body as { data: unknown[] }).data.length === 1
    }, 'the consumer to join')
    await until(async () => {
      const res = await h.call('GET', `/v3/clusters/${clusterId}/consumer-groups/followers/consumers`)
      const members = (res.body as { data: Array<{ consumer_id: string }> }).data
      if (members.length !== 1) return false
      const a = await h.call('GET', `/v3/clusters/${clusterId}/consumer-groups/followers/consumers/${members[0]?.consumer_id ?? ''}/assignments`)
      return (a.body as { data: unknown[] }).data.length === 1
    }, 'the partition to be assigned')
    // group describe shows the live member and its assignment
    const live = JSON.parse((await krest(['group', 'describe', 'followers', '--format', 'json'])).stdout) as { state: string, members: Array<{ assignments: unknown[] }> }
    expect(live.state).toBe('STABLE')
    expect(live.members).toHaveLength(1)
    expect(live.members[0]?.assignments).toEqual([{ topic: 'live', partition: 0 }])
    expect((await krest(['group', 'describe', 'followers'])).stdout).toMatch(/^MEMBER-ID\s+CLIENT-ID\s+ASSIGNMENTS\n\S+\s+\S+\s+live\/0$/m)
    expect((await h.call('POST', '/topics/live', { body: { records: [{ value: b64('one') }, { value: b64('two') }, { value: b64('three') }] }, headers: { 'content-type': BINARY } })).status).toBe(200)
    await until(() => run.stdout().split('\n').filter(l => l !== '').length === 3, 'three records printed')
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(0)
    expect(result.stdout.trim().split('\n').map(l => (JSON.parse(l) as { payload: string }).payload)).toEqual(['one', 'two', 'three'])
    expect((await lag('followers', 'live')).current_offset).toBe(3)
    // It left the group on exit.
    const members = await h.call('GET', `/v3/clusters/${clusterId}/consumer-groups/followers/consumers`)
    expect((members.body as { data: unknown[] }).data).toHaveLength(0)
  })
})

describe('krest group', () => {
  it('lists groups and describes members, assignments and lag per partition', async () => {
    expect((await krest(['topic', 'create', 'grouped', '-p', '2'])).code).toBe(0)
    for (let p = 0; p < 2; p++) {
      expect((await h.call('POST', `/topics/grouped/partitions/${p}`, { body: { records: Array.from({ length: 4 }, () => ({ value: b64('v') })) }, headers: { 'content-type': BINARY } })).status).toBe(200)
    }
    expect((await krest(['consume', 'grouped', '-g', 'gd', '-p', '0', '-o', 'start', '-n', '3'])).code).toBe(0)
    const list = await krest(['group', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^GROUP\s+STATE\s+ASSIGNOR$/m)
    expect(list.stdout).toMatch(/^gd\s+/m)
    const listed = JSON.parse((await krest(['group', 'list', '--format', 'json'])).stdout) as Array<{ group: string }>
    expect(listed.map(g => g.group)).toContain('gd')

    const described = await krest(['group', 'describe', 'gd'])
    expect(described.code).toBe(0)
    expect(described.stdout).toMatch(/^GROUP\s+COORDINATOR\s+STATE\s+BALANCER\s+MEMBERS\s+TOTAL-LAG$/m)
    expect(described.stdout).toMatch(/^TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+MEMBER-ID\s+CLIENT-ID$/m)
    expect(described.stdout).toMatch(/^grouped\s+0\s+3\s+4\s+1/m)
    const json = JSON.parse((await krest(['group', 'describe', 'gd', '--format', 'json'])).stdout) as { total_lag: number, members: unknown[], partitions: unknown[] }
    expect(json.total_lag).toBe(1)
    expect(json.members).toEqual([])
    expect(json.partitions).toEqual([{ topic: 'grouped', partition: 0, current_offset: 3, log_end_offset: 4, lag: 1, member_id: null, client_id: null }])
    const none = await krest(['group', 'describe', 'no-such-group'])
    expect(none.code).toBe(1)
  })
})

describe('krest schema', () => {
  it('registers, lists, gets and checks schemas; check exits 1 when incompatible', async () => {
    const v1 = join(dir, 'v1.avsc')
    const v2 = join(dir, 'v2.avsc')
    const bad = join(dir, 'bad.avsc')
    await writeFile(v1, JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] }))
    await writeFile(v2, JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int', default: 0 }] }))
    await writeFile(bad, JSON.stringify({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'int' }] }))
    const reg = await krest(['schema', 'register', 'users-value', '--schema', v1, '--format', 'json'])
    expect(reg.code).toBe(0)
    const registered = JSON.parse(reg.stdout) as { id: number, version: number }
    expect(registered.version).toBe(1)
    const ok = await krest(['schema', 'check', 'users-value', '--schema', v2])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^compatible$/m)
    const incompatible = await krest(['schema', 'check', 'users-value', '--schema', bad, '--format', 'json'])
    expect(incompatible.code).toBe(1)
    expect((JSON.parse(incompatible.stdout) as { compatible: boolean, messages: string[] })).toMatchObject({ compatible: false })
    expect((await krest(['schema', 'register', 'users-value', '--schema', v2])).code).toBe(0)
    const list = await krest(['schema', 'list', '--registry-url', h.gateway.registryUrl ?? ''])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^users-value\s+2\s+\d+\s+AVRO$/m)
    const got = JSON.parse((await krest(['schema', 'get', 'users-value', '--version', '1', '--format', 'json'])).stdout) as { id: number, schema: string }
    expect(got.id).toBe(registered.id)
    expect(JSON.parse(got.schema)).toMatchObject({ name: 'User' })
    const byId = await krest(['schema', 'get', '--id', String(registered.id)])
    expect(byId.code).toBe(0)
    expect(byId.stdout).toContain('"name": "User"')
    const missing = await krest(['schema', 'get', 'nobody-value'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/Subject 'nobody-value' not found.*40401/)
  })
})

describe('krest healthcheck', () => {
  it('exits 0 when the server is ready and 1 when it cannot be reached', async () => {
    const ok = await krest(['healthcheck'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toBe('READY\n')
    const down = await krest(['healthcheck', '--url', 'http://127.0.0.1:1'])
    expect(down.code).toBe(1)
  })
})
