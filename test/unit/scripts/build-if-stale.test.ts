/** `npm install && npm start` builds once: prepare and prestart run scripts/build-if-stale.mjs (issue 16.13). */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '../../..')
const SCRIPT = join(ROOT, 'scripts/build-if-stale.mjs')
const dirs: string[] = []
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }) })

async function file (root: string, path: string, secondsAgo: number): Promise<void> {
  const full = join(root, path)
  await mkdir(dirname(full), { recursive: true })
  await writeFile(full, '')
  const t = new Date(Date.now() - secondsAgo * 1000)
  await utimes(full, t, t)
}

function check (root: string): string {
  try {
    return execFileSync(process.execPath, [SCRIPT, '--check'], { env: { ...process.env, KREST_BUILD_ROOT: root }, encoding: 'utf8' })
  } catch (err) {
    return String((err as { stdout: string }).stdout)
  }
}

describe('build-if-stale', () => {
  it('builds only when a source or config is newer than its output', async () => {
    const root = await mkdtemp(join(tmpdir(), 'krest-build-'))
    dirs.push(root)
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'src/a.ts', 'src/sub/b.ts', 'src/types.d.ts']) await file(root, f, 100)
    expect(check(root)).toMatch(/^stale: dist\/a\.js has not been built/)
    await file(root, 'dist/a.js', 50)
    await file(root, 'dist/sub/b.js', 50)
    expect(check(root)).toMatch(/^fresh/)
    // an output left over from a deleted source does not make dist/ stale forever
    await file(root, 'dist/removed.js', 500)
    expect(check(root)).toMatch(/^fresh/)
    await file(root, 'src/sub/b.ts', 10)
    expect(check(root)).toMatch(/^stale: src\/sub\/b\.ts is newer/)
    await file(root, 'dist/sub/b.js', 5)
    await file(root, 'dist/a.js', 5)
    expect(check(root)).toMatch(/^fresh/)
    await file(root, 'tsconfig.build.json', 1)
    expect(check(root)).toMatch(/^stale: tsconfig\.build\.json/)
  })

  it('is what prepare and prestart run, so npm install then npm start compile once', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs')
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs')
  })
})
