import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogStore } from '../../../src/storage/index.js'
import { isKrestError } from '../../../src/util/errors.js'
import { makeTmpDir } from '../../helpers/tmp-dir.js'

const OPEN_STORE = fileURLToPath(new URL('../../helpers/open-store.ts', import.meta.url))
const canUnshare = process.platform === 'linux' && process.getuid?.() === 0

/** Runs open-store.ts (optionally in a new PID namespace) and resolves with its first line of output. */
function openInChild (dir: string, options: { hold?: boolean, newPidNamespace?: boolean }, spawned: ChildProcess[]): Promise<string> {
  const node = [process.execPath, '--import', 'tsx', OPEN_STORE, dir, ...(options.hold === true ? ['hold'] : [])]
  const argv = options.newPidNamespace === true ? ['unshare', '--pid', '--fork', '--kill-child', ...node] : node
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
  spawned.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n')[0] as string
      if (out.includes('\n')) resolve(line)
    })
    child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString() })
    child.on('exit', code => { if (!out.includes('\n')) reject(new Error(`child exited ${code}: ${err}`)) })
  })
}

describe('data-directory lock (kernel flock)', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const spawned: ChildProcess[] = []

  beforeEach(async () => { ({ dir, cleanup } = await makeTmpDir()) })
  afterEach(async () => {
    for (const child of spawned.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
    }
    await cleanup()
  })

  it('refuses a second open in the same process, and allows it after close', async () => {
    const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    await expect(LogStore.open({ dataDir: dir })).rejects.toSatisfy(e => isKrestError(e, 'DATA_DIR_LOCKED'))
    expect(await readFile(join(dir, '.lock'), 'utf8')).toMatch(new RegExp(`^pid=${process.pid} host=`))
    await store.close()
    const again = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    await again.close()
  })

  it.skipIf(!canUnshare)('refuses a server in another PID namespace while this one holds the directory', async () => {
    const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    try {
      const line = await openInChild(dir, { newPidNamespace: true }, spawned)
      expect(line).toMatch(/^refused DATA_DIR_LOCKED data directory .* is in use by another krest process \(pid=\d+ host=/)
    } finally {
      await store.close()
    }
    expect(await openInChild(dir, { newPidNamespace: true }, spawned)).toBe('opened')
  }, 60_000)

  it.skipIf(!canUnshare)('keeps this process out while a server in another PID namespace holds it; kill -9 frees it', async () => {
    const holder = openInChild(dir, { hold: true, newPidNamespace: true }, spawned)
    expect(await holder).toBe('opened')
    await expect(LogStore.open({ dataDir: dir })).rejects.toSatisfy(e => isKrestError(e, 'DATA_DIR_LOCKED'))
    const child = spawned[0] as ChildProcess
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL') // unshare --kill-child takes the namespace's process down with it
    await exited
    let store: LogStore | undefined
    for (let i = 0; i < 50 && store === undefined; i++) {
      try {
        store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
      } catch (err) {
        if (!isKrestError(err, 'DATA_DIR_LOCKED')) throw err
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    expect(store).toBeDefined()
    await store?.close()
  }, 60_000)

  it('ignores a stale lock file left by a dead process (the text is for messages only)', async () => {
    await writeFile(join(dir, '.lock'), '999999999 1\n')
    const store = await LogStore.open({ dataDir: dir, retentionCheckIntervalMs: 0 })
    await store.close()
  })
})
