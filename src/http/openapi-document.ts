/**
 * Builds the OpenAPI document exactly as a default gateway serves it at /openapi.json, as stable JSON text:
 * a gateway is started on a throw-away data dir and a free port, asked, and closed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isSettingName, resolveConfig } from '../config/load.js'
import type { SettingName } from '../config/settings.js'
import { startGateway } from '../gateway.js'

export async function generateOpenApiDocument (): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'krest-openapi-'))
  const overrides: Record<string, unknown> = { host: '127.0.0.1', port: 0, 'data.dir': dataDir, 'log.level': 'silent' }
  if (isSettingName('schema.registry.port')) overrides['schema.registry.port'] = -1
  const gateway = await startGateway(resolveConfig({ overrides: overrides as Partial<Record<SettingName, unknown>> }), { logger: false })
  try {
    return JSON.stringify(gateway.app.swagger(), null, 2) + '\n'
  } finally {
    await gateway.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}
