#!/usr/bin/env node
/**
 * `npm run build` only when dist/ is older than what it is built from, so `npm install && npm start` compiles once
 * (prepare) instead of twice (prepare, then prestart), and `npm start` on a built tree starts at once (issue 16.13).
 *
 * dist/ is up to date when every source has its output and the oldest of those outputs (tsc rewrites every output on
 * each build) is at least as new as the newest input: the TypeScript sources under src/, tsconfig.json, tsconfig.build.json and package.json.
 * Plain Node (no tsx), so that it runs before anything is built.
 *
 *   node scripts/build-if-stale.mjs [--check]     --check: print the verdict, build nothing (exit 0 fresh, 1 stale)
 *   KREST_BUILD_ROOT=<dir>                         the project root (default: this script's parent directory)
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = process.env.KREST_BUILD_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..')
const checkOnly = process.argv.includes('--check')

/** Every file under dir whose name passes `keep`, recursively; none when dir does not exist. */
function files (dir, keep) {
  let entries
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return [] }
  const out = []
  for (const e of entries) {
    const path = join(dir, e.name)
    if (e.isDirectory()) out.push(...files(path, keep))
    else if (keep(e.name)) out.push(path)
  }
  return out
}

function mtime (path) {
  try { return statSync(path).mtimeMs } catch { return undefined }
}

function verdict () {
  const sources = files(join(root, 'src'), name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  const configs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map(f => join(root, f))
  let newest = { path: '', ms: -Infinity }
  for (const path of [...sources, ...configs]) {
    const ms = mtime(path)
    if (ms !== undefined && ms > newest.ms) newest = { path, ms }
  }
  // The output of each source (outputs of deleted sources are left out: they would make dist/ look stale forever).
  let oldestOutput = Infinity
  for (const source of sources) {
    const output = join(root, 'dist', source.slice(join(root, 'src').length + 1).replace(/\.ts$/, '.js'))
    const ms = mtime(output)
    if (ms === undefined) return { stale: true, why: `${output.slice(root.length + 1)} has not been built` }
    oldestOutput = Math.min(oldestOutput, ms)
  }
  if (newest.ms > oldestOutput) return { stale: true, why: `${newest.path.slice(root.length + 1)} is newer than dist/` }
  return { stale: false, why: 'dist/ is up to date' }
}

const v = verdict()
if (checkOnly) {
  process.stdout.write(`${v.stale ? 'stale' : 'fresh'}: ${v.why}\n`)
  process.exit(v.stale ? 1 : 0)
}
if (!v.stale) {
  process.stdout.write(`krest: ${v.why}, not rebuilding\n`)
  process.exit(0)
}
process.stdout.write(`krest: building (${v.why})\n`)
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' })
process.exit(result.status ?? 1)
