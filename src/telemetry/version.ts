import { readFile } from 'node:fs/promises'

/** krest's version from package.json (read once by the composition root; works from src/ and dist/). */
export async function readVersion (): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
