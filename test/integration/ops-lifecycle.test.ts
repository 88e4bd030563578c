/**
 * Start-up and shutdown as an orchestrator sees them (issue 16.6, 16.7): `/ready` is 200 only once every listener
 * serves its API, and SIGTERM ends the process promptly even while clients hold idle keep-alive connections.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/load.js'
import { startGateway } from '../../src/gateway.js'
import type { Gateway } from '../../src/gateway.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const children: ChildProcess[] = []
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const f of cleanups.splice(0).reverse()) await f()
})

async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'krest-life-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('readiness at start-up', () => {
  it('never answers /ready 200 while an API listener still answers 503', async () => {
    const dataDir = await tempDir()
    const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': 0, 'data.dir': dataDir, 'log.level': 'silent' } })
    let urls: { url: string, registryUrl: string | undefined } | undefined
    let started = false
    let listening: () => void = () => undefined
    const isListening = new Promise<void>(resolve => { listening = resolve })
    const starting = startGateway(config, { logger: false, onListening: u => { urls = u; listening() } })
    cleanups.push(async () => { await (await starting).close() })
    void starting.then(() => { started = true })
    await isListening
    const { url, registryUrl } = urls as { url: string, registryUrl: string }
    const lies: string[] = []
    let readySeen = 0
    // Poll until the gateway has started and a little after; each 200 from /ready must mean both APIs serve.
    while (!started || readySeen < 3) {
      const ready = await request(url + '/ready')
      await ready.body.text()
      if (ready.statusCode === 200) {
        readySeen++
        const api = await request(url + '/topics', { headers: { accept: 'application/vnd.kafka.v2+json' } })
        const registry = await request(registryUrl + '/subjects')
        const [apiText] = await Promise.all([api.body.text(), registry.body.text()])
        if (api.statusCode !== 200 || registry.statusCode !== 200) lies.push(`ready, but API ${api.statusCode} ${apiText} / registry ${registry.statusCode}`)
      }
    }
    expect(lies).toEqual([])
    const gateway: Gateway = await starting
    expect(gateway.readiness.report().checks.listeners).toBe(true)
  })
})

describe('SIGTERM', () => {
  it('exits 0 promptly while a client holds an idle keep-alive connection after using a consumer instance', async () => {
    const dataDir = await tempDir()
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dataDir, '--port', '0', '--registry-port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, KREST_LOG_LEVEL: 'info', KREST_LOG_REQUEST_LEVEL: 'silent', KREST_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let out = ''
    const exited = new Promise<{ code: number | null, at: number }>(resolve => child.on('exit', code => { resolve({ code, at: Date.now() }) }))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        const line = out.split('\n').find(l => l.includes('krest listening'))
        if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url)
      })
      child.stderr.on('data', (c: Buffer) => { out += c.toString() })
      void exited.then(() => { reject(new Error(`exited early: ${out}`)) })
    })
    // A keep-alive client (long keep-alive timeout, as browsers and undici pools are) that used a consumer instance.
    const agent = new Agent({ keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 })
    cleanups.push(async () => { await agent.destroy() })
    const v2 = 'application/vnd.kafka.v2+json'
    const created = await request(`${url}/consumers/life`, { method: 'POST', dispatcher: agent, headers: { 'content-type': v2 }, body: JSON.stringify({ format: 'binary' }) })
    const { base_uri: base } = await created.body.json() as { base_uri: string }
    const sub = await request(`${base}/subscription`, { method: 'POST', dispatcher: agent, headers: { 'content-type': v2 }, body: JSON.stringify({ topics: ['life'] }) })
    await sub.body.text()
    const fetched = await request(`${base}/records?timeout=100`, { dispatcher: agent, headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
    await fetched.body.text()
    const signalled = Date.now()
    child.kill('SIGTERM')
    const deadline = new Promise<'timeout'>(resolve => { setTimeout(() => { resolve('timeout') }, 5_000).unref() })
    const exit = await Promise.race([exited, deadline])
    expect(exit, `krest did not exit within 5 s of SIGTERM:\n${out}`).not.toBe('timeout')
    if (exit === 'timeout') return
    expect(exit.code).toBe(0)
    expect(exit.at - signalled).toBeLessThan(5_000)
    expect(out).toContain('stopped cleanly')
  }, 180_000) // starting krest through tsx takes long on a loaded machine; the bound under test is the 5 s above
})
