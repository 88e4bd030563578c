/** SIGTERM with produce requests in flight: every acknowledged record is kept, the process exits 0 within 10 s. */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import { readPartition } from '../helpers/backend-reads.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('graceful shutdown', () => {
  it('keeps every acknowledged record when SIGTERM arrives with requests in flight, and exits 0 within 10 s', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-sigterm-'))
    dirs.push(dataDir)
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dataDir, '--port', '0', '--registry-port', '-1', '--host', '127.0.0.1'], {
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

    const acked: Array<{ req: number, j: number }> = []
    let firstAck: () => void = () => undefined
    const oneAcked = new Promise<void>(resolve => { firstAck = resolve })
    const send = async (req: number): Promise<void> => {
      try {
        const res = await request(`${url}/topics/inflight/partitions/0`, {
          method: 'POST',
          headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
          body: JSON.stringify({ records: Array.from({ length: 50 }, (_, j) => ({ value: { req, j } })) }),
        })
        const text = await res.body.text()
        if (res.statusCode === 200) {
          const body = JSON.parse(text) as { offsets: Array<{ error_code: number | null }> }
          body.offsets.forEach((o, j) => { if (o.error_code === null) acked.push({ req, j }) })
          if (req >= 0) firstAck()
        }
      } catch { /* refused or reset after the shutdown began: not acknowledged */ }
    }
    // Warm up (creates the topic), then many concurrent produces; SIGTERM as soon as one of them is acknowledged.
    await send(-1)
    const inflight = Array.from({ length: 200 }, (_, i) => send(i))
    await oneAcked
    const signalled = Date.now()
    child.kill('SIGTERM')
    await Promise.all(inflight)
    const deadline = new Promise<'timeout'>(resolve => { setTimeout(() => { resolve('timeout') }, 10_000).unref() })
    const exit = await Promise.race([exited, deadline])
    expect(exit, 'krest did not exit within 10 s of SIGTERM').not.toBe('timeout')
    if (exit === 'timeout') return
    expect(exit.code).toBe(0)
    expect(exit.at - signalled).toBeLessThan(10_000)
    expect(out).toContain('stopped cleanly')
    expect(acked.length).toBeGreaterThan(50)

    // Every acknowledged record is on disk after a restart.
    const h = await startHarness({}, dataDir)
    try {
      const seen = new Set<string>()
      for (const rec of await readPartition(h.gateway.backend, 'inflight', 0)) {
        const v = JSON.parse(rec.value?.toString('utf8') ?? 'null') as { req: number, j: number }
        seen.add(`${v.req}/${v.j}`)
      }
      const missing = acked.filter(a => !seen.has(`${a.req}/${a.j}`))
      expect(missing).toEqual([])
    } finally {
      await h.close()
    }
  })
})
