import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { buildShipped } from './shipped.js'
/**
 * The server side of a benchmark that runs its server in a child process (pinned to its own core): answers the
 * driver's 'cpu-start' / 'cpu-stop' messages with the child's CPU time, and 'stop' by running `stop` and exiting.
 */
export interface CpuMessage { type: 'cpu', user: number, system: number, wall: number }

export function answerDriver (stop: () => Promise<void>): void {
  let mark = { cpu: process.cpuUsage(), wall: performance.now() }
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu-start') {
      mark = { cpu: process.cpuUsage(), wall: performance.now() }
    } else if (msg === 'cpu-stop') {
      const cpu = process.cpuUsage(mark.cpu)
      const reply: CpuMessage = { type: 'cpu', user: cpu.user / 1000, system: cpu.system / 1000, wall: performance.now() - mark.wall }
      process.send?.(reply)
    } else if (msg === 'stop') {
      void stop().then(() => process.exit(0))
    }
  })
}

/** Driver side: runs `during` and returns its result with the server child's CPU use meanwhile, in percent of one core. */
export async function withChildCpu<T> (child: ChildProcess, during: () => Promise<T>): Promise<{ result: T, cpuPct: number }> {
  child.send('cpu-start')
  const result = await during()
  const usage = await new Promise<CpuMessage>(resolve => {
    child.once('message', m => { resolve(m as CpuMessage) })
    child.send('cpu-stop')
  })
  return { result, cpuPct: 100 * (usage.user + usage.system) / usage.wall }
}

/**
 * Driver side: builds dist/, starts `<script> server` in a child pinned to core 1 (when taskset exists), with
 * BENCH_NODE_ARGS as extra node flags (e.g. --cpu-prof), and resolves with the first message it sends (its ready
 * report).
 */
export async function startServerChild<Ready> (script: string): Promise<{ child: ChildProcess, ready: Ready, pinned: boolean }> {
  buildShipped() // the child serves krest from dist/ (bench/lib/shipped.ts)
  const pinned = spawnSync('taskset', ['-c', '1', 'true']).status === 0
  const cmd = pinned ? 'taskset' : process.execPath
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  const args = [...(pinned ? ['-c', '1', process.execPath] : []), ...nodeArgs, '--import', 'tsx', script, 'server']
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env })
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', m => { resolve(m as Ready) })
    child.once('exit', code => { reject(new Error(`server exited with ${code}`)) })
  })
  return { child, ready, pinned }
}

/** Driver side: asks the server child to stop (it cleans up its data dir) and waits for it to exit. */
export async function stopServerChild (child: ChildProcess): Promise<void> {
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.send('stop')
  await exited
}
