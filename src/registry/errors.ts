/**
 * Registry domain errors. They carry a stable kind (no HTTP status); the registry HTTP plugin maps each kind to
 * Confluent Schema Registry's `{error_code, message}` and status. The registry's numeric codes overlap with the
 * REST proxy's (40401, 42201, …) but mean different things, so they are kept apart from `KrestErrorCode`.
 */
export type RegistryErrorKind =
  | 'SUBJECT_NOT_FOUND' // 40401
  | 'VERSION_NOT_FOUND' // 40402
  | 'SCHEMA_NOT_FOUND' // 40403
  | 'SUBJECT_SOFT_DELETED' // 40404
  | 'SUBJECT_NOT_SOFT_DELETED' // 40405
  | 'VERSION_SOFT_DELETED' // 40406
  | 'VERSION_NOT_SOFT_DELETED' // 40407
  | 'SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED' // 40408
  | 'SUBJECT_LEVEL_MODE_NOT_CONFIGURED' // 40409
  | 'INCOMPATIBLE_SCHEMA' // 409
  | 'INVALID_SCHEMA' // 42201
  | 'INVALID_VERSION' // 42202
  | 'INVALID_COMPATIBILITY_LEVEL' // 42203
  | 'INVALID_MODE' // 42204
  | 'OPERATION_NOT_PERMITTED' // 42205
  | 'REFERENCE_EXISTS' // 42206
  | 'ID_DOES_NOT_MATCH' // 42207
  | 'INVALID_SUBJECT' // 42208
  | 'SCHEMA_TOO_LARGE' // 42209
  | 'STORE_ERROR' // 50001

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind

  constructor (kind: RegistryErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RegistryError'
    this.kind = kind
  }
}

export function isRegistryError (err: unknown, kind?: RegistryErrorKind): err is RegistryError {
  return err instanceof RegistryError && (kind === undefined || err.kind === kind)
}

/** 42202, in Confluent's words. */
export function invalidVersion (raw: unknown): RegistryError {
  return new RegistryError('INVALID_VERSION', `The specified version '${String(raw)}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`)
}
