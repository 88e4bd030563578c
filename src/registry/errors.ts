/**
 * Registry domain errors, on the one error base (`util/errors.ts`). The registry's codes map to Confluent Schema
 * Registry's `{error_code, message}` in `src/http/errors.ts` (`registryErrorTable`); its numbers overlap with the
 * REST proxy's (40401, 42201, …) but mean different things, so the union is kept apart from `KrestErrorCode`.
 */
import { DomainError } from '../util/errors.js'

export type RegistryErrorCode =
  | 'SUBJECT_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'SCHEMA_NOT_FOUND'
  | 'SUBJECT_SOFT_DELETED'
  | 'SUBJECT_NOT_SOFT_DELETED'
  | 'VERSION_SOFT_DELETED'
  | 'VERSION_NOT_SOFT_DELETED'
  | 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED'
  | 'SUBJECT_LEVEL_MODE_NOT_CONFIGURED'
  | 'INCOMPATIBLE_SCHEMA'
  | 'INVALID_SCHEMA'
  | 'INVALID_VERSION'
  | 'INVALID_COMPATIBILITY_LEVEL'
  | 'INVALID_MODE'
  | 'OPERATION_NOT_PERMITTED'
  | 'REFERENCE_EXISTS'
  | 'ID_DOES_NOT_MATCH'
  | 'INVALID_SUBJECT'
  | 'SCHEMA_TOO_LARGE'
  | 'STORE_ERROR'

/** The former name of `RegistryErrorCode`. */
export type RegistryErrorKind = RegistryErrorCode

export class RegistryError extends DomainError<RegistryErrorCode> {
  constructor (code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'RegistryError'
  }

  /** The same as `code` (the name the registry modules have used). */
  get kind (): RegistryErrorCode {
    return this.code
  }
}

export function isRegistryError (err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code)
}
