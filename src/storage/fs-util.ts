/** Small crash-safety helpers around node:fs. */
import { open, rename, readFile, unlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'

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

