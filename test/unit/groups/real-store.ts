/** Opens the real storage engine on a fresh temp dir; `close` closes it, `reopen` simulates a restart. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storageInternalTopics } from '../../../src/backend/embedded/internal-topics.js'
import type { InternalTopics } from '../../../src/backend/ports.js'
import { LogStore } from '../../../src/storage/index.js'

/** What the groups are built on in the embedded engine: the store, and the internal topics over it. */
export function engineParts (store: LogStore): { store: LogStore, internalTopics: InternalTopics } {
  return { store, internalTopics: storageInternalTopics(store) }
}

export interface TempStore {
  store: LogStore
  dir: string
  reopen (): Promise<LogStore>
  cleanup (): Promise<void>
}

export async function openTempStore (): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'krest-groups-'))
  const t: TempStore = {
    store: await LogStore.open({ dataDir: dir }),
    dir,
    async reopen () {
      await t.store.close()
      t.store = await LogStore.open({ dataDir: dir })
      return t.store
    },
    async cleanup () {
      await t.store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return t
}
