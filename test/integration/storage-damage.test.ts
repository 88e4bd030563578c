import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './gateway-harness.js'
import { registryClient } from './registry-helpers.js'

let h: Harness | undefined
let dir: string | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe('damage found at start-up, over HTTP', () => {
  it('/ready lists what was quarantined; a consumer at the damaged offsets gets 50002, counted; the rest is served', async () => {
    dir = await mkdtemp(join(tmpdir(), 'krest-damage-'))
    h = await startHarness({}, dir)
    await h.gateway.backend.admin.createTopic('d', { partitions: 1, configs: { 'segment.bytes': '2048' } })
    for (let i = 0; i < 60; i++) {
      const r = await h.call('POST', '/topics/d', { body: { records: [{ value: Buffer.from(`value-${i}`.padEnd(80, '.')).toString('base64') }] }, headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' } })
      expect(r.status).toBe(200)
    }
    await h.gateway.close()
    h = undefined
    const partitionDir = join(dir, 'd-0')
    const names = (await readdir(partitionDir)).filter(n => n.endsWith('.log')).sort()
    expect(names.length).toBeGreaterThan(3)
    const victim = join(partitionDir, names[1] as string)
    const buf = await readFile(victim)
    const at = Math.floor(buf.length / 2)
    buf.writeUInt8(buf.readUInt8(at) ^ 0x40, at)
    await writeFile(victim, buf)

    h = await startHarness({}, dir)
    const ready = await h.call('GET', '/ready')
    expect(ready.status).toBe(200)
    const damage = (ready.body as { storage_damage?: string[] }).storage_damage
    expect(damage).toHaveLength(1)
    expect(damage?.[0]).toContain(victim)
    expect(damage?.[0]).toContain(join(dir, '.quarantine', 'd-0'))
    // A consumer positioned in the damaged range gets a Confluent error naming the damage, never wrong records.
    const from = Number(/offsets (\d+)\.\.\d+ cannot be served/.exec(damage?.[0] ?? '')?.[1])
    expect(from).toBeGreaterThan(0)
    const created = await h.call('POST', '/consumers/dmg', { body: { format: 'binary', 'auto.offset.reset': 'earliest' } })
    const path = `/consumers/dmg/instances/${(created.body as { instance_id: string }).instance_id}`
    expect((await h.call('POST', `${path}/assignments`, { body: { partitions: [{ topic: 'd', partition: 0 }] } })).status).toBe(204)
    expect((await h.call('POST', `${path}/positions`, { body: { offsets: [{ topic: 'd', partition: 0, offset: from }] } })).status).toBe(204)
    const bad = await h.call('GET', `${path}/records?timeout=200`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
    expect(bad.status).toBe(500)
    expect(bad.body).toMatchObject({ error_code: 50002 })
    expect((bad.body as { message: string }).message).toMatch(/cannot be served/)
    // Reading before the damage works.
    expect((await h.call('POST', `${path}/positions`, { body: { offsets: [{ topic: 'd', partition: 0, offset: 0 }] } })).status).toBe(204)
    const good = await h.call('GET', `${path}/records?timeout=200&max_bytes=200`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } })
    expect(good.status).toBe(200)
    expect((good.body as Array<{ offset: number }>)[0]?.offset).toBe(0)
    const metrics = await h.call('GET', '/metrics')
    expect(metrics.text).toMatch(/krest_log_read_errors_total\{topic="d",reason="missing-offsets"\} 1/)
  })

  it('a damaged _schemas refuses to start rather than hand out a schema id again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'krest-damage-'))
    h = await startHarness({}, dir)
    const c = registryClient(h.url)
    for (let i = 0; i < 4; i++) {
      const r = await c.register(`s${i}`, { type: 'record', name: `R${i}`, fields: [{ name: 'f', type: 'long' }] })
      expect(r.status).toBe(200)
    }
    await h.gateway.close()
    h = undefined
    const victim = join(dir, '_schemas-0', '00000000000000000000.log')
    const buf = await readFile(victim)
    const at = 61 + 10 // inside the first record of the first batch
    buf.writeUInt8(buf.readUInt8(at) ^ 0x20, at)
    await writeFile(victim, buf)
    await expect(startHarness({}, dir)).rejects.toThrow(/_schemas-0.*cannot be served|cannot read _schemas-0/)
  })
})
