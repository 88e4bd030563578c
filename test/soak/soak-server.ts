/**
 * Child process for the soak test: a real gateway (REST + registry listener) whose memory the parent samples over
 * IPC. argv: a JSON object of setting overrides (must include data.dir).
 * Messages in: 'mem' (answers {type: 'mem', rss, heapUsed, external, arrayBuffers}), 'close' (graceful, then exit).
 */
import { resolveConfig } from '../../src/config/load.js'
import { startGateway } from '../../src/gateway.js'

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>
const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': 0, 'log.level': 'silent', ...overrides } })
const gateway = await startGateway(config, { logger: false })
const send = (m: unknown): void => { process.send?.(m) }
process.on('message', (m: unknown) => {
  if (m === 'mem') {
    const u = process.memoryUsage()
    send({ type: 'mem', rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers })
  } else if (m === 'close') {
    void gateway.close().then(() => { process.exit(0) }, () => { process.exit(1) })
  }
})
send({ type: 'ready', url: gateway.url, registryUrl: gateway.registryUrl, clusterId: gateway.backend.metadata.clusterId })
