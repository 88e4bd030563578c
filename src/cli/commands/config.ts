/**
 * `krest config [--config FILE] [--<setting>=<value>]... [--format properties|json]`: the configuration
 * `krest serve` would run with (same sources and precedence, same validation), secrets redacted.
 */
import { loadConfig } from '../../config/load.js'
import { redactedConfig } from '../../config/redact.js'
import { settingDefinitions } from '../../config/settings.js'
import type { SettingName } from '../../config/settings.js'
import { isKrestError } from '../../util/errors.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'

export async function configCommand (args: readonly string[], io: Omit<CommandIo, 'stdin'>): Promise<number> {
  const rest: string[] = []
  let format = 'properties'
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ''
    if (a === '--format') { format = args[++i] ?? ''; continue }
    if (a.startsWith('--format=')) { format = a.slice('--format='.length); continue }
    rest.push(a)
  }
  if (format !== 'properties' && format !== 'json') {
    await write(io.stderr, `krest: --format must be properties or json, got ${JSON.stringify(format)}\n`)
    return EXIT.USAGE
  }
  let loaded: Awaited<ReturnType<typeof loadConfig>>
  try {
    loaded = await loadConfig(rest, io.env)
  } catch (err) {
    if (!isKrestError(err)) throw err
    await write(io.stderr, `krest: ${err.message}\n`)
    return EXIT.FAILED
  }
  for (const w of loaded.warnings) await write(io.stderr, `krest: warning: ${w}\n`)
  const values = redactedConfig(loaded.config)
  if (format === 'json') {
    await write(io.stdout, JSON.stringify(values, null, 2) + '\n')
  } else {
    const lines = (Object.keys(settingDefinitions) as SettingName[]).map(name => {
      const isDefault = settingDefinitions[name].default === loaded.config[name]
      return `${name}=${String(values[name])}${isDefault ? '' : '   # set'}`
    })
    await write(io.stdout, '# effective krest configuration (secrets redacted)\n' + lines.join('\n') + '\n')
  }
  return EXIT.OK
}
