/**
 * `krest serve` killed with SIGKILL while librdkafka (confluent-kafka-python) produces over the Kafka protocol
 * with acks=all under the default fsync policy: after the restart, every acknowledged record is at its
 * acknowledged offset with its value, offsets are gap-free, and producing goes on at the log end.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { startServerProcess } from '../helpers/server-process.js'
import { kcat, SYSTEM_PYTHON } from '../helpers/kafka-clients.js'
import { makeTmpDir } from '../helpers/tmp-dir.js'

const PRODUCER = `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'acks': 'all', 'linger.ms': 2, 'message.timeout.ms': 10000,
              'max.in.flight.requests.per.connection': 5})
def report(err, msg):
    if err is None:
        sys.stdout.write('%d %d %s\\n' % (msg.partition(), msg.offset(), msg.value().decode()))
        sys.stdout.flush()
i = 0
while True:
    try:
        p.produce('crash', value=('value-%d' % i).encode(), partition=i % 2, on_delivery=report)
        i += 1
    except BufferError:
        pass
    p.poll(0.001 if i % 50 == 0 else 0)
`

const ROUNDS = Number(process.env.KREST_CRASH_ROUNDS ?? 2)

describe('kill -9 under Kafka-protocol produce (acks=all)', () => {
  it('loses no acknowledged record', async () => {
    const { dir, cleanup } = await makeTmpDir('krest-kafka-kill9-')
    const acked = new Map<string, string>() // "partition:offset" → value
    let server = await startServerProcess(['--data-dir', dir], { KREST_NUM_PARTITIONS: '2' })
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const producer = spawn(SYSTEM_PYTHON, ['-c', PRODUCER, `127.0.0.1:${server.kafkaPort}`], { stdio: ['ignore', 'pipe', 'pipe'] })
        let buffered = ''
        let count = 0
        const target = 2000 + round * 1000
        await new Promise<void>((resolve, reject) => {
          producer.stdout.on('data', (chunk: Buffer) => {
            buffered += chunk.toString()
            const lines = buffered.split('\n')
            buffered = lines.pop() ?? ''
            for (const line of lines) {
              const [partition, offset, value] = line.split(' ')
              acked.set(`${partition}:${offset}`, value ?? '')
              if (++count >= target) resolve()
            }
          })
          producer.once('exit', code => { reject(new Error(`producer exited (${code})`)) })
        })
        // Kill the server while the producer is still sending, then stop the producer.
        server.child.kill('SIGKILL')
        await server.exited
        producer.kill('SIGKILL')
        server = await startServerProcess(['--data-dir', dir], { KREST_NUM_PARTITIONS: '2' })
        for (const partition of [0, 1]) {
          const read = await kcat(server.kafkaPort, ['-C', '-t', 'crash', '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { timeoutMs: 60_000 })
          expect(read.code, read.stderr).toBe(0)
          const stored = new Map(read.stdout.trim().split('\n').filter(l => l !== '').map(l => { const [o, v] = l.split(' '); return [Number(o), v] as const }))
          const offsets = [...stored.keys()]
          expect(offsets).toEqual(offsets.map((_, i) => i)) // gap-free from 0
          for (const [key, value] of acked) {
            const [p, o] = key.split(':').map(Number)
            if (p === partition) expect(stored.get(o!), `acknowledged ${key}`).toBe(value)
          }
        }
      }
      expect(acked.size).toBeGreaterThanOrEqual(2000)
    } finally {
      server.child.kill('SIGKILL')
      await server.exited
      await cleanup()
    }
  }, 240_000)
})
