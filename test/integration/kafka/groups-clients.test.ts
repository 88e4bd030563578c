/**
 * Consumer groups with real Kafka clients over TCP to a real krest (port 0): kcat (librdkafka) `-G` members
 * splitting and rebalancing a topic, kafka-python and confluent-kafka-python groups committing, kafkajs, a group
 * mixing an HTTP consumer instance with a kcat member, and lags of Kafka-committed groups in the REST API.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'
import { Admin as PlatformaticAdmin, Consumer as PlatformaticConsumer, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, BINARY, V2 } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { python, runTool } from '../../helpers/kafka-clients.js'

let h: Harness
let port: number
let cid: string
const TOPIC = 'groups4'
const PER_PARTITION = 10
/** Records in each partition of TOPIC (the first test adds two to partition 0). */
const inPartition = [PER_PARTITION, PER_PARTITION, PER_PARTITION, PER_PARTITION]
const total = (): number => inPartition.reduce((a, b) => a + b, 0)
/** Real clients joining groups take seconds each; on a loaded machine many more. */
const SLOW_TEST_MS = 180_000

beforeAll(async () => {
  h = await startHarness()
  port = h.gateway.kafkaPort as number
  cid = h.gateway.backend.metadata.clusterId
  const created = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: TOPIC, partitions_count: 4 }, headers: { 'content-type': 'application/json' } })
  expect(created.status).toBe(201)
  const records = []
  for (let p = 0; p < 4; p++) for (let i = 0; i < PER_PARTITION; i++) records.push({ partition: p, value: Buffer.from(`p${p}-${i}`).toString('base64') })
  const produced = await h.call('POST', `/topics/${TOPIC}`, { body: { records }, headers: { 'content-type': BINARY } })
  expect(produced.status).toBe(200)
})

const running: ChildProcess[] = []
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL')
  await h.close()
})

interface KcatMember {
  child: ChildProcess
  /** `partition offset` lines printed so far. */
  lines: () => string[]
  stderr: () => string
  /** SIGTERM: kcat closes its consumer (committing, leaving the group) and exits. */
  stop: () => Promise<number | null>
}

function kcatMember (group: string, extra: string[] = []): KcatMember {
  const child = spawn('kcat', [
    '-b', `127.0.0.1:${port}`, '-G', group,
    '-X', 'auto.offset.reset=earliest', '-X', 'heartbeat.interval.ms=250', '-X', 'session.timeout.ms=6000',
    '-X', 'auto.commit.interval.ms=200', '-u', '-f', '%p %o\\n', ...extra, TOPIC,
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { err += b.toString() })
  const exited = new Promise<number | null>(resolve => { child.once('exit', code => { resolve(code) }) })
  return {
    child,
    lines: () => out.split('\n').filter(l => l !== ''),
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      return await exited
    },
  }
}

/** member id → partitions of TOPIC, from the v3 REST API. */
async function restAssignments (group: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  const consumers = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/${group}/consumers`)
  if (consumers.status !== 200) return out
  for (const c of (consumers.body as { data: Array<{ consumer_id: string }> }).data) {
    const a = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/${group}/consumers/${c.consumer_id}/assignments`)
    const partitions = a.status === 200 ? (a.body as { data: Array<{ partition_id: number }> }).data.map(x => x.partition_id).sort() : []
    out.set(c.consumer_id, partitions)
  }
  return out
}

