/**
 * Produce, Fetch and ListOffsets with real clients: kcat (librdkafka 2.0), kafka-python 2.0, confluent-kafka-python
 * 1.7 (librdkafka), kafkajs 2.2; REST ⇄ Kafka interop; and protocol-level checks with raw frames.
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { kcat, python } from '../../helpers/kafka-clients.js'
import { KafkaWireClient } from '../../helpers/kafka-wire.js'
import { encodeRecordBatch } from '../../../src/codec/record-batch.js'
import { consumeRest, createTopicRest, produceRest } from './rest-helpers.js'

let h: Harness
let port: number
let bootstrap: string

beforeAll(async () => {
  h = await startHarness()
  port = h.gateway.kafkaPort as number
  bootstrap = `127.0.0.1:${port}`
})

afterAll(async () => { await h.close() })

interface KcatRecord { offset: number, key: string | null, payload: string | null, headers?: string[], ts: number, partition: number }

async function kcatConsume (topic: string, extra: string[] = []): Promise<KcatRecord[]> {
  const run = await kcat(port, ['-C', '-t', topic, '-e', '-J', '-o', 'beginning', ...extra])
  expect(run.code, run.stderr).toBe(0)
  return run.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as KcatRecord)
}

describe('Kafka data plane with real clients', () => {
  it('kcat produces and consumes keys, values and headers; REST sees the same records', async () => {
    const input = Array.from({ length: 50 }, (_, i) => `key-${i}:value-${i}`).join('\n') + '\n'
    const produced = await kcat(port, ['-P', '-t', 'kc-round', '-K', ':', '-H', 'trace=abc', '-X', 'acks=all'], { input })
    expect(produced.code, produced.stderr).toBe(0)
    const records = await kcatConsume('kc-round')
    expect(records).toHaveLength(50)
    expect(records.map(r => [r.offset, r.key, r.payload])).toEqual(Array.from({ length: 50 }, (_, i) => [i, `key-${i}`, `value-${i}`]))
    expect(records[0]!.headers).toEqual(['trace', 'abc'])

    const viaRest = await consumeRest(h, 'kc-round', 50)
    expect(viaRest.map(r => [r.offset, r.key, r.value])).toEqual(records.map(r => [r.offset, r.key, r.payload]))
    expect(viaRest.map(r => r.timestamp)).toEqual(records.map(r => r.ts))
    expect(viaRest[0]!.headers).toEqual([{ name: 'trace', value: 'abc' }])
  })

  it('REST-produced records (keys, headers, timestamps) are consumed by kcat as they were sent', async () => {
    await createTopicRest(h, 'rest-to-kafka')
    const ts = Date.parse('2024-05-06T07:08:09.010Z')
    await produceRest(h, 'rest-to-kafka', { key: 'a', value: 'first', headers: [{ name: 'h1', value: 'v1' }, { name: 'h2', value: 'v2' }], timestamp: ts })
    await produceRest(h, 'rest-to-kafka', { key: null, value: 'second', timestamp: ts + 1 })
    const records = await kcatConsume('rest-to-kafka')
    expect(records.map(r => ({ offset: r.offset, key: r.key, value: r.payload, ts: r.ts, headers: r.headers ?? [] }))).toEqual([
      { offset: 0, key: 'a', value: 'first', ts, headers: ['h1', 'v1', 'h2', 'v2'] },
      { offset: 1, key: null, value: 'second', ts: ts + 1, headers: [] },
    ])
  })

  it("kafka-python's KafkaProducer.send(...).get() returns topic, partition and offset", async () => {
    await createTopicRest(h, 'kp-topic', 2)
    const run = await python(`
import sys
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=sys.argv[1], acks='all')
for i in range(3):
    md = p.send('kp-topic', key=b'k%d' % i, value=b'v%d' % i, partition=1, headers=[('n', str(i).encode())]).get(timeout=30)
    print(md.topic, md.partition, md.offset)
p.close()
`, [bootstrap], { timeoutMs: 60_000 })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim().split('\n')).toEqual(['kp-topic 1 0', 'kp-topic 1 1', 'kp-topic 1 2'])
    const rest = await consumeRest(h, 'kp-topic', 3, 1)
    expect(rest.map(r => [r.key, r.value, r.headers])).toEqual([0, 1, 2].map(i => [`k${i}`, `v${i}`, [{ name: 'n', value: String(i) }]]))
  })

  it('confluent-kafka-python Producer delivers, and a Consumer with assign (no group) reads back', async () => {
    const run = await python(`
import sys, json
from confluent_kafka import Producer, Consumer, TopicPartition
b, topic = sys.argv[1], 'ck-topic'
p = Producer({'bootstrap.servers': b, 'acks': 'all'})
reports = []
for i in range(5):
    p.produce(topic, key=b'k%d' % i, value=b'v%d' % i, headers=[('h', b'x%d' % i)], timestamp=1700000000000 + i,
              on_delivery=lambda e, m: reports.append([None if e is None else str(e), m.partition(), m.offset()]))
assert p.flush(30) == 0
c = Consumer({'bootstrap.servers': b, 'group.id': 'ck-unused', 'enable.auto.commit': False})
c.assign([TopicPartition(topic, 0, 0)])
got = []
while len(got) < 5:
    m = c.poll(15)
    if m is None: break
    if m.error(): continue
    got.append([m.offset(), m.key().decode(), m.value().decode(), [[k, v.decode()] for k, v in m.headers()], m.timestamp()[1]])
c.close()
print(json.dumps({'reports': reports, 'got': got}))
`, [bootstrap], { timeoutMs: 90_000 })
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { reports: unknown[], got: unknown[] }
    expect(out.reports).toEqual([0, 1, 2, 3, 4].map(i => [null, 0, i]))
    expect(out.got).toEqual([0, 1, 2, 3, 4].map(i => [i, `k${i}`, `v${i}`, [['h', `x${i}`]], 1700000000000 + i]))
  })

  it('kafkajs producer sends, with offsets back, and REST reads the same keys, values, headers and timestamps', async () => {
    await createTopicRest(h, 'kjs-topic')
    const kafka = new Kafka({ clientId: 'krest-test', brokers: [bootstrap], logLevel: logLevel.NOTHING })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const ts = 1700000001000
      const result = await producer.send({
        topic: 'kjs-topic',
        acks: -1,
        messages: [0, 1, 2].map(i => ({ key: `k${i}`, value: `v${i}`, headers: { hdr: `h${i}` }, timestamp: String(ts + i) })),
      })
      expect(result).toEqual([expect.objectContaining({ topicName: 'kjs-topic', partition: 0, errorCode: 0, baseOffset: '0' })])
      const rest = await consumeRest(h, 'kjs-topic', 3)
      expect(rest.map(r => [r.offset, r.key, r.value, r.headers, r.timestamp])).toEqual([0, 1, 2].map(i => [i, `k${i}`, `v${i}`, [{ name: 'hdr', value: `h${i}` }], ts + i]))
    } finally {
      await producer.disconnect()
    }
  })
})

function batch (values: string[], timestamp = Date.now()): Buffer {
  return encodeRecordBatch(values.map(v => ({ key: Buffer.from('k'), value: Buffer.from(v) })), { timestamp })
}

function produceBody (topic: string, records: Buffer | null, acks = -1, partition = 0): Record<string, unknown> {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }
}

interface ProduceReply { responses: Array<{ partitionResponses: Array<{ errorCode: number, baseOffset: number, logStartOffset: number }> }> }
interface FetchReply { responses: Array<{ partitions: Array<{ errorCode: number, highWatermark: number, records: Buffer | null }> }> }

describe('Kafka data plane at the protocol level', () => {
  it('Produce assigns offsets without re-encoding; Fetch returns the stored bytes; ListOffsets finds earliest, latest and by time', async () => {
    await createTopicRest(h, 'raw-topic')
    const c = await KafkaWireClient.connect(port)
    try {
      const b1 = batch(['a', 'b', 'c'], 1000)
      const b2 = batch(['d'], 2000)
      const r1 = await c.request(0, 8, produceBody('raw-topic', Buffer.from(b1))) as ProduceReply
      expect(r1.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0, logStartOffset: 0 })
      const r2 = await c.request(0, 3, produceBody('raw-topic', Buffer.from(b2))) as ProduceReply
      expect(r2.responses[0]!.partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 3 })
      const f = await c.request<FetchReply>(1, 12, { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'raw-topic', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] })
      const p = f.responses[0]!.partitions[0]!
      expect(p.errorCode).toBe(0)
      expect(p.highWatermark).toBe(4)
      // The same bytes as sent, except the base offset (not covered by the CRC).
      const expected2 = Buffer.from(b2)
      expected2.writeUInt32BE(0, 0); expected2.writeUInt32BE(3, 4)
      expect(p.records).toEqual(Buffer.concat([b1, expected2]))
      // maxBytes smaller than the first batch still returns that whole batch
      const small = await c.request<FetchReply>(1, 4, { maxWaitMs: 0, minBytes: 1, maxBytes: 1, topics: [{ topic: 'raw-topic', partitions: [{ partition: 0, fetchOffset: 1, partitionMaxBytes: 1 }] }] })
      expect(small.responses[0]!.partitions[0]!.records).toEqual(b1)
      const lo = await c.request<{ topics: Array<{ partitions: Array<{ errorCode: number, offset: number, timestamp: number }> }> }>(2, 5, { replicaId: -1, topics: [{ name: 'raw-topic', partitions: [{ partitionIndex: 0, timestamp: -2 }, { partitionIndex: 0, timestamp: -1 }, { partitionIndex: 0, timestamp: 1500 }, { partitionIndex: 0, timestamp: 9999 }] }] })
      expect(lo.topics[0]!.partitions.map(x => [x.errorCode, x.offset, x.timestamp])).toEqual([[0, 0, -1], [0, 4, -1], [0, 3, 2000], [0, -1, -1]])
      const missing = await c.request<{ topics: Array<{ partitions: Array<{ errorCode: number }> }> }>(2, 1, { replicaId: -1, topics: [{ name: 'no-such-topic', partitions: [{ partitionIndex: 0, timestamp: -1 }] }] })
      expect(missing.topics[0]!.partitions[0]!.errorCode).toBe(3)
      const outOfRange = await c.request<FetchReply>(1, 11, { maxWaitMs: 0, minBytes: 1, maxBytes: 1000, topics: [{ topic: 'raw-topic', partitions: [{ partition: 0, fetchOffset: 99, partitionMaxBytes: 1000 }] }] })
      expect(outOfRange.responses[0]!.partitions[0]!.errorCode).toBe(1)
    } finally {
      c.close()
    }
  })

  it('Fetch long-polls: it waits for maxWaitMs without data and returns as soon as a REST produce lands', async () => {
    await createTopicRest(h, 'poll-topic')
    const c = await KafkaWireClient.connect(port)
    try {
      const fetchBody = { maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'poll-topic', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] }
      let started = Date.now()
      const empty = await c.request<FetchReply>(1, 12, fetchBody)
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
      expect(empty.responses[0]!.partitions[0]!.records?.length ?? 0).toBe(0)
      started = Date.now()
      const waiting = c.request(1, 12, { ...fetchBody, maxWaitMs: 20_000 })
      await new Promise(resolve => setTimeout(resolve, 200))
      await produceRest(h, 'poll-topic', { key: 'k', value: 'woke' })
      const got = await waiting as FetchReply
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(got.responses[0]!.partitions[0]!.records?.includes(Buffer.from('woke'))).toBe(true)
    } finally {
      c.close()
    }
  })

  it('acks=0 gets no response but keeps its place; a corrupt batch gets CORRUPT_MESSAGE with nothing written', async () => {
    await createTopicRest(h, 'acks0-topic')
    const c = await KafkaWireClient.connect(port)
    try {
      c.writeRaw(Buffer.concat([
        c.encodeRequest(0, 7, produceBody('acks0-topic', batch(['x']), 0), 100),
        c.encodeRequest(18, 0, {}, 101),
      ]))
      expect((await c.readFrame()).readInt32BE(0)).toBe(101)
      const corrupt = batch(['y'])
      corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff
      const bad = await c.request(0, 8, produceBody('acks0-topic', corrupt)) as ProduceReply
      expect(bad.responses[0]!.partitionResponses[0]!.errorCode).toBe(2)
      const truncated = await c.request(0, 8, produceBody('acks0-topic', batch(['z']).subarray(0, 65))) as ProduceReply
      expect(truncated.responses[0]!.partitionResponses[0]!.errorCode).toBe(2)
      const noPartition = await c.request(0, 8, produceBody('acks0-topic', batch(['z']), -1, 5)) as ProduceReply
      expect(noPartition.responses[0]!.partitionResponses[0]!.errorCode).toBe(3)
      const offsets = await h.call('GET', '/topics/acks0-topic/partitions/0/offsets')
      expect(offsets.body).toEqual({ beginning_offset: 0, end_offset: 1 })
    } finally {
      c.close()
    }
  })

  it('refuses a batch over max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    const cid = h.gateway.backend.metadata.clusterId
    const res = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: 'small-topic', partitions_count: 1, configs: [{ name: 'max.message.bytes', value: '200' }] }, headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(201)
    const c = await KafkaWireClient.connect(port)
    try {
      const big = await c.request(0, 8, produceBody('small-topic', batch(['x'.repeat(500)]))) as ProduceReply
      expect(big.responses[0]!.partitionResponses[0]!.errorCode).toBe(10)
    } finally {
      c.close()
    }
  })
})
