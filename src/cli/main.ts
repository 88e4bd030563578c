#!/usr/bin/env node
/**
 * `krest serve`: loads the config (flags, KREST_* env, --config file), starts the gateway, and shuts down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight produces, flush, clean-shutdown marker).
 */
import { describeSettings, loadConfig } from '../config/load.js'
import { startGateway } from '../gateway.js'
import { isKrestError } from '../util/errors.js'

const USAGE = `Usage: krest serve [--host <host>] [--port <port>] [--registry-port <port>] [--data-dir <dir>] [--config <file.json|file.properties>] [--<setting>=<value>]

Every setting is also read from the environment as KREST_<NAME> (dots to underscores, upper case), e.g.
KREST_LOG_SEGMENT_BYTES. Precedence: defaults < config file < environment < flags.

Settings:
`

async function serve (args: string[]): Promise<number> {
  const { config, help } = await loadConfig(args, process.env)
  if (help) {
    process.stdout.write(USAGE + describeSettings() + '\n')
    return 0
  }
  const gateway = await startGateway(config)
  const log = gateway.app.log
  log.info({ url: gateway.url, registryUrl: gateway.registryUrl, dataDir: config['data.dir'], clusterId: gateway.backend.metadata.clusterId }, 'krest listening')

  return await new Promise<number>(resolve => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting')
        resolve(1)
        return
      }
      stopping = true
      log.info({ signal }, 'shutting down')
      const force = setTimeout(() => {
        log.error({ graceMs: config['shutdown.graceful.ms'] }, 'graceful shutdown took too long: closing connections')
        gateway.app.server.closeAllConnections()
      }, config['shutdown.graceful.ms'])
      force.unref()
      gateway.close().then(() => {
        clearTimeout(force)
        log.info('stopped cleanly')
        resolve(0)
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        resolve(1)
      })
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'serve') return await serve(rest)
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + describeSettings() + '\n')
    return command === undefined ? 1 : 0
  }
  process.stderr.write(`krest: unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
  return 1
}

main(process.argv.slice(2)).then(code => { process.exit(code) }, (err: unknown) => {
  if (isKrestError(err)) {
    process.stderr.write(`krest: ${err.message}\n`)
  } else {
    process.stderr.write(`krest: ${(err as Error).stack ?? String(err)}\n`)
  }
  process.exit(1)
})
