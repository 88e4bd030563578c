/**
 * The whole server under produce, consume-and-commit and schema-registration load, killed with SIGKILL at random
 * moments over many rounds. After each restart: every acknowledged record is at its offset with its bytes, offsets
 * are gap-free, acknowledged commits and schemas are intact, and producing continues at the log end. Some rounds
 * also append garbage to the tails of a segment and of its index files before the restart.
 * KREST_CRASH_ROUNDS raises the number of rounds (default 6).
 */
import { appendFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'
import { makeTmpDir } from '../helpers/tmp-dir.js'

const ROUNDS = Number(process.env.KREST_CRASH_ROUNDS ?? 6)
const TOPIC = 'load'
const PARTITIONS = 3
const BINARY = 'application/vnd.kafka.binary.v2+json'
const V2 = 'application/vnd.kafka.v2+json'
const SR = 'application/vnd.schemaregistry.v1+json'

async function call (url: string, method: string, path: string, body?: unknown, contentType = V2): Promise<{ status: number, body: any }> {
  const res = await request(url + path, {
    method: method as 'GET',
    headers: body === undefined ? { accept: 'application/json, */*' } : { 'content-type': contentType, accept: 'application/json, */*' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) }
}

interface State {
  /** "partition:offset" → base64 value of every acknowledged record. */
  records: Map<string, string>
  /** partition → highest acknowledged commit (the committed position, i.e. offset + 1). */
  commits: Map<number, number>
  /** version → { id, schema } of every acknowledged registration. */
  schemas: Map<number, { id: number, schema: string }>
}

function schemaFor (n: number): string {
  const fields = [{ name: 'id', type: 'long' }]
  for (let i = 0; i < n; i++) fields.push({ name: `f${i}`, type: ['null', 'string'], default: null } as never)
  return JSON.stringify({ type: 'record', name: 'Crash', fields })
}

/** Runs load until the server dies; resolves when every loop has stopped. */
async function load (server: ServerProcess, round: number, state: State, stop: { stopped: boolean }): Promise<void> {
  const { url } = server
  let seq = 0
  const producer = async (id: number): Promise<void> => {
    while (!stop.stopped) {
      const n = seq++
      const value = Buffer.from(`round-${round}-producer-${id}-n-${n}`).toString('base64')
      const partition = n % PARTITIONS
      try {
        const res = await call(url, 'POST', `/topics/${TOPIC}/partitions/${partition}`, { records: [{ value }] }, BINARY)
        if (res.status === 200 && res.body.offsets[0].error_code == null) state.records.set(`${partition}:${res.body.offsets[0].offset}`, value)
      } catch { return } // the server is gone
    }
  }
  const consumer = async (): Promise<void> => {
    try {
      const base = `/consumers/crash-group/instances/c${round}`
      const created = await call(url, 'POST', '/consumers/crash-group', { name: `c${round}`, format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' })
      if (created.status !== 200) return
      await call(url, 'POST', `${base}/subscription`, { topics: [TOPIC] })
      while (!stop.stopped) {
        const res = await request(`${url}${base}/records?timeout=200&max_bytes=65536`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
        const records = await res.body.json() as Array<{ partition: number, offset: number }>
        if (res.statusCode !== 200 || records.length === 0) continue
        const last = new Map<number, number>()
        for (const r of records) last.set(r.partition, Math.max(last.get(r.partition) ?? -1, r.offset))
        const offsets = [...last].map(([partition, offset]) => ({ topic: TOPIC, partition, offset }))
        const commit = await call(url, 'POST', `${base}/offsets`, { offsets })
        if (commit.status === 200 || commit.status === 204) {
          for (const o of offsets) state.commits.set(o.partition, Math.max(state.commits.get(o.partition) ?? 0, o.offset + 1))
        }
      }
    } catch { /* the server is gone */ }
  }
  const registrar = async (): Promise<void> => {
    try {
      while (!stop.stopped) {
        const n = state.schemas.size
        const schema = schemaFor(n)
        const res = await call(url, 'POST', '/subjects/crash-value/versions', { schema }, SR)
        if (res.status === 200) {
          const version = await call(url, 'GET', '/subjects/crash-value/versions/latest')
          if (version.status === 200 && version.body.id === res.body.id) state.schemas.set(version.body.version, { id: res.body.id, schema })
        }
        await new Promise(resolve => setTimeout(resolve, 30))
      }
    } catch { /* the server is gone */ }
  }
  await Promise.all([...Array.from({ length: 6 }, (_, i) => producer(i)), consumer(), registrar()])
}

async function addGarbageTails (dataDir: string): Promise<void> {
  const dir = join(dataDir, `${TOPIC}-0`)
  const files = (await readdir(dir)).sort()
  const lastLog = files.filter(f => f.endsWith('.log')).at(-1)
  if (lastLog === undefined) return
  const base = lastLog.slice(0, 20)
  await appendFile(join(dir, `${base}.log`), Buffer.from('\u0000\u0000garbage after a torn write\u00ff'.repeat(3)))
  await appendFile(join(dir, `${base}.index`), Buffer.from([1, 2, 3, 4, 5]))
  await appendFile(join(dir, `${base}.timeindex`), Buffer.alloc(7, 0xee))
}

async function verify (url: string, state: State, round: number): Promise<void> {
  const where = `after round ${round}`
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = await call(url, 'GET', `/topics/${TOPIC}/partitions/${p}/offsets`)
    expect(offsets.status, where).toBe(200)
    const end = offsets.body.end_offset as number
    // Read the partition back whole through a manually assigned consumer.
    const base = `/consumers/verify-${round}-${p}/instances/v`
    expect((await call(url, 'POST', `/consumers/verify-${round}-${p}`, { name: 'v', format: 'binary' })).status).toBe(200)
    expect((await call(url, 'POST', `${base}/assignments`, { partitions: [{ topic: TOPIC, partition: p }] })).status).toBe(204)
    expect((await call(url, 'POST', `${base}/positions/beginning`, { partitions: [{ topic: TOPIC, partition: p }] })).status).toBe(204)
    const seen: Array<{ offset: number, value: string }> = []
    while (seen.length < end) {
      const res = await request(`${url}${base}/records?timeout=1000&max_bytes=8388608`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
      const batch = await res.body.json() as Array<{ offset: number, value: string }>
      expect(res.statusCode, where).toBe(200)
      if (batch.length === 0) break
      seen.push(...batch)
    }
    await call(url, 'DELETE', base)
    expect(seen.length, `${where}: partition ${p} records`).toBe(end)
    seen.forEach((r, i) => expect(r.offset, `${where}: gap in partition ${p}`).toBe(i))
    for (const [key, value] of state.records) {
      const [partition, offset] = key.split(':').map(Number) as [number, number]
      if (partition === p) expect(seen[offset]?.value, `${where}: acknowledged ${key} lost`).toBe(value)
    }
    // Producing continues at the log end.
    const probe = await call(url, 'POST', `/topics/${TOPIC}/partitions/${p}`, { records: [{ value: Buffer.from(`probe-${round}`).toString('base64') }] }, BINARY)
    expect(probe.body.offsets[0].offset, where).toBe(end)
    state.records.set(`${p}:${end}`, Buffer.from(`probe-${round}`).toString('base64'))
  }
  // Committed offsets: at least what was acknowledged (commits only move forward here).
  if (state.commits.size > 0) {
    const base = `/consumers/crash-group/instances/check-${round}`
    expect((await call(url, 'POST', '/consumers/crash-group', { name: `check-${round}`, format: 'binary' })).status).toBe(200)
    const committed = await call(url, 'GET', `${base}/offsets`, { partitions: [...state.commits.keys()].map(partition => ({ topic: TOPIC, partition })) })
    expect(committed.status, where).toBe(200)
    for (const c of committed.body.offsets as Array<{ partition: number, offset: number }>) {
      expect(c.offset, `${where}: commit of partition ${c.partition}`).toBeGreaterThanOrEqual(state.commits.get(c.partition)!)
    }
    await call(url, 'DELETE', base)
  }
  // Every acknowledged schema keeps its id and version.
  for (const [version, { id, schema }] of state.schemas) {
    const got = await call(url, 'GET', `/subjects/crash-value/versions/${version}`)
    expect(got.status, `${where}: schema version ${version}`).toBe(200)
    expect(got.body.id).toBe(id)
    expect(JSON.parse(got.body.schema)).toEqual(JSON.parse(schema))
    expect((await call(url, 'GET', `/schemas/ids/${id}`)).status).toBe(200)
  }
}

describe('the server survives kill -9 under load', () => {
  it(`keeps acknowledged records, commits and schemas over ${ROUNDS} rounds`, async () => {
    const { dir, cleanup } = await makeTmpDir('krest-server-crash-')
    const state: State = { records: new Map(), commits: new Map(), schemas: new Map() }
    try {
      let server = await startServerProcess(['--data-dir', dir], { KREST_NUM_PARTITIONS: String(PARTITIONS), KREST_LOG_SEGMENT_BYTES: '65536' })
      expect((await call(server.url, 'POST', `/topics/${TOPIC}`, { records: [{ value: 'AA==' }] }, BINARY)).status).toBe(200)
      for (let round = 0; round < ROUNDS; round++) {
        const stop = { stopped: false }
        const running = load(server, round, state, stop)
        await new Promise(resolve => setTimeout(resolve, 400 + Math.floor(Math.random() * 1200)))
        server.child.kill('SIGKILL')
        await server.exited
        stop.stopped = true
        await running
        if (round % 2 === 1) await addGarbageTails(dir)
        server = await startServerProcess(['--data-dir', dir], { KREST_NUM_PARTITIONS: String(PARTITIONS), KREST_LOG_SEGMENT_BYTES: '65536' })
        await verify(server.url, state, round)
      }
      console.log(`server crash suite: ${ROUNDS} kills, ${state.records.size} acknowledged records verified, ${state.commits.size} partitions' commits, ${state.schemas.size} schema versions`)
      expect(state.records.size).toBeGreaterThan(ROUNDS * 10)
      expect(state.schemas.size).toBeGreaterThan(0)
      server.child.kill('SIGTERM')
      expect((await server.exited).code).toBe(0)
    } finally {
      await cleanup()
    }
  }, 600_000)
})
