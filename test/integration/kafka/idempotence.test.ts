/**
 * Idempotent producers: @platformatic/kafka's idempotent producer, duplicates after a forced reconnect answered
 * with their original offsets, sequence gaps and fenced epochs refused, and the state rebuilt after a restart
 * and after kill -9.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeRecordBatch } from '../../../src/codec/record-batch.js'
import { crc32c } from '../../../src/codec/crc32c.js'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { startServerProcess } from '../../helpers/server-process.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'
import { consumeRest, createTopicRest } from './rest-helpers.js'

let h: Harness
let port: number

beforeAll(async () => {
  h = await startHarness()
  port = h.gateway.kafkaPort as number
})

afterAll(async () => { await h.close() })

/** A RecordBatch of an idempotent producer: producer id, epoch and base sequence set, CRC recomputed. */
function idempotentBatch (producerId: number, epoch: number, baseSequence: number, values: string[]): Buffer {
  const b = encodeRecordBatch(values.map(v => ({ key: Buffer.from('k'), value: Buffer.from(v) })), { timestamp: Date.now() })
  b.writeInt32BE(Math.floor(producerId / 2 ** 32), 43)
  b.writeUInt32BE(producerId % 2 ** 32, 47)
  b.writeInt16BE(epoch, 51)
  b.writeInt32BE(baseSequence, 53)
  b.writeUInt32BE(crc32c(b.subarray(21)), 17)
  return b
}

function produceBody (topic: string, records: Buffer): Record<string, unknown> {
  return { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }
}

async function produce (client: KafkaWireClient, topic: string, records: Buffer): Promise<{ errorCode: number, baseOffset: number }> {
  const res = await client.request(0, 8, produceBody(topic, records))
  return res.responses[0].partitionResponses[0]
}

async function initProducer (client: KafkaWireClient, version = 4, current?: { producerId: number, producerEpoch: number }): Promise<{ errorCode: number, producerId: number, producerEpoch: number }> {
  return await client.request(22, version, { transactionalId: null, transactionTimeoutMs: 60000, producerId: current?.producerId ?? -1, producerEpoch: current?.producerEpoch ?? -1 })
}

