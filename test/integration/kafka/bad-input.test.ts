/** Bad input on the Kafka listener: each gets an error or a closed connection, never a crash; limits hold. */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeRecordBatch } from '../../../src/codec/record-batch.js'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'
import { createTopicRest } from './rest-helpers.js'

let h: Harness
let port: number

beforeAll(async () => {
  h = await startHarness({ 'max.connections': 5, 'kafka.connection.max.inflight.requests': 2, 'socket.request.max.bytes': 64 * 1024 })
  port = h.gateway.kafkaPort as number
})

afterAll(async () => { await h.close() })

async function stillServes (): Promise<void> {
  const c = await KafkaWireClient.connect(port)
  try {
    expect((await c.request(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })).errorCode).toBe(0)
  } finally {
    c.close()
  }
}

describe('Kafka listener bad input', () => {
  it('serves a request sent before ApiVersions (clients may skip it)', async () => {
    const c = await KafkaWireClient.connect(port)
    try {
      const meta = await c.request(3, 1, { topics: [] })
      expect(meta.brokers).toHaveLength(1)
    } finally {
      c.close()
    }
  })

  it('closes the connection on a frame over socket.request.max.bytes, before reading its body', async () => {
    const c = await KafkaWireClient.connect(port)
    const size = Buffer.alloc(4)
    size.writeInt32BE(64 * 1024 + 1)
    c.writeRaw(size)
    await c.closed
    await stillServes()
  })

  it('survives random garbage on many connections (each closed or answered, the server unharmed)', async () => {
    for (let i = 0; i < 60; i++) {
      const c = await KafkaWireClient.connect(port)
      const body = randomBytes(8 + (i * 37) % 400)
      // a plausible header half the time: a known api key with random versions and body
      if (i % 2 === 0) body.writeInt16BE([0, 1, 2, 3, 18, 19, 32][i % 7]!, 0)
      const size = Buffer.alloc(4)
      size.writeInt32BE(body.length)
      c.writeRaw(Buffer.concat([size, body]))
      await Promise.race([c.closed, c.readFrame(2000).catch(() => undefined)])
      c.close()
    }
    await stillServes()
  })

  it('refuses connections beyond max.connections, and accepts again once one closes', async () => {
    const open: KafkaWireClient[] = []
    try {
      for (let i = 0; i < 5; i++) {
        const c = await KafkaWireClient.connect(port)
        await c.request(18, 0, {}) // the server has accepted it
        open.push(c)
      }
      const extra = await KafkaWireClient.connect(port)
      await extra.closed
      open.pop()!.close()
      await new Promise(resolve => setTimeout(resolve, 100))
      await stillServes()
    } finally {
      for (const c of open) c.close()
    }
  })

  it('reads no further than kafka.connection.max.inflight.requests requests in progress per connection', async () => {
    await createTopicRest(h, 'inflight')
    const c = await KafkaWireClient.connect(port)
    try {
      const poll = { maxWaitMs: 1500, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'inflight', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }] }
      const produce = { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'other-topic', partitionData: [{ index: 0, records: encodeRecordBatch([{ key: null, value: Buffer.from('x') }], { timestamp: Date.now() }) }] }] }
      const started = Date.now()
      c.writeRaw(Buffer.concat([c.encodeRequest(1, 11, poll, 1), c.encodeRequest(1, 11, poll, 2), c.encodeRequest(0, 8, produce, 3)]))
      await new Promise(resolve => setTimeout(resolve, 600))
      // two long polls are in progress: the produce behind them has not been read yet
      expect((await h.call('GET', '/topics/other-topic')).status).toBe(404)
      const ids: number[] = []
      for (let i = 0; i < 3; i++) ids.push((await c.readFrame(10_000)).readInt32BE(0))
      expect(ids).toEqual([1, 2, 3])
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
      expect((await h.call('GET', '/topics/other-topic/partitions/0/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 1 })
    } finally {
      c.close()
    }
  })

  it('a client that disconnects mid-frame or mid-request leaves no trace', async () => {
    const socket = connect({ port, host: '127.0.0.1' })
    await new Promise(resolve => socket.once('connect', resolve))
    socket.write(Buffer.from('000000ff0003', 'hex'))
    socket.destroy()
    const c = await KafkaWireClient.connect(port)
    c.writeRaw(c.encodeRequest(1, 11, { maxWaitMs: 5000, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'inflight', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }] }))
    c.close() // gone while its long poll waits
    await stillServes()
  })
})
