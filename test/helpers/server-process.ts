/** `krest serve` as a child process (run from source through tsx), for crash tests and CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  /** Port of the Kafka protocol listener (the helper starts it on a free port). */
  kafkaPort: number
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  output: () => string
}

/**
 * Starts `krest serve <args>` on 127.0.0.1, a free port, without the second registry listener, and resolves once it
 * logs "krest listening" (rejects if it exits first). `onSpawn` sees the child at once, e.g. to kill it after a test.
 */
export async function startServerProcess (args: string[], env: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], {
    env: { ...process.env, KREST_SCHEMA_REGISTRY_PORT: '-1', KREST_KAFKA_PORT: '0', KREST_HOST: '127.0.0.1', KREST_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onSpawn?.(child)
  let out = ''
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
    child.on('exit', (code, signal) => { resolve({ code, signal }) })
  })
  let kafkaPort = -1
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString()
      for (const line of out.split('\n')) {
        if (!line.includes('krest listening')) continue
        try {
          const listening = JSON.parse(line) as { url: string, kafkaPort: number | null }
          kafkaPort = listening.kafkaPort ?? -1
          resolve(listening.url)
        } catch { /* partial line */ }
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString() })
    void exited.then(e => { reject(new Error(`krest exited early (${e.code ?? e.signal}): ${out}`)) })
  })
  return { child, url, kafkaPort, exited, output: () => out }
}
