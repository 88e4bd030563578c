/**
 * The `krest` client commands (rpk-style nouns and verbs over HTTP with undici). Every command prints human
 * tables by default and JSON with `--format json`, sends diagnostics to stderr only, and exits with a code
 * scripts can trust (see `EXIT`): 0 success, 1 the server refused (its message printed) or a check failed,
 * 2 bad command line, 3 server unreachable.
 */
import { isKrestError } from '../../util/errors.js'
import { ApiError, UnreachableError } from './client.js'
import { consumeCommand, CONSUME_USAGE } from './consume.js'
import { groupCommand, GROUP_USAGE } from './group.js'
import { healthcheckCommand } from './healthcheck.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'
import { UsageError } from './output.js'
import { produceCommand, PRODUCE_USAGE } from './produce.js'
import { schemaCommand, SCHEMA_USAGE } from './schema.js'
import { topicCommand, TOPIC_USAGE } from './topic.js'

export type { CommandIo } from './io.js'
export { EXIT } from './io.js'

const COMMANDS = {
  topic: topicCommand,
  produce: produceCommand,
  consume: consumeCommand,
  group: groupCommand,
  schema: schemaCommand,
  healthcheck: healthcheckCommand,
} as const

export type ClientCommand = keyof typeof COMMANDS

export const CLIENT_USAGE = `Usage: krest <command> [options]      (--url U, else KREST_URL, else http://localhost:8082; --format table|json)

${TOPIC_USAGE}
${PRODUCE_USAGE}
${CONSUME_USAGE}
${GROUP_USAGE}
${SCHEMA_USAGE}
krest healthcheck [--live]         exit 0 when the server is ready (/ready), 1 when not
krest config [serve options] [--format properties|json]   the effective configuration, secrets redacted
`

export function isClientCommand (name: string): name is ClientCommand {
  return Object.hasOwn(COMMANDS, name)
}

export async function runClientCommand (command: ClientCommand, args: readonly string[], io: CommandIo): Promise<number> {
  try {
    return await COMMANDS[command](args, io)
  } catch (err) {
    if (err instanceof UsageError) {
      await write(io.stderr, `krest ${command}: ${err.message}\nRun krest ${command} --help for usage.\n`)
      return EXIT.USAGE
    }
    if (err instanceof ApiError) {
      const code = err.errorCode === undefined ? '' : `, error_code ${err.errorCode}`
      await write(io.stderr, `krest ${command}: ${err.message} (HTTP ${err.status}${code})\n`)
      return EXIT.FAILED
    }
    if (err instanceof UnreachableError) {
      await write(io.stderr, `krest ${command}: ${err.message}\n`)
      return EXIT.UNREACHABLE
    }
    if (isKrestError(err)) {
      await write(io.stderr, `krest ${command}: ${err.message}\n`)
      return EXIT.FAILED
    }
    throw err
  }
}
