/** Runs the real Kafka clients installed from Debian (kcat, python3-kafka, python3-confluent-kafka) against krest. */
import { execFile } from 'node:child_process'

export interface ToolRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command with stdin, resolving with its exit code and output (never rejects on a non-zero exit). */
export async function runTool (file: string, args: readonly string[], options: { input?: string | Buffer, timeoutMs?: number, env?: Record<string, string> } = {}): Promise<ToolRun> {
  return await new Promise<ToolRun>((resolve, reject) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer', env: { ...process.env, ...options.env } }, (err, stdout, stderr) => {
      if (err !== null && typeof (err as { code?: unknown }).code === 'string') { reject(err); return }
      resolve({ code: err === null ? 0 : (child.exitCode ?? null), stdout: stdout.toString(), stderr: stderr.toString() })
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
    else child.stdin?.end()
  })
}

/** kcat with `-b 127.0.0.1:<port>` in front of `args`. */
export async function kcat (port: number, args: readonly string[], options: { input?: string | Buffer, timeoutMs?: number } = {}): Promise<ToolRun> {
  return await runTool('kcat', ['-b', `127.0.0.1:${port}`, ...args], options)
}

/** The Debian python with python3-kafka and python3-confluent-kafka (the PATH python may be a pyenv without them). */
export const SYSTEM_PYTHON = '/usr/bin/python3'

/** Runs a Python snippet with the system python; `argv` becomes sys.argv[1:]. */
export async function python (code: string, argv: readonly string[] = [], options: { timeoutMs?: number } = {}): Promise<ToolRun> {
  return await runTool(SYSTEM_PYTHON, ['-c', code, ...argv], options)
}
