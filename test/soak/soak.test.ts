/**
 * Soak test (issue 7), a local long mode skipped unless KREST_SOAK_MS is set:
 *
 *   KREST_SOAK_MS=300000 npx vitest run test/soak
 *
 * A real gateway in a child process; producers (v2 binary and json, v3 records) and many v2 consumer instances in
 * several groups long-polling, committing, and being deleted and re-created all the time (rebalances), plus schema
 * registry traffic and /metrics scrapes. The child's RSS and heap are sampled every few seconds; after a warm-up,
 * RSS must stay flat: the highest RSS of the last quarter within 20% (+32 MiB) of the highest of the second quarter.
 * Knobs: KREST_SOAK_CONSUMERS (default 40), KREST_SOAK_PRODUCERS (default 4).
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'

const DURATION_MS = Number(process.env.KREST_SOAK_MS ?? 0)
const CONSUMERS = Number(process.env.KREST_SOAK_CONSUMERS ?? 40)
const PRODUCERS = Number(process.env.KREST_SOAK_PRODUCERS ?? 4)
const GROUPS = 4
const PARTITIONS = 8
const SAMPLE_MS = 5000
const CHILD = fileURLToPath(new URL('./soak-server.ts', import.meta.url))
const BINARY = 'application/vnd.kafka.binary.v2+json'
const V2 = 'application/vnd.kafka.v2+json'

interface Mem { rss: number, heapUsed: number, external: number, arrayBuffers: number }
interface Sample extends Mem { atMs: number }

const MiB = 1024 * 1024
const mb = (n: number): string => (n / MiB).toFixed(1)

async function call (url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: unknown }> {
  const res = await request(url, { method: method as 'GET', headers: body === undefined ? headers : { 'content-type': V2, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.body.text()
  let json: unknown
  try { json = text === '' ? undefined : JSON.parse(text) } catch { json = text }
  return { status: res.statusCode, json }
}

describe.skipIf(!(DURATION_MS > 0))('soak', () => {
  it(`produces and consumes for ${Math.round(DURATION_MS / 1000)} s with ${CONSUMERS} consumer instances; RSS stays flat`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-soak-'))
    const child: ChildProcess = fork(CHILD, [JSON.stringify({ 'data.dir': dataDir, 'consumer.request.timeout.ms': 1000 })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const pendingMem: Array<(m: Mem) => void> = []
    const ready = new Promise<{ url: string, registryUrl: string, clusterId: string }>((resolve, reject) => {
      child.on('message', (m: { type: string } & Record<string, unknown>) => {
        if (m.type === 'ready') resolve(m as unknown as { url: string, registryUrl: string, clusterId: string })
        if (m.type === 'mem') pendingMem.shift()?.(m as unknown as Mem)
      })
      child.once('exit', code => { reject(new Error(`soak server exited early (${code})`)) })
    })
    const { url, registryUrl, clusterId } = await ready
    const mem = (): Promise<Mem> => new Promise(resolve => { pendingMem.push(resolve); child.send('mem') })

    const counts = { produced: 0, consumed: 0, requests: 0, errors: 0, instancesCreated: 0, instancesDeleted: 0, registry: 0 }
    const errorsSeen = new Map<string, number>()
    const noteError = (what: string, status: number): void => {
      counts.errors++
      const k = `${what} ${status}`
      errorsSeen.set(k, (errorsSeen.get(k) ?? 0) + 1)
    }
    const start = Date.now()
    const running = (): boolean => Date.now() - start < DURATION_MS

    expect((await call(`${url}/v3/clusters/${clusterId}/topics`, 'POST', { topic_name: 'soak', partitions_count: PARTITIONS }, { 'content-type': 'application/json' })).status).toBe(201)
    expect((await call(`${url}/v3/clusters/${clusterId}/topics`, 'POST', { topic_name: 'soak-json', partitions_count: 2 }, { 'content-type': 'application/json' })).status).toBe(201)

    const producer = async (id: number): Promise<void> => {
      let n = 0
      while (running()) {
        n++
        let r
        if (n % 10 === 0) {
          r = await call(`${url}/topics/soak-json`, 'POST', { records: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: { producer: id, n, i, pad: 'p'.repeat(100) } })) }, { 'content-type': 'application/vnd.kafka.json.v2+json' })
          if (r.status === 200) counts.produced += 20
        } else if (n % 10 === 5) {
          r = await call(`${url}/v3/clusters/${clusterId}/topics/soak/records`, 'POST', { key: { type: 'STRING', data: `k${n}` }, value: { type: 'BINARY', data: Buffer.alloc(256, n).toString('base64') } }, { 'content-type': 'application/json' })
          if (r.status === 200) counts.produced += 1
        } else {
          r = await call(`${url}/topics/soak`, 'POST', { records: Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from(`k${(n * 50 + i) % 1000}`).toString('base64'), value: Buffer.alloc(256, i).toString('base64') })) }, { 'content-type': BINARY })
          if (r.status === 200) counts.produced += 50
        }
        counts.requests++
        if (r.status !== 200) noteError('produce', r.status)
      }
    }

    let nextInstance = 0
    const consumer = async (slot: number): Promise<void> => {
      const group = `soak-g${slot % GROUPS}`
      while (running()) {
        const name = `c${nextInstance++}`
        const created = await call(`${url}/consumers/${group}`, 'POST', { name, format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' })
        counts.requests++
        if (created.status !== 200) { noteError('create', created.status); continue }
        counts.instancesCreated++
        const base = `${url}/consumers/${group}/instances/${name}`
        const sub = await call(`${base}/subscription`, 'POST', { topics: ['soak'] })
        counts.requests++
        if (sub.status !== 204) noteError('subscribe', sub.status)
        // each instance lives for a random number of polls, then leaves (churn: rebalances, create/destroy)
        const polls = 10 + Math.floor(Math.random() * 60)
        for (let i = 0; i < polls && running(); i++) {
          const r = await call(`${base}/records?timeout=500&max_bytes=262144`, 'GET', undefined, { accept: BINARY })
          counts.requests++
          if (r.status === 200 && Array.isArray(r.json)) counts.consumed += r.json.length
          else noteError('fetch', r.status)
          if (i % 5 === 4) {
            const c = await call(`${base}/offsets`, 'POST', {})
            counts.requests++
            if (c.status !== 200 && c.status !== 204) noteError('commit', c.status)
          }
        }
        const d = await call(base, 'DELETE', undefined, { 'content-type': V2 })
        counts.requests++
        if (d.status === 204) counts.instancesDeleted++
        else noteError('delete', d.status)
      }
    }

    const registry = async (): Promise<void> => {
      let v = 0
      while (running()) {
        v++
        const fields = Array.from({ length: 1 + (v % 20) }, (_, i) => ({ name: `f${i}`, type: ['null', 'string'], default: null }))
        const schema = JSON.stringify({ type: 'record', name: 'Soak', fields })
        const r = v % 20 < 19
          ? await call(`${registryUrl}/subjects/soak-value`, 'POST', { schema }, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
          : await call(`${registryUrl}/subjects/soak-value/versions`, 'POST', { schema }, { 'content-type': 'application/vnd.schemaregistry.v1+json' })
        counts.requests++
        counts.registry++
        if (r.status >= 500) noteError('registry', r.status)
        await call(`${url}/metrics`, 'GET')
        counts.requests++
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }

    const samples: Sample[] = []
    const sampler = (async () => {
      while (running()) {
        samples.push({ atMs: Date.now() - start, ...await mem() })
        await new Promise(resolve => setTimeout(resolve, SAMPLE_MS))
      }
    })()

    await Promise.all([
      ...Array.from({ length: PRODUCERS }, (_, i) => producer(i)),
      ...Array.from({ length: CONSUMERS }, (_, i) => consumer(i)),
      registry(),
      sampler,
    ])
    samples.push({ atMs: Date.now() - start, ...await mem() })

    child.send('close')
    await new Promise(resolve => child.once('exit', resolve))
    await rm(dataDir, { recursive: true, force: true })

    const quarter = (q: number): Sample[] => samples.filter(s => s.atMs >= (q * DURATION_MS) / 4 && s.atMs <= ((q + 1) * DURATION_MS) / 4 + SAMPLE_MS)
    const maxRss = (ss: Sample[]): number => Math.max(...ss.map(s => s.rss))
    const peak = maxRss(samples)
    const second = maxRss(quarter(1))
    const last = maxRss(quarter(3))
    const final = samples[samples.length - 1]
    // the heap's floor (its low points, right after collections) shows a JS leak better than RSS does
    const heapFloor = (ss: Sample[]): number => Math.min(...ss.map(s => s.heapUsed))
    const lines = [
      `soak: ${Math.round((Date.now() - start) / 1000)} s, ${CONSUMERS} consumer slots in ${GROUPS} groups, ${PRODUCERS} producers`,
      `  records produced ${counts.produced}, consumed ${counts.consumed} (at-least-once across rebalances), requests ${counts.requests}, non-2xx ${counts.errors} ${JSON.stringify(Object.fromEntries(errorsSeen))}`,
      `  consumer instances created ${counts.instancesCreated}, deleted ${counts.instancesDeleted}; registry calls ${counts.registry}`,
      `  RSS MiB: first ${mb(samples[0]?.rss ?? 0)}, peak ${mb(peak)}, max 2nd quarter ${mb(second)}, max last quarter ${mb(last)}, final ${mb(final?.rss ?? 0)}`,
      `  heapUsed MiB: floor 2nd quarter ${mb(heapFloor(quarter(1)))}, floor last quarter ${mb(heapFloor(quarter(3)))}, final ${mb(final?.heapUsed ?? 0)}`,
      '  t(s)  rss(MiB)  heap(MiB)  external(MiB)',
      ...samples.map(s => `  ${String(Math.round(s.atMs / 1000)).padStart(4)}  ${mb(s.rss).padStart(8)}  ${mb(s.heapUsed).padStart(9)}  ${mb(s.external).padStart(13)}`),
    ]
    // eslint-disable-next-line no-console
    console.info(lines.join('\n'))
    expect(counts.produced).toBeGreaterThan(0)
    expect(counts.consumed).toBeGreaterThan(0)
    expect([...errorsSeen.keys()].filter(k => / 5\d\d$/.test(k))).toEqual([])
    expect(last).toBeLessThanOrEqual(second * 1.2 + 32 * MiB)
  }, DURATION_MS + 180_000)
})
