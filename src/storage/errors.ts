/**
 * Typed storage errors. Each carries one of the domain codes the REST layer already maps
 * (`STORAGE_ERROR`, `CORRUPT_DATA`, `DATA_DIR_LOCKED`) plus a `reason` that says what went wrong on disk, so
 * callers and tests can tell a damaged range from a full disk or a lost lock without parsing messages.
 */
import { KrestError, type KrestErrorCode } from '../util/errors.js'

export type StorageErrorReason =
  /** A batch read from disk failed its length, magic, offset or CRC check. */
  | 'corrupt-batch'
  /** Offsets that should be in the log are not (a segment lost a tail or went missing). */
  | 'missing-offsets'
  /** A partition was quarantined at start-up and cannot be read or written until an operator looks at it. */
  | 'quarantined'
  /** A metadata file (topic JSON, meta.properties) is missing or unreadable. */
  | 'bad-metadata'
  /** The process ran out of file descriptors. */
  | 'too-many-open-files'
  /** Another process holds the data directory. */
  | 'locked'
  /** Any other I/O failure. */
  | 'io'

const CODE_OF: Record<StorageErrorReason, KrestErrorCode> = {
  'corrupt-batch': 'CORRUPT_DATA',
  'missing-offsets': 'CORRUPT_DATA',
  quarantined: 'CORRUPT_DATA',
  'bad-metadata': 'CORRUPT_DATA',
  'too-many-open-files': 'STORAGE_ERROR',
  locked: 'DATA_DIR_LOCKED',
  io: 'STORAGE_ERROR',
}

export class StorageError extends KrestError {
  readonly reason: StorageErrorReason

  constructor (reason: StorageErrorReason, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(CODE_OF[reason], message, options)
    this.name = 'StorageError'
    this.reason = reason
  }
}

export function isStorageError (err: unknown, reason?: StorageErrorReason): err is StorageError {
  return err instanceof StorageError && (reason === undefined || err.reason === reason)
}

/** Wraps an I/O failure; EMFILE/ENFILE are reported as what they are, not as a failure of whichever file was next. */
export function ioError (what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EMFILE' || code === 'ENFILE') {
    return new StorageError('too-many-open-files',
      `${what}: the process has run out of file descriptors (${code}); raise the open-file limit (ulimit -n) or lower log.max.open.segments`,
      { cause: err })
  }
  return new StorageError('io', `${what}: ${(err as Error).message}`, { cause: err })
}
