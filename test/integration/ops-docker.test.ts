/**
 * The Dockerfile, checked without Docker (it cannot run here): its instructions, then its runtime stage replayed
 * outside Docker — a clean production-only install (`npm ci --omit=dev`) in a temp WORKDIR, the build stage's
 * `dist/`, the image's ENV — running its CMD and HEALTHCHECK commands for real, and stopping it with SIGTERM.
 */
import { execFile, spawn } from 'node:child_process'
import { access, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../..')
const run = promisify(execFile)

interface Instruction { op: string, args: string, stage: number }

/** Dockerfile → instructions (continuations joined, comments dropped), each tagged with its stage index. */
function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.endsWith('\\')) { pending += line.slice(0, -1) + ' '; continue }
    const full = (pending + line).trim()
    pending = ''
    if (full === '' || full.startsWith('#')) continue
    const [op = '', ...rest] = full.split(/\s+/)
    if (op.toUpperCase() === 'FROM') stage++
    out.push({ op: op.toUpperCase(), args: rest.join(' '), stage })
  }
  return out
}

/** `["node", "a"]` → argv (exec form only; shell form returns undefined). */
function execForm (args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined
  return JSON.parse(args) as string[]
}

let instructions: Instruction[]
let runtime: Instruction[]
beforeAll(async () => {
  instructions = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'))
  const last = Math.max(...instructions.map(i => i.stage))
  runtime = instructions.filter(i => i.stage === last)
})

function one (op: string): Instruction {
  const found = runtime.filter(i => i.op === op)
  expect(found, `exactly one ${op} in the runtime stage`).toHaveLength(1)
  return found[0] as Instruction
}

/** ENV of the runtime stage (`ENV A=1 B=2`). */
function imageEnv (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const i of runtime.filter(x => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1] ?? ''] = (m[2] ?? '').replace(/^"|"$/g, '')
  }
  return env
}

describe('Dockerfile instructions', () => {
  it('is multi-stage on the Node major of package.json engines, installing production dependencies only at run time', async () => {
    const froms = instructions.filter(i => i.op === 'FROM')
    expect(froms.length).toBeGreaterThanOrEqual(2)
    const nodeArg = /NODE_VERSION=(\d+)/.exec(instructions.find(i => i.op === 'ARG' && i.args.startsWith('NODE_VERSION'))?.args ?? '')?.[1]
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }, scripts: Record<string, string> }
    const enginesMajor = /(\d+)/.exec(pkg.engines.node)?.[1]
    expect(nodeArg).toBe(enginesMajor)
    expect(nodeArg).toBe(process.versions.node.split('.')[0]) // the Node these tests (CI) run on
    for (const f of froms) expect(f.args).toMatch(/^node:\$\{NODE_VERSION\}-/)
    const build = instructions.filter(i => i.stage === 0)
    expect(build.some(i => i.op === 'RUN' && /npm ci\b/.test(i.args) && !/--omit=dev/.test(i.args))).toBe(true)
    expect(build.some(i => i.op === 'RUN' && /npm run build/.test(i.args))).toBe(true)
    expect(runtime.some(i => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args))).toBe(true)
    expect(runtime.some(i => i.op === 'COPY' && /^--from=\S+ \/app\/dist \.\/dist$/.test(i.args))).toBe(true)
    expect(runtime.some(i => i.op === 'RUN' && /npm run build|\btsc\b/.test(i.args))).toBe(false)
  })

  it('runs as a non-root user with the data dir a volume, exposes 8082, 8081 and 9092 (Kafka), and has a tool-free HEALTHCHECK', () => {
    const user = one('USER').args
    expect(user).not.toMatch(/^(root|0)(:|$)/)
    const env = imageEnv()
    expect(env.KREST_DATA_DIR).toBeDefined()
    expect(env.KREST_HOST).toBe('0.0.0.0')
    const volumes = execForm(one('VOLUME').args) ?? one('VOLUME').args.split(/\s+/)
    expect(volumes).toContain(env.KREST_DATA_DIR)
    expect(one('EXPOSE').args.split(/\s+/).sort()).toEqual(['8081', '8082', '9092'])
    const health = one('HEALTHCHECK').args
    const cmd = execForm(health.slice(health.indexOf('CMD ') + 4))
    expect(cmd?.[0]).toBe('node')
    expect(health).not.toMatch(/curl|wget/)
    expect(health).toMatch(/--start-period=\d+s/)
    // Exec form: node is PID 1 and receives SIGTERM itself (a shell would swallow it).
    expect(execForm(one('CMD').args)?.[0]).toBe('node')
    const stop = runtime.find(i => i.op === 'STOPSIGNAL')
    if (stop !== undefined) expect(stop.args).toBe('SIGTERM')
  })

  it('keeps dependencies, data and build output out of the build context', async () => {
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry)
    // …but not what the Dockerfile copies.
    for (const copied of ['src', 'schemas', 'openapi', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(copied)
  })
})

