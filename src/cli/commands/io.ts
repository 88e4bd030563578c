/** What a client command may touch: its streams, environment and a signal raised by Ctrl-C / SIGTERM. */
export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
  /** Aborted on Ctrl-C / SIGTERM: long-running commands stop, clean up (commit, leave) and exit 0. */
  signal?: AbortSignal
}

/** Exit codes scripts can trust. */
export const EXIT = {
  OK: 0,
  /** The server refused the request (its message is printed), or the command's check failed. */
  FAILED: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The server could not be reached. */
  UNREACHABLE: 3,
} as const

/** Writes and waits while the stream's buffer is full (backpressure), so piping into `head` or a file is safe. */
export async function write (stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>(resolve => { stream.once('drain', resolve) })
}

/** Resolves once everything written so far has been handed to the OS. */
export async function flush (stream: NodeJS.WritableStream): Promise<void> {
  await new Promise<void>(resolve => { stream.write('', () => { resolve() }) })
}
