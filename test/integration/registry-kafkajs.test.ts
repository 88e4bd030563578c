/** Round trip through the npm client @kafkajs/confluent-schema-registry against a real krest server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { startHarness, type Harness } from './gateway-harness.js'
import { readPartition } from '../helpers/backend-reads.js'

let h: Harness
let client: SchemaRegistry
beforeAll(async () => {
  h = await startHarness()
  client = new SchemaRegistry({ host: h.gateway.registryUrl ?? '' }, { forSchemaOptions: {} })
})
afterAll(async () => { await h.close() })

describe('@kafkajs/confluent-schema-registry against krest', () => {
  it('registers, encodes and decodes Avro; a second register returns the same id', async () => {
    const schema = JSON.stringify({ type: 'record', name: 'Payment', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'memo', type: ['null', 'string'], default: null }] })
    const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject: 'payments-value' })
    expect(id).toBeGreaterThan(0)
    expect((await client.register({ type: SchemaType.AVRO, schema }, { subject: 'payments-value' })).id).toBe(id)
    const payload = { id: 'p-1', amount: 12.5, memo: 'lunch' }
    const encoded = await client.encode(id, payload)
    expect(encoded[0]).toBe(0)
    expect(encoded.readInt32BE(1)).toBe(id)
    expect(await client.decode(encoded)).toEqual(payload)
    expect(await client.getLatestSchemaId('payments-value')).toBe(id)
    expect(await client.getRegistryIdBySchema('payments-value', { type: SchemaType.AVRO, schema })).toBe(id)
    // the client PUT its compatibility on first registration (after a 404/40408 GET)
    const cfg = await fetch(`${h.gateway.registryUrl ?? ''}/config/payments-value`)
    expect(await cfg.json()).toEqual({ compatibilityLevel: 'BACKWARD' })
    // a fresh client (empty cache) decodes by fetching the schema by id
    const fresh = new SchemaRegistry({ host: h.gateway.registryUrl ?? '' })
    expect(await fresh.decode(encoded)).toEqual(payload)
  })

  it('surfaces incompatible schemas as errors', async () => {
    const v1 = JSON.stringify({ type: 'record', name: 'Thing', fields: [{ name: 'a', type: 'int' }] })
    const v2 = JSON.stringify({ type: 'record', name: 'Thing', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] })
    await client.register({ type: SchemaType.AVRO, schema: v1 }, { subject: 'things' })
    await expect(client.register({ type: SchemaType.AVRO, schema: v2 }, { subject: 'things' })).rejects.toThrow(/incompatible/)
  })

  it('registers, encodes and decodes JSON Schema', async () => {
    const schema = JSON.stringify({ type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'] })
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: 'stock-value' })
    const encoded = await client.encode(id, { sku: 'x', qty: 2 })
    expect(encoded.readInt32BE(1)).toBe(id)
    expect(await new SchemaRegistry({ host: h.gateway.registryUrl ?? '' }).decode(encoded)).toEqual({ sku: 'x', qty: 2 })
  })

  it('resolves Avro references through the registry', async () => {
    const money = JSON.stringify({ type: 'record', name: 'Money', namespace: 'com.acme', fields: [{ name: 'cents', type: 'long' }] })
    await client.register({ type: SchemaType.AVRO, schema: money }, { subject: 'money' })
    const order = JSON.stringify({ type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'total', type: 'com.acme.Money' }] })
    const { id } = await client.register({ type: SchemaType.AVRO, schema: order, references: [{ name: 'com.acme.Money', subject: 'money', version: 1 }] }, { subject: 'orders-value' })
    const encoded = await client.encode(id, { total: { cents: 500 } })
    expect(await new SchemaRegistry({ host: h.gateway.registryUrl ?? '' }).decode(encoded)).toEqual({ total: { cents: 500 } })
  })

  it('decodes what krest\'s REST proxy produced with the avro format', async () => {
    const schema = JSON.stringify({ type: 'record', name: 'Click', fields: [{ name: 'url', type: 'string' }, { name: 'n', type: 'int' }] })
    const res = await h.call('POST', '/topics/clicks', { headers: { 'content-type': 'application/vnd.kafka.avro.v2+json' }, body: { value_schema: schema, records: [{ value: { url: '/a', n: 3 } }] } })
    expect(res.status).toBe(200)
    const read = { records: await readPartition(h.gateway.backend, 'clicks', 0) }
    const bytes = read.records[0]?.value
    expect(bytes).toBeInstanceOf(Buffer)
    expect(await client.decode(bytes as Buffer)).toEqual({ url: '/a', n: 3 })
  })
})
