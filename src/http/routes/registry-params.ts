/**
 * HTTP parameter parsing for the registry routes: version path segments, compatibility levels and modes from
 * request bodies, each refused with the registry's own error (42202, 42203, 42204).
 */
import { RegistryError, invalidVersion } from '../../registry/errors.js'
import { COMPATIBILITY_LEVELS, MODES, MAX_VERSION, type CompatibilityLevel, type Mode, type VersionSelector } from '../../registry/types.js'

/** Parses a version path parameter: `latest` (case-insensitive, trimmed), -1, or 1..2^31-1. Throws INVALID_VERSION. */
export function parseVersion (raw: string | number): VersionSelector {
  const s = String(raw).trim()
  if (s.toLowerCase() === 'latest') return 'latest'
  if (/^-?\d+$/.test(s)) {
    const n = Number(s)
    if (n === -1) return 'latest'
    if (n >= 1 && n <= MAX_VERSION) return n
  }
  throw invalidVersion(raw)
}

export function parseCompatibilityLevel (raw: unknown): CompatibilityLevel {
  const s = typeof raw === 'string' ? raw.trim().toUpperCase() : ''
  const level = COMPATIBILITY_LEVELS.find((l) => l === s)
  if (level === undefined) {
    throw new RegistryError('INVALID_COMPATIBILITY_LEVEL', 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive')
  }
  return level
}

export function parseMode (raw: unknown): Mode {
  const s = typeof raw === 'string' ? raw.trim().toUpperCase() : ''
  const mode = MODES.find((m) => m === s)
  if (mode === undefined) throw new RegistryError('INVALID_MODE', 'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.')
  return mode
}
