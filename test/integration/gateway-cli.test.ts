/** `krest serve` as a child process: env vars and flags, SIGTERM graceful shutdown, kill -9 durability. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')

type Server = ServerProcess

const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

/** A port that was free a moment ago (the test needs to know it before the server starts). */
async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as AddressInfo).port
  await new Promise<void>(resolve => srv.close(() => { resolve() }))
  return port
}

async function tempDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'krest-cli-'))
  dirs.push(d)
  return d
}

/** Starts `krest serve` and resolves with its URL once it logs "krest listening"; the child is killed after the test. */
async function serve (args: string[], env: Record<string, string>): Promise<Server> {
  return await startServerProcess(args, env, child => { children.push(child) })
}

async function call (url: string, method: string, path: string, body?: unknown, contentType = 'application/vnd.kafka.binary.v2+json'): Promise<{ status: number, body: unknown }> {
  const res = await request(url + path, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) as unknown }
}

describe('krest serve', () => {
  it('reads KREST_* env vars and flags, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = await tempDir()
    const server = await serve(['--data-dir', dataDir], { KREST_NUM_PARTITIONS: '3', KREST_LOG_LEVEL: 'info' })
    const produced = await call(server.url, 'POST', '/topics/envtest', { records: [{ value: 'eA==' }] })
    expect(produced.status).toBe(200)
    const meta = await call(server.url, 'GET', '/topics/envtest/partitions')
    expect((meta.body as unknown[]).length).toBe(3)
    server.child.kill('SIGTERM')
    const exit = await server.exited
    expect(exit.code).toBe(0)
    expect(server.output()).toContain('stopped cleanly')
    await access(join(dataDir, '.kafka_cleanshutdown'))
  })

  it('shuts down cleanly on SIGINT too', async () => {
    const dataDir = await tempDir()
    const server = await serve(['--data-dir', dataDir], { KREST_LOG_LEVEL: 'info' })
    expect((await call(server.url, 'POST', '/topics/sigint', { records: [{ value: 'eA==' }] })).status).toBe(200)
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
    await access(join(dataDir, '.kafka_cleanshutdown'))
  })

  it('reads a --config .properties file, flags overriding it', async () => {
    const dataDir = await tempDir()
    const file = join(dataDir, '..', `krest-${Date.now()}.properties`)
    await writeFile(file, `# krest\nnum.partitions=2\nauto.create.topics.enable = false\nlog.level: info\n`)
    try {
      const server = await serve(['--config', file, '--data-dir', dataDir, '--num.partitions=4'], {})
      const refused = await call(server.url, 'POST', '/topics/nope', { records: [{ value: 'eA==' }] })
      expect(refused.status).toBe(404)
      expect(refused.body).toEqual({ error_code: 40401, message: 'Topic not found.' })
      const clusters = await call(server.url, 'GET', '/v3/clusters')
      const cid = (clusters.body as { data: { cluster_id: string }[] }).data[0]?.cluster_id ?? ''
      const created = await call(server.url, 'POST', `/v3/clusters/${cid}/topics`, { topic_name: 'fromflags' }, 'application/json')
      expect(created.status).toBe(201)
      expect((created.body as { partitions_count: number }).partitions_count).toBe(4)
      server.child.kill('SIGTERM')
      expect((await server.exited).code).toBe(0)
    } finally {
      await rm(file, { force: true })
    }
  })

  it('refuses a bad setting with a clear message and exit code 1', async () => {
    const dataDir = await tempDir()
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dataDir], {
      env: { ...process.env, KREST_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let err = ''
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    expect(code).toBe(1)
    expect(err).toMatch(/port \(from env\): expected an integer/)
  })

  it('keeps every acknowledged record through kill -9 (default fsync policy)', async () => {
    const dataDir = await tempDir()
    const first = await serve(['--data-dir', dataDir], { KREST_LOG_LEVEL: 'info' })
    let acked = 0
    for (let i = 0; i < 20; i++) {
      const res = await call(first.url, 'POST', '/topics/crash', { records: Array.from({ length: 10 }, (_, j) => ({ value: { i, j } })) }, 'application/vnd.kafka.json.v2+json')
      expect(res.status).toBe(200)
      acked += 10
    }
    first.child.kill('SIGKILL')
    await first.exited
    const second = await serve(['--data-dir', dataDir], { KREST_LOG_LEVEL: 'info' })
    const offsets = await call(second.url, 'GET', '/topics/crash/partitions/0/offsets')
    expect(offsets.body).toEqual({ beginning_offset: 0, end_offset: acked })
    second.child.kill('SIGTERM')
    expect((await second.exited).code).toBe(0)
  })

  it('survives requests during start-up: 503/50302 until ready, then the API (no crash)', async () => {
    const dataDir = await tempDir()
    const port = await freePort()
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dataDir, '--port', String(port)], {
      env: { ...process.env, KREST_SCHEMA_REGISTRY_PORT: '-1', KREST_KAFKA_PORT: '0', KREST_HOST: '127.0.0.1', KREST_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let err = ''
    child.stderr.on('data', (c: Buffer) => { err += c.toString() })
    const statuses = new Set<number>()
    const deadline = Date.now() + 30_000
    let ready = false
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      // Many requests at once, to land some between the app taking the port over and being ready.
      const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        try {
          const res = await request(`http://127.0.0.1:${port}${i % 2 === 0 ? '/' : '/nothing'}`)
          await res.body.text()
          return res.statusCode
        } catch { return 0 }
      }))
      for (const s of results) statuses.add(s)
      ready = results.includes(200)
    }
    expect(child.exitCode, err).toBeNull()
    expect(ready, `statuses ${[...statuses].join(',')}; ${err}`).toBe(true)
    for (const s of statuses) expect([0, 200, 404, 503]).toContain(s)
    child.kill('SIGTERM')
    const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
    expect(code, err).toBe(0)
  })
})
