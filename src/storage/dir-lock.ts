/**
 * The data-directory lock: an exclusive `flock(2)` on `<dataDir>/.lock`, held on an open descriptor for as long as
 * the store is open (Kafka's FileLock does the same). The kernel releases it when the process dies, however it
 * dies, and it holds across PID namespaces and containers sharing a volume, where a pid in the file means nothing.
 * The file's text (pid, host name, start time) is only there to say who holds the lock in the error message.
 *
 * Node has no flock; `fs-ext` (a small node-gyp addon built at install) provides it. If the addon is missing the
 * store refuses to open, saying why: there is no fallback to a pid check, which is what let two containers share
 * a data directory and lose acknowledged records.
 */
import { openSync, closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { StorageError } from './errors.js'

interface FlockBinding {
  flockSync (fd: number, flags: 'ex' | 'exnb' | 'sh' | 'shnb' | 'un'): void
}

let binding: FlockBinding | Error | undefined

function flockBinding (): FlockBinding {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('fs-ext') as FlockBinding
    } catch (err) {
      binding = err as Error
    }
  }
  if (binding instanceof Error) {
    throw new StorageError('locked',
      `cannot lock the data directory: the native flock binding (npm package fs-ext, built by node-gyp at install) ` +
      `is not available: ${binding.message}. Reinstall with install scripts enabled (npm ci, with g++, make and Python present).`,
      { cause: binding })
  }
  return binding
}

export class DirLock {
  private constructor (private readonly path: string, private fd: number | undefined) {}

  /** Takes the lock or throws `StorageError('locked')` (code DATA_DIR_LOCKED) naming the holder. */
  static acquire (path: string): DirLock {
    const flock = flockBinding()
    const fd = openSync(path, 'a+')
    try {
      flock.flockSync(fd, 'exnb')
    } catch (err) {
      closeSync(fd)
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EWOULDBLOCK' || code === 'EAGAIN') {
        let holder = ''
        try { holder = readFileSync(path, 'utf8').trim() } catch { /* the text is only for the message */ }
        throw new StorageError('locked',
          `data directory ${dirname(path)} is in use by another krest process${holder === '' ? '' : ` (${holder})`}; ` +
          'the lock is a kernel file lock, so it holds across containers and PID namespaces', { cause: err })
      }
      throw new StorageError('locked', `cannot lock data directory ${dirname(path)}: ${(err as Error).message}`, { cause: err })
    }
    // For messages only: who holds it. Written after locking, so it never overwrites a live holder's text.
    ftruncateSync(fd, 0)
    writeSync(fd, `pid=${process.pid} host=${hostname()} since=${new Date().toISOString()}\n`, 0)
    return new DirLock(path, fd)
  }

  /** Releases the lock (the file stays: unlinking it would race with a process that just opened it). */
  release (): void {
    const fd = this.fd
    if (fd === undefined) return
    this.fd = undefined
    try {
      ftruncateSync(fd, 0)
      flockBinding().flockSync(fd, 'un')
    } finally {
      closeSync(fd)
    }
  }

  get lockPath (): string { return this.path }
}