async function groupState (group: string): Promise<string | undefined> {
  const g = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/${group}`)
  return g.status === 200 ? (g.body as { state: string }).state : undefined
}

/** Waits until the group is STABLE with member partition counts `counts` (sorted) covering all four partitions. */
async function waitForSplit (group: string, counts: number[], timeoutMs = 60_000): Promise<Map<string, number[]>> {
  const deadline = Date.now() + timeoutMs
  let last = new Map<string, number[]>()
  for (;;) {
    if (await groupState(group) === 'STABLE') {
      last = await restAssignments(group)
      const sizes = [...last.values()].map(p => p.length).sort()
      const all = [...last.values()].flat().sort()
      if (JSON.stringify(sizes) === JSON.stringify(counts) && JSON.stringify(all) === '[0,1,2,3]') return last
    }
    if (Date.now() > deadline) throw new Error(`group ${group} never split as ${JSON.stringify(counts)}: ${JSON.stringify([...last])}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

async function lags (group: string): Promise<Array<{ partition: number, current: number, lag: number }>> {
  const r = await h.call('GET', `/v3/clusters/${cid}/consumer-groups/${group}/lags`)
  expect(r.status).toBe(200)
  return (r.body as { data: Array<{ partition_id: number, current_offset: number, lag: number }> }).data
    .map(l => ({ partition: l.partition_id, current: l.current_offset, lag: l.lag }))
    .sort((a, b) => a.partition - b.partition)
}

const ALL_COMMITTED = [0, 1, 2, 3].map(partition => ({ partition, current: PER_PARTITION, lag: 0 }))

describe('consumer groups with real Kafka clients', () => {
  it('kcat -G: two members split a 4-partition topic, a third joining rebalances, commits show as lags', async () => {
    const a = kcatMember('kcat-group')
    await waitForSplit('kcat-group', [4])
    const b = kcatMember('kcat-group')
    await waitForSplit('kcat-group', [2, 2])
    const c = kcatMember('kcat-group')
    const three = await waitForSplit('kcat-group', [1, 1, 2])
    expect(three.size).toBe(3)
    // every record was delivered to some member (at least once across the rebalances)
    const deadline = Date.now() + 60_000
    const seen = (): Set<string> => new Set([a, b, c].flatMap(m => m.lines()))
    while (seen().size < 4 * PER_PARTITION && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    expect(seen().size, a.stderr() + b.stderr() + c.stderr()).toBe(4 * PER_PARTITION)
    // auto-commit reaches the one offset store: the REST lag view shows it
    const committedBy = Date.now() + 60_000
    while (JSON.stringify(await lags('kcat-group')) !== JSON.stringify(ALL_COMMITTED) && Date.now() < committedBy) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await lags('kcat-group')).toEqual(ALL_COMMITTED)
    for (const m of [a, b, c]) expect(await m.stop()).toBe(0)
    expect(await groupState('kcat-group')).toBe('EMPTY')
    // the lag grows with new records, visible in /metrics too
    const more = await h.call('POST', `/topics/${TOPIC}`, { body: { records: [{ partition: 0, value: 'eA==' }, { partition: 0, value: 'eQ==' }] }, headers: { 'content-type': BINARY } })
    expect(more.status).toBe(200)
    inPartition[0]! += 2
    expect((await lags('kcat-group'))[0]).toEqual({ partition: 0, current: PER_PARTITION, lag: 2 })
    const metrics = await h.call('GET', '/metrics')
    expect(metrics.text).toContain('kafka_consumergroup_lag{consumergroup="kcat-group",topic="groups4",partition="0"} 2')
    // and in `krest group describe`
    const cli = await runTool(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url)), 'group', 'describe', 'kcat-group', '--format', 'json'], { env: { KREST_URL: h.url } })
    expect(cli.code, cli.stderr).toBe(0)
    const described = JSON.parse(cli.stdout) as { state: string, total_lag: number, partitions: Array<{ partition: number, current_offset: number, lag: number }> }
    expect(described).toMatchObject({ state: 'EMPTY', total_lag: 2 })
    expect(described.partitions.map(p => [p.partition, p.current_offset, p.lag])).toEqual([[0, 10, 2], [1, 10, 0], [2, 10, 0], [3, 10, 0]])
  }, SLOW_TEST_MS)

  it('a kcat member killed with SIGKILL is removed when its session expires and the other takes its partitions', async () => {
    const a = kcatMember('kcat-crash')
    await waitForSplit('kcat-crash', [4])
    const b = kcatMember('kcat-crash')
    await waitForSplit('kcat-crash', [2, 2])
    b.child.kill('SIGKILL') // no LeaveGroup: only the 6 s session timeout tells
    const started = Date.now()
    const alone = await waitForSplit('kcat-crash', [4])
    expect([...alone.keys()].length).toBe(1)
    expect(Date.now() - started).toBeGreaterThan(3000)
    expect(await a.stop()).toBe(0)
  }, SLOW_TEST_MS)

  it('a mixed group: one HTTP consumer instance and one kcat member split the partitions and the records', async () => {
    const base = '/consumers/mixed-kcat'
    expect((await h.call('POST', base, { body: { name: 'rest', format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' } })).status).toBe(200)
    expect((await h.call('POST', `${base}/instances/rest/subscription`, { body: { topics: [TOPIC] } })).status).toBe(204)
    await waitForSplit('mixed-kcat', [4])
    const k = kcatMember('mixed-kcat')
    const split = await waitForSplit('mixed-kcat', [2, 2])
    expect(split.size).toBe(2)
    const httpPartitions = (await h.call('GET', `${base}/instances/rest/assignments`, { headers: { accept: V2 } })).body as { partitions: Array<{ partition: number }> }
    const httpShare = httpPartitions.partitions.map(p => p.partition).sort()
    expect(httpShare.length).toBe(2)
    // the HTTP instance reads only its partitions, kcat only the others
    const got: Array<{ partition: number }> = []
    const httpTotal = httpShare.reduce((sum, p) => sum + inPartition[p]!, 0)
    for (let i = 0; i < 10 && got.length < httpTotal; i++) {
      const r = await h.call('GET', `${base}/instances/rest/records?timeout=500`, { headers: { accept: BINARY } })
      got.push(...(r.body as Array<{ partition: number }>))
    }
    expect(got.length).toBe(httpTotal)
    expect([...new Set(got.map(r => r.partition))].sort()).toEqual(httpShare)
    const deadline = Date.now() + 60_000
    while (k.lines().length < total() - httpTotal && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    const kcatPartitions = [...new Set(k.lines().map(l => Number(l.split(' ')[0])))].sort()
    expect(kcatPartitions).toEqual([0, 1, 2, 3].filter(p => !httpShare.includes(p)))
    // the HTTP instance leaves: kcat gets all four
    expect((await h.call('DELETE', `${base}/instances/rest`)).status).toBe(204)
    await waitForSplit('mixed-kcat', [4])
    expect(await k.stop()).toBe(0)
  }, SLOW_TEST_MS)

  it('kafka-python: a KafkaConsumer group iterates, commits, and the commit is visible over REST', async () => {
    const run = await python(`
import json, sys
from kafka import KafkaConsumer, TopicPartition
c = KafkaConsumer(sys.argv[2], group_id='py-group', bootstrap_servers=sys.argv[1], auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=15000, session_timeout_ms=6000, heartbeat_interval_ms=500)
seen = [(m.partition, m.offset, m.value.decode()) for m in c]
c.commit()
committed = {p: c.committed(TopicPartition(sys.argv[2], p)) for p in range(4)}
c.close()
print(json.dumps({'count': len(seen), 'distinct': len(set(seen)), 'committed': committed}))
`, [`127.0.0.1:${port}`, TOPIC], { timeoutMs: 150_000 })
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout) as { count: number, distinct: number, committed: Record<string, number> }
    expect(out.distinct).toBe(total())
    expect(Object.values(out.committed)).toEqual(inPartition)
    expect((await lags('py-group')).map(l => l.current)).toEqual(inPartition)
  }, SLOW_TEST_MS)

  it('confluent-kafka-python: a Consumer in a group polls and commits synchronously', async () => {
    const run = await python(`
import json, sys, time
from confluent_kafka import Consumer, TopicPartition
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'ck-group', 'auto.offset.reset': 'earliest',
              'enable.auto.commit': False, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500})
c.subscribe([sys.argv[2]])
seen = set()
deadline = time.time() + 120
while len(seen) < int(sys.argv[3]) and time.time() < deadline:
    m = c.poll(0.5)
    if m is None or m.error():
        continue
    seen.add((m.partition(), m.offset()))
c.commit(asynchronous=False)
committed = c.committed([TopicPartition(sys.argv[2], p) for p in range(4)], timeout=10)
c.close()
print(json.dumps({'seen': len(seen), 'committed': [tp.offset for tp in committed]}))
`, [`127.0.0.1:${port}`, TOPIC, String(total())], { timeoutMs: 150_000 })
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout) as { seen: number, committed: number[] }
    expect(out.seen).toBe(total())
    expect(out.committed).toEqual(inPartition)
    expect((await lags('ck-group')).map(l => l.current)).toEqual(inPartition)
  }, SLOW_TEST_MS)

  it('kafkajs: a consumer group reads everything and commits', async () => {
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'kafkajs-test', logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: 'js-group', sessionTimeout: 6000, heartbeatInterval: 500 })
    const seen = new Set<string>()
    try {
      await consumer.connect()
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
      let resolveAll!: () => void
      const all = new Promise<void>(resolve => { resolveAll = resolve })
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.add(`${partition}:${message.offset}`)
          if (seen.size >= total()) resolveAll()
        },
      })
      await Promise.race([all, new Promise((_resolve, reject) => setTimeout(() => { reject(new Error(`kafkajs saw ${seen.size} records`)) }, 120_000))])
    } finally {
      await consumer.disconnect() // commits what was processed
    }
    expect(seen.size).toBe(total())
    const admin = kafka.admin()
    await admin.connect()
    try {
      const offsets = await admin.fetchOffsets({ groupId: 'js-group', topics: [TOPIC] })
      expect(offsets[0]!.partitions.sort((x, y) => x.partition - y.partition).map(p => Number(p.offset))).toEqual(inPartition)
      const described = await admin.describeGroups(['js-group'])
      expect(described.groups[0]).toMatchObject({ groupId: 'js-group', state: 'Empty', protocolType: 'consumer' })
    } finally {
      await admin.disconnect()
    }
  }, SLOW_TEST_MS)

  it('@platformatic/kafka: a group consumer (flexible JoinGroup v6, SyncGroup v4, OffsetCommit v8) reads and commits', async () => {
    const consumer = new PlatformaticConsumer({
      groupId: 'platformatic-group',
      clientId: 'platformatic-test',
      bootstrapBrokers: [`127.0.0.1:${port}`],
      deserializers: stringDeserializers,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    })
    const seen = new Set<string>()
    try {
      const stream = await consumer.consume({ topics: [TOPIC], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false })
      const timer = setTimeout(() => { void stream.close() }, 120_000)
      for await (const message of stream) {
        seen.add(`${message.partition}:${message.offset}`)
        await message.commit()
        if (seen.size >= total()) break
      }
      clearTimeout(timer)
      await stream.close()
      // its admin client sees the group as Stable, with this consumer as its member (DescribeGroups v5, flexible)
      const admin = new PlatformaticAdmin({ clientId: 'platformatic-admin', bootstrapBrokers: [`127.0.0.1:${port}`] })
      try {
        const described = (await admin.describeGroups({ groups: ['platformatic-group'] })).get('platformatic-group')
        expect(described).toMatchObject({ id: 'platformatic-group', state: 'STABLE', protocolType: 'consumer' })
        expect([...described!.members.values()].map(m => m.clientId)).toEqual(['platformatic-test'])
      } finally {
        await admin.close()
      }
    } finally {
      await consumer.close()
    }
    expect(seen.size).toBe(total())
    expect((await lags('platformatic-group')).map(l => l.current)).toEqual(inPartition)
  }, SLOW_TEST_MS)
})
