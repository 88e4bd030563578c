#!/usr/bin/env node
/**
 * `krest serve`: loads the config (flags, KREST_* env, --config file), starts the gateway, and shuts down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight produces, flush, clean-shutdown marker).
 */
import { describeSettings, loadConfig } from '../config/load.js'
import { redactedConfig } from '../config/redact.js'
import { buildGateway } from '../gateway.js'
import { isKrestError } from '../util/errors.js'
import { CLIENT_USAGE, isClientCommand, runClientCommand } from './commands/index.js'
import { configCommand } from './commands/config.js'

const USAGE = `Usage: krest serve [--host <host>] [--port <port>] [--registry-port <port>] [--data-dir <dir>] [--config <file.json|file.properties>] [--<setting>=<value>] [-X <setting>=<value>]

Every setting is also read from the environment as KREST_<NAME> (dots to underscores, upper case), e.g.
KREST_LOG_SEGMENT_BYTES. Precedence: defaults < config file < environment < flags.

Settings:
`

async function serve (args: string[]): Promise<number> {
  const { config, help, warnings } = await loadConfig(args, process.env)
  if (help) {
    process.stdout.write(USAGE + describeSettings() + '\n')
    return 0
  }
  const gateway = await buildGateway(config).open()
  const log = gateway.app.log
  for (const message of warnings) log.warn(message)
  const partitions = gateway.logs.partitionStates()
  log.info({
    version: gateway.version,
    url: gateway.url,
    registryUrl: gateway.registryUrl,
    port: gateway.port,
    registryPort: gateway.registryUrl === undefined ? null : Number(new URL(gateway.registryUrl).port),
    dataDir: config['data.dir'],
    clusterId: gateway.backend.metadata.clusterId,
    recovered: {
      cleanShutdown: gateway.logs.recoveredFromCleanShutdown,
      topics: new Set(partitions.map(p => p.topic)).size,
      partitions: partitions.length,
      records: partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0),
      subjects: gateway.registry.listSubjects().length,
    },
    config: redactedConfig(config),
  }, 'krest listening')

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
  if (command === 'config') return await configCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env })
  if (command !== undefined && isClientCommand(command)) {
    // Ctrl-C / SIGTERM: the command stops, cleans up (consume commits and leaves its group) and exits 0; a second one exits 130.
    const stop = new AbortController()
    const onSignal = (): void => { if (stop.signal.aborted) process.exit(130); stop.abort() }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    const code = await runClientCommand(command, rest, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: stop.signal })
    await new Promise<void>(resolve => { process.stdout.write('', () => { resolve() }) })
    return code
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(CLIENT_USAGE + '\n' + USAGE + describeSettings() + '\n')
    return command === undefined ? 1 : 0
  }
  process.stderr.write(`krest: unknown command ${JSON.stringify(command)}\n\n${CLIENT_USAGE}\n${USAGE}`)
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
