import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temporary directory; `cleanup` removes it. */
export async function makeTmpDir (prefix = 'krest-test-'): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A clock tests move by hand. */
export class ManualClock {
  constructor (public time = 1_700_000_000_000) {}
  now (): number { return this.time }
  advance (ms: number): void { this.time += ms }
}