describe('the image\'s start command, from a clean production install', () => {
  let workdir: string
  afterAll(async () => { if (workdir !== undefined) await rm(workdir, { recursive: true, force: true }) })

  it('serves, passes its HEALTHCHECK, and exits 0 on SIGTERM with no dev dependency installed', async () => {
    workdir = await mkdtemp(join(tmpdir(), 'krest-image-'))
    const app = join(workdir, 'app')
    const data = join(workdir, 'data')
    await mkdir(app, { recursive: true })
    // COPY package.json package-lock.json ./ ; RUN … npm ci --omit=dev --ignore-scripts && npm rebuild fs-ext
    await cp(join(ROOT, 'package.json'), join(app, 'package.json'))
    await cp(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'))
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' }, timeout: 240_000 })
    // … && npm rebuild fs-ext (the data-dir lock's native addon)
    await run('npm', ['rebuild', 'fs-ext'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' }, timeout: 240_000 })
    await expect(access(join(app, 'node_modules', 'fastify'))).resolves.toBeUndefined()
    for (const dev of ['tsx', 'vitest', 'typescript', 'fast-check']) await expect(access(join(app, 'node_modules', dev))).rejects.toThrow()
    // COPY --from=build /app/dist ./dist (the build stage's `npm run build`), COPY schemas, COPY openapi
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { timeout: 240_000 })
    await cp(join(ROOT, 'schemas'), join(app, 'schemas'), { recursive: true })
    await cp(join(ROOT, 'openapi'), join(app, 'openapi'), { recursive: true })

    // ENV of the image, with the ports made free ones and the volume a temp dir.
    const env = { ...imageEnv(), KREST_HOST: '127.0.0.1', KREST_PORT: '0', KREST_SCHEMA_REGISTRY_PORT: '0', KREST_KAFKA_PORT: '0', KREST_DATA_DIR: data, NODE_ENV: 'production', PATH: process.env.PATH ?? '' }
    const cmd = execForm(one('CMD').args) ?? []
    expect(cmd.slice(0, 1)).toEqual(['node'])
    const child = spawn(process.execPath, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
    try {
      const listening = await new Promise<{ url: string, port: number, registryPort: number, version: string, dataDir: string, recovered: Record<string, unknown> }>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString()
          const line = out.split('\n').find(l => l.includes('krest listening'))
          if (line !== undefined) resolve(JSON.parse(line) as { url: string, port: number, registryPort: number, version: string, dataDir: string, recovered: Record<string, unknown> })
        })
        child.stderr.on('data', (c: Buffer) => { out += c.toString() })
        void exited.then(() => { reject(new Error(`exited early: ${out}`)) })
      })
      // The start-up line: version, ports, data dir, recovered state.
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
      expect(listening.version).toBe(pkg.version)
      expect(listening.port).toBeGreaterThan(0)
      expect(listening.registryPort).toBeGreaterThan(0)
      expect(listening.dataDir).toBe(data)
      expect(listening.recovered).toMatchObject({ cleanShutdown: false, topics: 2, subjects: 0 })
      const produce = await request(`${listening.url}/topics/image`, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.json.v2+json' }, body: JSON.stringify({ records: [{ value: 1 }] }) })
      expect(produce.statusCode).toBe(200)
      await produce.body.text()

      const health = one('HEALTHCHECK').args
      const healthCmd = execForm(health.slice(health.indexOf('CMD ') + 4)) ?? []
      const check = await run(process.execPath, healthCmd.slice(1), { cwd: app, env: { ...env, KREST_PORT: String(listening.port) } }).then(r => ({ code: 0, stdout: r.stdout }), (e: { code: number }) => ({ code: e.code, stdout: '' }))
      expect(check).toEqual({ code: 0, stdout: 'READY\n' })

      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(out).toContain('stopped cleanly')
      await access(join(data, '.kafka_cleanshutdown'))
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    // Once stopped, the HEALTHCHECK fails.
    const failed = await run(process.execPath, ['dist/cli/main.js', 'healthcheck', '--url', 'http://127.0.0.1:1'], { cwd: app, env }).then(() => 0, (e: { code: number }) => e.code)
    expect(failed).toBe(1)
  }, 300_000)
})
