/**
 * `krest healthcheck [--url U] [--live]` (default http://127.0.0.1:$KREST_PORT): exit 0 when the server is ready (`GET /ready` 200), 1 otherwise.
 * Used by the Docker HEALTHCHECK: needs nothing but node. `--live` checks `/healthy` instead.
 */
import { flag, parse, str } from './args.js'
import { ApiError, Client } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'

export async function healthcheckCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, { live: { type: 'boolean' } })
  // Default: this machine's krest on KREST_PORT (what the container's HEALTHCHECK relies on).
  const url = (str(p, 'url') ?? io.env.KREST_URL ?? `http://127.0.0.1:${io.env.KREST_PORT ?? '8082'}`).replace(/\/+$/, '')
  const client = new Client(url)
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
