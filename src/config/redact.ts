import { settingDefinitions } from './settings.js'
import type { KrestConfig, SettingName } from './settings.js'

export const REDACTED = '[redacted]'

/** A URL's password replaced (`http://user:secret@host` → `http://user:[redacted]@host`); other strings unchanged. */
export function redactUrlCredentials (value: string): string {
  return value.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@,]*):[^/\s@,]*@/gi, `$1:${REDACTED}@`)
}

/** The configuration as printable values: sensitive settings and credentials inside URLs redacted. */
export function redactedConfig (config: KrestConfig): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {}
  for (const name of Object.keys(settingDefinitions) as SettingName[]) {
    const def = settingDefinitions[name] as { sensitive?: boolean }
    const value = config[name]
    out[name] = def.sensitive === true && value !== '' ? REDACTED : typeof value === 'string' ? redactUrlCredentials(value) : value
  }
  return out
}
