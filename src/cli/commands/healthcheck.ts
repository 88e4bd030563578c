/**
 * `krest healthcheck [--url U] [--live]`: exit 0 when the server is ready (`GET /ready` 200), 1 otherwise.
 * Used by the Docker HEALTHCHECK: needs nothing but node. `--live` checks `/healthy` instead.
 */
import { baseUrl, flag, parse } from './args.js'
import { ApiError, Client } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'

export async function healthcheckCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, { live: { type: 'boolean' } })
  const client = new Client(baseUrl(p, io.env))
  try {
    const res = await client.call<{ status?: string }>('GET', flag(p, 'live') ? '/healthy' : '/ready', { accept: 'application/json', signal: AbortSignal.timeout(5000) })
    await write(io.stdout, `${res.body.status ?? 'OK'}\n`)
    return EXIT.OK
  } catch (err) {
    await write(io.stderr, `krest: not ready: ${err instanceof ApiError ? err.message : (err as Error).message}\n`)
    return EXIT.FAILED
  } finally {
    await client.close()
  }
}
