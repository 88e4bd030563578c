/** The Kafka protocol listener: framing, headers, ApiVersions, Metadata, ordering; with kcat (librdkafka) and raw frames. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'
import { kcat } from '../../helpers/kafka-clients.js'
import { KafkaWireClient, decodeResponse } from '../../helpers/kafka-wire.js'

let h: Harness
let port: number

beforeAll(async () => {
  h = await startHarness()
  port = h.gateway.kafkaPort as number
  const created = await h.call('POST', '/v3/clusters/' + h.gateway.backend.metadata.clusterId + '/topics', { body: { topic_name: 'rest-made', partitions_count: 3 }, headers: { 'content-type': 'application/json' } })
  expect(created.status).toBe(201)
})

afterAll(async () => { await h.close() })

describe('Kafka listener', () => {
  it('listens on a free port when kafka.port is 0 and advertises the bound host', () => {
    expect(port).toBeGreaterThan(0)
    expect(port).not.toBe(9092)
    expect(h.gateway.kafkaBootstrap).toBe(`127.0.0.1:${port}`)
  })

  it('kcat -L lists the broker and the topics created over REST', async () => {
    const run = await kcat(port, ['-L', '-J'])
    expect(run.code, run.stderr).toBe(0)
    const meta = JSON.parse(run.stdout) as { brokers: Array<{ id: number, name: string }>, topics: Array<{ topic: string, partitions: Array<{ partition: number, leader: number }> }> }
    expect(meta.brokers).toEqual([{ id: 0, name: `127.0.0.1:${port}` }])
    const topic = meta.topics.find(t => t.topic === 'rest-made')
    expect(topic?.partitions.map(p => [p.partition, p.leader])).toEqual([[0, 0], [1, 0], [2, 0]])
    expect(meta.topics.some(t => t.topic === '__consumer_offsets')).toBe(true)
  })

  it('kcat -L -t auto-creates a missing topic, visible over REST', async () => {
    const run = await kcat(port, ['-L', '-J', '-t', 'made-by-metadata'])
    expect(run.code, run.stderr).toBe(0)
    expect((JSON.parse(run.stdout) as { topics: Array<{ topic: string, partitions: unknown[] }> }).topics).toMatchObject([{ topic: 'made-by-metadata', partitions: [{ partition: 0 }] }])
    expect((await h.call('GET', '/topics/made-by-metadata')).status).toBe(200)
  })

  it('ApiVersions v3 (flexible) lists our ranges; an unknown version gets error 35 in a v0 body with header v0', async () => {
    const c = await KafkaWireClient.connect(port)
    try {
      const v3 = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }) as { errorCode: number, apiKeys: Array<{ apiKey: number, minVersion: number, maxVersion: number }> }
      expect(v3.errorCode).toBe(0)
      expect(v3.apiKeys).toContainEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 })
      expect(v3.apiKeys).toContainEqual({ apiKey: 3, minVersion: 1, maxVersion: 9 })
      // v9 does not exist for us: the client cannot know its encoding, so the answer is the v0 body.
      c.writeRaw(c.encodeRequest(18, 9, {}, 77))
      const v0 = decodeResponse(18, 0, await c.readFrame(), 77) as { errorCode: number, apiKeys: unknown[] }
      expect(v0.errorCode).toBe(35)
      expect(v0.apiKeys).toEqual(v3.apiKeys)
    } finally {
      c.close()
    }
  })

  it('answers pipelined requests in request order', async () => {
    const c = await KafkaWireClient.connect(port)
    try {
      const frames = [1, 2, 3, 4, 5, 6].map(i => i % 2 === 0 ? c.encodeRequest(18, 2, {}, i) : c.encodeRequest(3, 9, { topics: null }, i))
      c.writeRaw(Buffer.concat(frames))
      const ids: number[] = []
      for (let i = 0; i < 6; i++) ids.push((await c.readFrame()).readInt32BE(0))
      expect(ids).toEqual([1, 2, 3, 4, 5, 6])
    } finally {
      c.close()
    }
  })

  it('Metadata: an empty list means no topics, null means all; a missing topic without auto-create gets error 3', async () => {
    const c = await KafkaWireClient.connect(port)
    try {
      const none = await c.request(3, 1, { topics: [] }) as { topics: unknown[], brokers: Array<{ host: string, port: number }> }
      expect(none.topics).toEqual([])
      expect(none.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port, rack: null }])
      const all = await c.request(3, 9, { topics: null }) as { topics: Array<{ name: string }> }
      expect(all.topics.map(t => t.name)).toContain('rest-made')
      const missing = await c.request(3, 4, { topics: [{ name: 'never-created' }], allowAutoTopicCreation: false }) as { topics: Array<{ name: string, errorCode: number }> }
      expect(missing.topics).toEqual([expect.objectContaining({ name: 'never-created', errorCode: 3 })])
      expect((await h.call('GET', '/topics/never-created')).status).toBe(404)
    } finally {
      c.close()
    }
  })

  it('closes a connection on an unknown api key, an unsupported version or a malformed body, and other connections go on', async () => {
    const bystander = await KafkaWireClient.connect(port)
    try {
      for (const bad of [
        (c: KafkaWireClient) => c.writeRaw(Buffer.from('0000000a' + '7fff0000' + '00000001' + 'ffff', 'hex')), // unknown api key 32767
        (c: KafkaWireClient) => c.writeRaw(c.encodeRequest(3, 0, { topics: [] })), // Metadata v0 is not served
        (c: KafkaWireClient) => c.writeRaw(Buffer.from('0000000b' + '00030009' + '00000001' + 'ffff' + '05', 'hex')), // truncated v9 body
        (c: KafkaWireClient) => c.writeRaw(Buffer.from('7fffffff', 'hex')), // beyond socket.request.max.bytes
        (c: KafkaWireClient) => c.writeRaw(Buffer.from('00000002' + '0003', 'hex')), // header shorter than its fixed part
      ]) {
        const c = await KafkaWireClient.connect(port)
        bad(c)
        await c.closed
      }
      expect(((await bystander.request(18, 0, {})) as { errorCode: number }).errorCode).toBe(0)
    } finally {
      bystander.close()
    }
  })
})

describe('Kafka listener settings', () => {
  it('kafka.port -1 turns the listener off', async () => {
    const off = await startHarness({ 'kafka.port': -1 })
    try {
      expect(off.gateway.kafkaPort).toBeUndefined()
      expect(off.gateway.kafkaBootstrap).toBeUndefined()
    } finally {
      await off.close()
    }
  })

  it('advertises kafka.advertised.host in Metadata', async () => {
    const other = await startHarness({ 'kafka.advertised.host': 'kafka.example.test' })
    try {
      const c = await KafkaWireClient.connect(other.gateway.kafkaPort as number)
      const meta = await c.request(3, 9, { topics: [] }) as { brokers: Array<{ host: string, port: number }> }
      c.close()
      expect(meta.brokers).toEqual([{ nodeId: 0, host: 'kafka.example.test', port: other.gateway.kafkaPort, rack: null }])
    } finally {
      await other.close()
    }
  })
})
