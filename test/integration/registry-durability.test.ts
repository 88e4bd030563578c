import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient } from './registry-helpers.js'
import { hasTopic, topicConfig } from '../helpers/backend-reads.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

function client (harness: Harness): ReturnType<typeof registryClient> {
  return registryClient(harness.url)
}

describe('registry durability (_schemas replayed at start-up)', () => {
  it('keeps subjects, ids, versions, deletes, config and mode across restarts; ids are never reused', async () => {
    h = await startHarness({ 'log.flush.interval.ms': 1000 }) // a lax broker default must not weaken _schemas
    let c = client(h)
    const a = ((await c.register('orders-value', { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] })).body as { id: number }).id
    const b = ((await c.register('orders-value', { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }] })).body as { id: number }).id
    const j = ((await c.register('events', { type: 'object', properties: { x: { type: 'integer' } } }, { schemaType: 'JSON' })).body as { id: number }).id
    const gone = ((await c.register('scratch', '"bytes"')).body as { id: number }).id
    await c.put('/config/orders-value', { compatibility: 'FULL' })
    await c.put('/config', { compatibility: 'FORWARD' })
    await c.put('/mode/events', { mode: 'READONLY' })
    await c.del('/subjects/orders-value/versions/2')
    await c.del('/subjects/scratch')
    await c.del('/subjects/scratch?permanent=true')
    expect((await hasTopic(h.gateway.backend, '_schemas'))).toBe(true)
    const desc = await h.gateway.backend.admin.describeTopic('_schemas')
    expect(desc).toMatchObject({ internal: true })
    expect(desc.partitions).toHaveLength(1)
    const config = await topicConfig(h.gateway.backend, '_schemas')
    expect(config['cleanup.policy']).toBe('compact')
    expect(config['flush.ms']).toBe('0')

    await h.restart()
    c = client(h)
    expect((await c.get('/subjects')).body).toEqual(['events', 'orders-value'])
    expect((await c.get('/subjects/orders-value/versions')).body).toEqual([1])
    expect((await c.get('/subjects/orders-value/versions?deleted=true')).body).toEqual([1, 2])
    expect((await c.get('/subjects/orders-value/versions/1')).body).toMatchObject({ id: a })
    expect((await c.get(`/schemas/ids/${b}`)).status).toBe(200)
    expect((await c.get(`/schemas/ids/${j}`)).body).toMatchObject({ schemaType: 'JSON' })
    expect((await c.get(`/schemas/ids/${gone}`)).body).toMatchObject({ error_code: 40403 })
    expect((await c.get('/config/orders-value')).body).toEqual({ compatibilityLevel: 'FULL' })
    expect((await c.get('/config')).body).toEqual({ compatibilityLevel: 'FORWARD' })
    expect((await c.get('/mode/events')).body).toEqual({ mode: 'READONLY' })
    // re-registering an existing schema returns the same id; a new one gets an id above every id ever used
    expect((await c.register('elsewhere', { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] })).body).toEqual({ id: a })
    const fresh = ((await c.register('scratch', '"bytes"')).body as { id: number }).id
    expect(fresh).toBeGreaterThan(Math.max(a, b, j, gone))

    await h.restart()
    c = client(h)
    expect((await c.get('/subjects/scratch/versions/1')).body).toMatchObject({ id: fresh })
    expect(h.gateway.registryUrl).toBeDefined()
    expect((await registryClient(h.gateway.registryUrl ?? '').get('/subjects/elsewhere/versions')).body).toEqual([1])
  })
})