describe('idempotent producers', () => {
  it('@platformatic/kafka idempotent producer: offsets back, each record stored once', async () => {
    await createTopicRest(h, 'plat-idem')
    const producer = new Producer({ clientId: 'krest-test', bootstrapBrokers: [`127.0.0.1:${port}`], serializers: stringSerializers, idempotent: true, autocreateTopics: false })
    try {
      const first = await producer.send({ messages: [{ topic: 'plat-idem', key: 'a', value: '1', partition: 0 }, { topic: 'plat-idem', key: 'b', value: '2', partition: 0 }] })
      const second = await producer.send({ messages: [{ topic: 'plat-idem', key: 'c', value: '3', partition: 0 }] })
      expect(first.offsets).toEqual([{ topic: 'plat-idem', partition: 0, offset: 0n }])
      expect(second.offsets).toEqual([{ topic: 'plat-idem', partition: 0, offset: 2n }])
    } finally {
      await producer.close()
    }
    const rest = await consumeRest(h, 'plat-idem', 3)
    expect(rest.map(r => [r.offset, r.key, r.value])).toEqual([[0, 'a', '1'], [1, 'b', '2'], [2, 'c', '3']])
  })

  it('a batch resent after a forced reconnect is acknowledged with its original offsets and not written again', async () => {
    await createTopicRest(h, 'idem-dup')
    let c = await KafkaWireClient.connect(port)
    const { errorCode, producerId, producerEpoch } = await initProducer(c)
    expect(errorCode).toBe(0)
    expect(producerId).toBeGreaterThan(0)
    expect(await produce(c, 'idem-dup', idempotentBatch(producerId, producerEpoch, 0, ['a', 'b']))).toMatchObject({ errorCode: 0, baseOffset: 0 })
    const second = idempotentBatch(producerId, producerEpoch, 2, ['c'])
    expect(await produce(c, 'idem-dup', second)).toMatchObject({ errorCode: 0, baseOffset: 2 })
    c.close() // the client never saw... the connection drops; the producer retries the same batch on a new one
    c = await KafkaWireClient.connect(port)
    try {
      expect(await produce(c, 'idem-dup', Buffer.from(second))).toMatchObject({ errorCode: 0, baseOffset: 2 })
      expect(await produce(c, 'idem-dup', idempotentBatch(producerId, producerEpoch, 0, ['a', 'b']))).toMatchObject({ errorCode: 0, baseOffset: 0 })
      // a gap: sequence 5 when 3 is next
      expect(await produce(c, 'idem-dup', idempotentBatch(producerId, producerEpoch, 5, ['x']))).toMatchObject({ errorCode: 45 })
      expect(await produce(c, 'idem-dup', idempotentBatch(producerId, producerEpoch, 3, ['d']))).toMatchObject({ errorCode: 0, baseOffset: 3 })
      // epoch bump (KIP-360): the old epoch is fenced, the new one starts at sequence 0
      const bumped = await initProducer(c, 4, { producerId, producerEpoch })
      expect(bumped).toMatchObject({ errorCode: 0, producerId, producerEpoch: producerEpoch + 1 })
      expect(await produce(c, 'idem-dup', idempotentBatch(producerId, bumped.producerEpoch, 0, ['e']))).toMatchObject({ errorCode: 0, baseOffset: 4 })
      expect(await produce(c, 'idem-dup', idempotentBatch(producerId, producerEpoch, 4, ['old']))).toMatchObject({ errorCode: 47 })
      expect((await initProducer(c, 1)).producerId).not.toBe(producerId)
      const tx = await c.request(22, 4, { transactionalId: 'tx-1', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 })
      expect(tx.errorCode).not.toBe(0)
    } finally {
      c.close()
    }
    const rest = await consumeRest(h, 'idem-dup', 5)
    expect(rest.map(r => r.value)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('remembers sequences across a restart', async () => {
    await createTopicRest(h, 'idem-restart')
    let c = await KafkaWireClient.connect(port)
    const { producerId, producerEpoch } = await initProducer(c)
    const batch = idempotentBatch(producerId, producerEpoch, 0, ['one', 'two'])
    expect(await produce(c, 'idem-restart', Buffer.from(batch))).toMatchObject({ errorCode: 0, baseOffset: 0 })
    c.close()
    await h.restart()
    port = h.gateway.kafkaPort as number
    c = await KafkaWireClient.connect(port)
    try {
      expect(await produce(c, 'idem-restart', Buffer.from(batch))).toMatchObject({ errorCode: 0, baseOffset: 0 })
      expect(await produce(c, 'idem-restart', idempotentBatch(producerId, producerEpoch, 7, ['gap']))).toMatchObject({ errorCode: 45 })
      expect(await produce(c, 'idem-restart', idempotentBatch(producerId, producerEpoch, 2, ['three']))).toMatchObject({ errorCode: 0, baseOffset: 2 })
    } finally {
      c.close()
    }
  })

  it('remembers sequences across kill -9 (rebuilt from the log tail)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'krest-idem-kill-'))
    let server = await startServerProcess(['--data-dir', dataDir])
    try {
      let c = await KafkaWireClient.connect(server.kafkaPort)
      const { producerId, producerEpoch } = await initProducer(c)
      const batches = [0, 1, 2, 3].map(i => idempotentBatch(producerId, producerEpoch, i * 2, [`v${i}a`, `v${i}b`]))
      for (const [i, b] of batches.entries()) expect(await produce(c, 'idem-kill', Buffer.from(b))).toMatchObject({ errorCode: 0, baseOffset: i * 2 })
      c.close()
      server.child.kill('SIGKILL')
      await server.exited
      server = await startServerProcess(['--data-dir', dataDir])
      c = await KafkaWireClient.connect(server.kafkaPort)
      try {
        // the client did not see the last acknowledgement and retries the last two batches
        expect(await produce(c, 'idem-kill', Buffer.from(batches[2]!))).toMatchObject({ errorCode: 0, baseOffset: 4 })
        expect(await produce(c, 'idem-kill', Buffer.from(batches[3]!))).toMatchObject({ errorCode: 0, baseOffset: 6 })
        expect(await produce(c, 'idem-kill', idempotentBatch(producerId, producerEpoch, 8, ['v4']))).toMatchObject({ errorCode: 0, baseOffset: 8 })
      } finally {
        c.close()
      }
      const res = await request(`${server.url}/topics/idem-kill/partitions/0/offsets`)
      expect(await res.body.json()).toEqual({ beginning_offset: 0, end_offset: 9 })
    } finally {
      server.child.kill('SIGKILL')
      await server.exited
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
