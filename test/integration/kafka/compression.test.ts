/** Compressed batches from Kafka clients: stored compressed as sent, served as stored, decoded by REST consumers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { kcat } from '../../helpers/kafka-clients.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'
import { KAFKA_APIS } from '../../../src/kafka/apis/index.js'
import { compressRecords, canCompress } from '../../../src/codec/compression.js'
import { crc32c } from '../../../src/codec/crc32c.js'
import { encodeRecordBatch, readBatchHeader } from '../../../src/codec/record-batch.js'
import { consumeRest } from './rest-helpers.js'

let h: Harness
let port: number

beforeAll(async () => {
  h = await startHarness()
  port = h.gateway.kafkaPort as number
})

afterAll(async () => { await h.close() })

const CODECS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const

describe('compression', () => {
  for (const [name, id] of Object.entries(CODECS)) {
    it(`kcat -z ${name}: stored compressed, consumed by kcat and by a REST consumer`, async () => {
      const topic = `z-${name}`
      const lines = Array.from({ length: 300 }, (_, i) => `k${i}:${name}-value-${i}-${'x'.repeat(i % 50)}`)
      const produced = await kcat(port, ['-P', '-t', topic, '-K', ':', '-z', name, '-X', 'linger.ms=50'], { input: lines.join('\n') + '\n' })
      expect(produced.code, produced.stderr).toBe(0)

      // What is stored is the client's compressed batch.
      const c = await KafkaWireClient.connect(port)
      const fetched = await c.request(1, 11, { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 24, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 24 }] }] })
      c.close()
      const records = fetched.responses[0].partitions[0].records as Buffer
      // librdkafka sends a batch uncompressed when compressing does not pay off: look at every stored batch.
      const codecs = new Set<number>()
      for (let pos = 0; pos < records.length; pos += readBatchHeader(records, pos).batchLength + 12) codecs.add(readBatchHeader(records, pos).attributes & 7)
      // librdkafka ≤ 2.11 uses lz4 only with its "LZ4" feature, which it infers from FindCoordinator v0 being
      // listed (rdkafka_feature.c); FindCoordinator comes with the group APIs (kafka-groups branch).
      if (id !== CODECS.lz4 || KAFKA_APIS.some(a => a.messages.key === 10)) {
        expect(codecs).toContain(id)
        expect(records.length).toBeLessThan(lines.join('').length)
      }

      const consumed = await kcat(port, ['-C', '-t', topic, '-e', '-q', '-f', '%k:%s\\n'])
      expect(consumed.code, consumed.stderr).toBe(0)
      expect(consumed.stdout.trim().split('\n')).toEqual(lines)

      const rest = await consumeRest(h, topic, lines.length)
      expect(rest.map(r => `${r.key}:${r.value}`)).toEqual(lines)
      expect(rest.map(r => r.offset)).toEqual(lines.map((_, i) => i))
    })
  }

  for (const [name, id] of Object.entries(CODECS)) {
    it.skipIf(!canCompress(id))(`a ${name} batch built by hand is stored as sent and decoded by REST consumers`, async () => {
      const topic = `raw-z-${name}`
      const plain = encodeRecordBatch(Array.from({ length: 20 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${name} ${i} `.repeat(10)), headers: [{ key: 'i', value: Buffer.from(String(i)) }] })), { timestamp: 1_700_000_000_000 })
      const batch = Buffer.concat([plain.subarray(0, 61), compressRecords(id, plain.subarray(61))])
      batch.writeInt32BE(batch.length - 12, 8)
      batch.writeInt16BE(id, 21)
      batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
      const c = await KafkaWireClient.connect(port)
      try {
        const res = await c.request(0, 7, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] })
        expect(res.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 })
        const fetched = await c.request(1, 10, { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] })
        expect(fetched.responses[0].partitions[0].records).toEqual(batch)
      } finally {
        c.close()
      }
      const rest = await consumeRest(h, topic, 20)
      expect(rest.map(r => [r.offset, r.key, r.value, r.headers, r.timestamp])).toEqual(Array.from({ length: 20 }, (_, i) => [i, `k${i}`, `${name} ${i} `.repeat(10), [{ name: 'i', value: String(i) }], 1_700_000_000_000]))
    })
  }

  it('refuses a compressed batch whose records do not decompress (CORRUPT_MESSAGE), writing nothing', async () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], { timestamp: Date.now() })
    batch.writeInt16BE(1, 21) // claims gzip, but the records are not gzip data
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
    const c = await KafkaWireClient.connect(port)
    try {
      const res = await c.request(0, 8, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: 'z-bad', partitionData: [{ index: 0, records: batch }] }] })
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(2)
      const offsets = await h.call('GET', '/topics/z-bad/partitions/0/offsets')
      expect(offsets.body).toEqual({ beginning_offset: 0, end_offset: 0 })
    } finally {
      c.close()
    }
  })
})
