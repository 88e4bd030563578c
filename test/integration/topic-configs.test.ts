/** Kafka's full topic config set over the v3 API (issue 16 item 3): names, defaults, validation, synonyms, effects. */
import { afterEach, describe, expect, it } from 'vitest'
import { BINARY, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const JSON_CT = { 'content-type': 'application/json' }

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

interface ConfigData { name: string, value: string | null, is_default: boolean, source: string, synonyms: Array<{ name: string, value: string | null, source: string }> }

async function setup (): Promise<{ harness: Harness, base: string }> {
  h = await startHarness()
  return { harness: h, base: `/v3/clusters/${h.gateway.backend.metadata.clusterId}` }
}

async function configs (harness: Harness, base: string, topic: string): Promise<Map<string, ConfigData>> {
  const res = await harness.call('GET', `${base}/topics/${topic}/configs`)
  expect(res.status).toBe(200)
  return new Map((res.body as { data: ConfigData[] }).data.map(d => [d.name, d]))
}

describe('topic configs: Kafka\'s full set', () => {
  it('reports every Kafka topic config with Kafka\'s default and its broker synonym', async () => {
    const { harness, base } = await setup()
    expect((await harness.call('POST', `${base}/topics`, { body: { topic_name: 't' }, headers: JSON_CT })).status).toBe(201)
    const all = await configs(harness, base, 't')
    const expected: Record<string, [string, string | undefined]> = {
      'compression.type': ['producer', 'compression.type'],
      'min.insync.replicas': ['1', 'min.insync.replicas'],
      'unclean.leader.election.enable': ['false', 'unclean.leader.election.enable'],
      'segment.index.bytes': ['10485760', 'log.index.size.max.bytes'],
      'file.delete.delay.ms': ['60000', 'log.segment.delete.delay.ms'],
      'min.compaction.lag.ms': ['0', 'log.cleaner.min.compaction.lag.ms'],
      'max.compaction.lag.ms': ['9223372036854775807', 'log.cleaner.max.compaction.lag.ms'],
      'message.timestamp.before.max.ms': ['9223372036854775807', 'log.message.timestamp.before.max.ms'],
      'message.timestamp.after.max.ms': ['3600000', 'log.message.timestamp.after.max.ms'],
      'flush.messages': ['9223372036854775807', 'log.flush.interval.messages'],
      'preallocate': ['false', 'log.preallocate'],
      'segment.jitter.ms': ['0', 'log.roll.jitter.ms'],
      'local.retention.ms': ['-2', 'log.local.retention.ms'],
      'compression.gzip.level': ['-1', 'compression.gzip.level'],
      'follower.replication.throttled.replicas': ['', undefined],
      'remote.storage.enable': ['false', undefined],
      'retention.ms': ['604800000', 'log.retention.ms'],
    }
    for (const [name, [value, synonym]] of Object.entries(expected)) {
      const entry = all.get(name)
      expect(entry, name).toMatchObject({ value, is_default: true, source: 'DEFAULT_CONFIG' })
      expect(entry?.synonyms.map(s => s.name), name).toEqual(synonym === undefined ? [] : [synonym])
    }
    expect(all.size).toBe(33)
  })

  it('accepts them at creation and on alter, stores them across a restart, and rejects bad values with 400', async () => {
    const { harness, base } = await setup()
    const created = await harness.call('POST', `${base}/topics`, {
      body: {
        topic_name: 'tools',
        configs: [
          { name: 'compression.type', value: 'zstd' }, { name: 'min.insync.replicas', value: '2' },
          { name: 'unclean.leader.election.enable', value: 'TRUE' }, { name: 'leader.replication.throttled.replicas', value: '0:0, 1:0' },
          { name: 'max.compaction.lag.ms', value: '9223372036854775807' },
        ],
      },
      headers: JSON_CT,
    })
    expect(created.status).toBe(201)
    const alter = await harness.call('POST', `${base}/topics/tools/configs:alter`, { body: { data: [{ name: 'segment.index.bytes', value: '4096' }, { name: 'file.delete.delay.ms', value: '0' }] }, headers: JSON_CT })
    expect(alter.status).toBe(204)
    await harness.restart()
    const all = await configs(harness, base, 'tools')
    expect(all.get('compression.type')).toMatchObject({ value: 'zstd', is_default: false, source: 'DYNAMIC_TOPIC_CONFIG' })
    expect(all.get('min.insync.replicas')?.value).toBe('2')
    expect(all.get('unclean.leader.election.enable')?.value).toBe('true')
    expect(all.get('leader.replication.throttled.replicas')?.value).toBe('0:0,1:0')
    expect(all.get('max.compaction.lag.ms')?.value).toBe('9223372036854775807')
    expect(all.get('segment.index.bytes')?.value).toBe('4096')
    expect(all.get('file.delete.delay.ms')?.value).toBe('0')

    for (const [name, value] of [
      ['compression.type', 'brotli'], ['min.insync.replicas', '0'], ['preallocate', 'yes'], ['compression.gzip.level', '0'],
      ['segment.index.bytes', '3'], ['follower.replication.throttled.replicas', 'all'], ['flush.messages', '9223372036854775808'],
    ] as const) {
      const res = await harness.call('PUT', `${base}/topics/tools/configs/${name}`, { body: { value }, headers: JSON_CT })
      expect(res.status, `${name}=${value}`).toBe(400)
      expect((res.body as { error_code: number }).error_code).toBe(40002)
    }
    // Kafka's cross-check: min.compaction.lag.ms may not exceed max.compaction.lag.ms.
    const lag = await harness.call('POST', `${base}/topics`, { body: { topic_name: 'lag', configs: [{ name: 'min.compaction.lag.ms', value: '10' }, { name: 'max.compaction.lag.ms', value: '5' }] }, headers: JSON_CT })
    expect(lag.status).toBe(400)
    expect((await harness.call('GET', `${base}/topics/lag`)).status).toBe(404)
  })

  it('message.timestamp.after.max.ms and before.max.ms refuse CreateTime records too far from the broker clock', async () => {
    const { harness, base } = await setup()
    await harness.call('POST', `${base}/topics`, { body: { topic_name: 'ts', configs: [{ name: 'message.timestamp.before.max.ms', value: '86400000' }] }, headers: JSON_CT })
    const produce = async (timestamp: number): Promise<{ status: number, body: unknown }> =>
      await harness.call('POST', '/topics/ts', { body: { records: [{ value: b64('x'), timestamp }] }, headers: { 'content-type': BINARY } })
    expect((await produce(Date.now())).status).toBe(200)
    const future = await produce(Date.now() + 2 * 3600_000) // past Kafka's default after.max.ms of 1 h
    expect(future.status).toBe(400)
    expect((future.body as { error_code: number, message: string })).toMatchObject({ error_code: 40002 })
    expect((future.body as { message: string }).message).toContain('message.timestamp.after.max.ms')
    expect((await produce(Date.now() - 2 * 86400_000)).status).toBe(400)
    // Under LogAppendTime the producer's timestamp is replaced, so it is not checked.
    expect((await harness.call('PUT', `${base}/topics/ts/configs/message.timestamp.type`, { body: { value: 'LogAppendTime' }, headers: JSON_CT })).status).toBe(204)
    expect((await produce(Date.now() + 2 * 3600_000)).status).toBe(200)
    const end = await harness.call('GET', '/topics/ts/partitions/0/offsets')
    expect((end.body as { end_offset: number }).end_offset).toBe(2)
  })
})
