/**
 * krest as shipped: the benchmarks measure the tsc output in dist/ (what `npm start`, the `krest` bin and the
 * Docker image run), not the TypeScript sources through tsx. tsx's esbuild transform adds work of its own: with
 * keepNames, every closure created in a call is wrapped in a `__name()` call (1.2% of the server's CPU on the
 * single-record produce path, and the single-record produce ratio read 0.67x through tsx against 0.71x built).
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { resolveConfig } from '../../src/config/load.js'
import type { startGateway } from '../../src/gateway.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Compiles src/ to dist/ as `npm run build` does, so that the benchmark never measures stale code. */
export function buildShipped (): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error('The build (tsc -p tsconfig.build.json) failed; the benchmarks measure the built code in dist/.')
}

export interface Shipped {
  resolveConfig: typeof resolveConfig
  startGateway: typeof startGateway
}

/** The gateway and config loader from dist/ (built by the driver's `buildShipped()`). */
export async function loadShipped (): Promise<Shipped> {
  const [config, gateway] = await Promise.all([
    import(new URL('../../dist/config/load.js', import.meta.url).href) as Promise<{ resolveConfig: Shipped['resolveConfig'] }>,
    import(new URL('../../dist/gateway.js', import.meta.url).href) as Promise<{ startGateway: Shipped['startGateway'] }>,
  ])
  return { resolveConfig: config.resolveConfig, startGateway: gateway.startGateway }
}
