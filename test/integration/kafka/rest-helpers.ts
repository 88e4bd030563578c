/** REST-side helpers for the Kafka interop tests: v3 produce with headers/timestamps and a v2 binary consumer. */
import { expect } from 'vitest'
import { BINARY, V2 } from '../gateway-harness.js'
import type { Harness } from '../gateway-harness.js'

export interface RestRecord {
  key: string | null
  value: string | null
  offset: number
  partition: number
  timestamp: number
  headers: Array<{ name: string, value: string | null }>
}

/** Creates a topic over REST v3. */
export async function createTopicRest (h: Harness, topic: string, partitions = 1): Promise<void> {
  const cid = h.gateway.backend.metadata.clusterId
  const res = await h.call('POST', `/v3/clusters/${cid}/topics`, { body: { topic_name: topic, partitions_count: partitions }, headers: { 'content-type': 'application/json' } })
  expect(res.status, res.text).toBe(201)
}

/** Produces one record over REST v3 (binary key/value, headers, timestamp); returns its offset. */
export async function produceRest (h: Harness, topic: string, record: { key: string | null, value: string, headers?: Array<{ name: string, value: string }>, timestamp?: number, partition?: number }): Promise<number> {
  const cid = h.gateway.backend.metadata.clusterId
  const body: Record<string, unknown> = {
    value: { type: 'BINARY', data: Buffer.from(record.value).toString('base64') },
    headers: (record.headers ?? []).map(x => ({ name: x.name, value: Buffer.from(x.value).toString('base64') })),
  }
  if (record.key !== null) body.key = { type: 'BINARY', data: Buffer.from(record.key).toString('base64') }
  if (record.timestamp !== undefined) body.timestamp = new Date(record.timestamp).toISOString()
  if (record.partition !== undefined) body.partition_id = record.partition
  const res = await h.call('POST', `/v3/clusters/${cid}/topics/${topic}/records`, { body, headers: { 'content-type': 'application/json' } })
  expect(res.status, res.text).toBe(200)
  return (res.body as { offset: number }).offset
}

/** Reads `count` records of one partition from the beginning with a v2 binary consumer instance (assign, no group). */
export async function consumeRest (h: Harness, topic: string, count: number, partition = 0): Promise<RestRecord[]> {
  const group = `rest-reader-${Math.random().toString(36).slice(2)}`
  const created = await h.call('POST', `/consumers/${group}`, { body: { name: 'r', format: 'binary' } })
  expect(created.status, created.text).toBe(200)
  const path = `/consumers/${group}/instances/r`
  try {
    const tp = { topic, partition }
    expect((await h.call('POST', `${path}/assignments`, { body: { partitions: [tp] } })).status).toBe(204)
    expect((await h.call('POST', `${path}/positions/beginning`, { body: { partitions: [tp] } })).status).toBe(204)
    const out: RestRecord[] = []
    const deadline = Date.now() + 15_000
    while (out.length < count && Date.now() < deadline) {
      const res = await h.call('GET', `${path}/records?timeout=500`, { headers: { accept: BINARY } })
      expect(res.status, res.text).toBe(200)
      for (const r of res.body as Array<RestRecord & { key: string | null, value: string | null }>) {
        out.push({
          ...r,
          key: r.key === null ? null : Buffer.from(r.key, 'base64').toString(),
          value: r.value === null ? null : Buffer.from(r.value, 'base64').toString(),
          headers: r.headers.map(x => ({ name: x.name, value: x.value === null ? null : Buffer.from(x.value, 'base64').toString() })),
        })
      }
    }
    return out
  } finally {
    await h.call('DELETE', path, { headers: { 'content-type': V2 } })
  }
}
