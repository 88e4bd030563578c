/** Small crash-safety helpers around node:fs. */
import { open, rename, readFile, unlink, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { KrestError } from '../util/errors.js'

/** fsync a directory so that creates, renames and unlinks in it are durable. */
export async function fsyncDir (dir: string): Promise<void> {
  const fd = await open(dir, 'r')
  try {
    await fd.sync()
  } finally {
    await fd.close()
  }
}

/**
 * Replaces `path` atomically and durably: write a temporary file beside it, fsync it, rename over `path`, fsync the
 * directory. The temporary name is short (`.<random>.tmp`) so that a name already near the file system's 255-byte
 * limit (a 249-character topic's `<name>.json`) still has room; start-up removes leftover `*.tmp` files.
 */
export async function writeFileAtomic (path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`)
  const fd = await open(tmp, 'w')
  try {
    await fd.writeFile(data)
    await fd.sync()
  } finally {
    await fd.close()
  }
  await rename(tmp, path)
  await fsyncDir(dirname(path))
}

export async function unlinkIfExists (path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

export async function readFileIfExists (path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export function errnoCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/** Start time of a process in clock ticks since boot (Linux), to tell a live lock holder from a recycled pid. */
function processStartTime (pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; starttime is field 22 overall, index 19 after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return rest[19]
  } catch {
    return undefined
  }
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return errnoCode(err) === 'EPERM'
  }
}

/**
 * An exclusive lock on a data directory: a `.lock` file holding the owner's pid and process start time.
 * A lock left by a dead process (or a recycled pid, e.g. pid 1 in a restarted container) is taken over.
 */
export class DirLock {
  private constructor (private readonly path: string, private readonly token: string) {}

  static async acquire (path: string): Promise<DirLock> {
    const token = `${process.pid} ${processStartTime(process.pid) ?? '?'}`
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await writeFile(path, token + '\n', { flag: 'wx' })
        return new DirLock(path, token)
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err
      }
      const held = (await readFileIfExists(path))?.toString('utf8').trim() ?? ''
      const [pidText, start] = held.split(' ')
      const pid = Number(pidText)
      const holderAlive = Number.isInteger(pid) && pid > 0 && processAlive(pid) &&
        (start === undefined || start === '?' || processStartTime(pid) === start)
      if (holderAlive) {
        throw new KrestError('DATA_DIR_LOCKED', `data directory ${dirname(path)} is in use by process ${pid}`)
      }
      await unlinkIfExists(path)
    }
    throw new KrestError('DATA_DIR_LOCKED', `could not lock data directory ${dirname(path)}`)
  }

  async release (): Promise<void> {
    const held = (await readFileIfExists(this.path))?.toString('utf8').trim()
    if (held === this.token) await unlinkIfExists(this.path)
  }
}

