import { describe, expect, it } from 'vitest'
import { GatewayMetrics } from '../../../src/telemetry/metrics.js'
import type { GroupStateSource, LogStateSource } from '../../../src/telemetry/metrics.js'
import { prettyLine } from '../../../src/telemetry/logger.js'
import { Readiness } from '../../../src/telemetry/readiness.js'
import type { PartitionState } from '../../../src/storage/types.js'

function value (text: string, series: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('GatewayMetrics', () => {
  it('reads state sources at scrape time: series of deleted topics and emptied groups disappear', async () => {
    const m = new GatewayMetrics({ version: 'test', defaultMetrics: false })
    let states: PartitionState[] = [
      { topic: 'a', partition: 0, logStartOffset: 2, logEndOffset: 10, highWatermark: 10, segments: 2, sizeBytes: 100 },
      { topic: 'a', partition: 1, logStartOffset: 0, logEndOffset: 5, highWatermark: 5, segments: 1, sizeBytes: 50 },
      { topic: 'b', partition: 0, logStartOffset: 0, logEndOffset: 1, highWatermark: 1, segments: 1, sizeBytes: 7 },
    ]
    let offsets = [{ topic: 'a', partition: 0, currentOffset: 4, lag: 6 }, { topic: 'a', partition: 1, currentOffset: 5, lag: 0 }]
    const logs: LogStateSource = { partitionStates: () => states }
    const groups: GroupStateSource = { listGroups: () => offsets.length === 0 ? [] : [{ groupId: 'g', members: [1, 2] }], groupOffsets: () => offsets }
    m.attach({ logs, groups })
    let t = (await m.render()).body
    expect(value(t, 'kafka_topic_partitions{topic="a"}')).toBe(2)
    expect(value(t, 'kafka_topic_partition_current_offset{topic="a",partition="0"}')).toBe(10)
    expect(value(t, 'kafka_topic_partition_oldest_offset{topic="a",partition="0"}')).toBe(2)
    expect(value(t, 'krest_log_segments{topic="a"}')).toBe(3)
    expect(value(t, 'krest_log_size_bytes{topic="a"}')).toBe(150)
    expect(value(t, 'kafka_consumergroup_lag{consumergroup="g",topic="a",partition="0"}')).toBe(6)
    expect(value(t, 'kafka_consumergroup_lag{consumergroup="g",topic="a",partition="1"}')).toBe(0)
    expect(value(t, 'kafka_consumergroup_lag_sum{consumergroup="g",topic="a"}')).toBe(6)
    expect(value(t, 'kafka_consumergroup_current_offset_sum{consumergroup="g",topic="a"}')).toBe(9)
    expect(value(t, 'kafka_consumergroup_members{consumergroup="g"}')).toBe(2)

    states = states.filter(s => s.topic !== 'a')
    offsets = []
    t = (await m.render()).body
    expect(value(t, 'kafka_topic_partitions{topic="a"}')).toBeUndefined()
    expect(value(t, 'kafka_topic_partition_current_offset{topic="a",partition="0"}')).toBeUndefined()
    expect(value(t, 'kafka_topic_partitions{topic="b"}')).toBe(1)
    expect(t).not.toContain('consumergroup="g"')
  })

  it('reports brokers and each partition\'s leader, replicas and in-sync replicas from the cluster source', async () => {
    const m = new GatewayMetrics({ version: 'test', defaultMetrics: false })
    let calls = 0
    m.attach({
      cluster: {
        brokers: () => [{}, {}, {}],
        topics: async () => {
          calls++
          return [{
            name: 't',
            partitions: [
              { partition: 0, leader: 1, replicas: [{ broker: 1, inSync: true }, { broker: 2, inSync: true }, { broker: 3, inSync: true }] },
              { partition: 1, leader: 3, replicas: [{ broker: 2, inSync: false }, { broker: 3, inSync: true }] },
            ],
          }]
        },
      },
    })
    const t = (await m.render()).body
    expect(calls).toBe(1) // one snapshot per scrape, shared by the five series
    expect(value(t, 'kafka_brokers')).toBe(3)
    expect(value(t, 'kafka_topic_partition_leader{topic="t",partition="1"}')).toBe(3)
    expect(value(t, 'kafka_topic_partition_replicas{topic="t",partition="0"}')).toBe(3)
    expect(value(t, 'kafka_topic_partition_in_sync_replica{topic="t",partition="1"}')).toBe(1)
    expect(value(t, 'kafka_topic_partition_under_replicated_partition{topic="t",partition="0"}')).toBe(0)
    expect(value(t, 'kafka_topic_partition_under_replicated_partition{topic="t",partition="1"}')).toBe(1)
    expect(value(t, 'kafka_topic_partition_leader_is_preferred{topic="t",partition="0"}')).toBe(1)
    expect(value(t, 'kafka_topic_partition_leader_is_preferred{topic="t",partition="1"}')).toBe(0)
    await m.render()
    expect(calls).toBe(2)
  })

  it('counts probe reports per topic, and two instances do not share a registry', async () => {
    const a = new GatewayMetrics({ version: 'a', defaultMetrics: false })
    const b = new GatewayMetrics({ version: 'b', defaultMetrics: false })
    a.storageProbe.appended?.('t', 0, 3, 300)
    a.storageProbe.appended?.('t', 1, 2, 200)
    a.storageProbe.fsync?.(2, 500)
    a.consumerProbe.consumed?.('t', 4, 40)
    a.observeHttp('rest', 'GET', '/topics/:topic', 200, 0.01)
    const t = (await a.render()).body
    expect(value(t, 'krest_produce_records_total{topic="t"}')).toBe(5)
    expect(value(t, 'krest_produce_bytes_total{topic="t"}')).toBe(500)
    expect(value(t, 'krest_log_flush_duration_seconds_count')).toBe(1)
    expect(value(t, 'krest_log_flush_bytes_total')).toBe(500)
    expect(value(t, 'krest_consume_records_total{topic="t"}')).toBe(4)
    expect(value(t, 'krest_http_requests_total{surface="rest",method="GET",route="/topics/:topic",status="200"}')).toBe(1)
    expect(value(t, 'krest_build_info{version="a",node_version="' + process.version + '"}')).toBe(1)
    const other = (await b.render()).body
    expect(value(other, 'krest_produce_records_total{topic="t"}')).toBeUndefined()
  })
})

describe('Readiness', () => {
  it('reports the first pending condition, then ready, then closing', () => {
    const r = new Readiness()
    expect(r.report()).toMatchObject({ ready: false, reason: 'partition logs are being recovered' })
    r.partitionRecovered()
    expect(r.report().reason).toBe('partition logs are being recovered (1 partitions scanned so far)')
    r.mark('storage')
    expect(r.report().reason).toMatch(/__consumer_offsets/)
    r.mark('consumer-offsets')
    expect(r.report().reason).toMatch(/_schemas/)
    r.mark('schema-registry')
    expect(r.report()).toMatchObject({ ready: false, reason: 'the API is being built' })
    r.mark('listeners')
    expect(r.report()).toEqual({ ready: true, reason: undefined, checks: { storage: true, 'consumer-offsets': true, 'schema-registry': true, listeners: true }, closing: false, storageDamage: [] })
    r.markClosing()
    expect(r.report()).toMatchObject({ ready: false, reason: 'the server is shutting down', closing: true })
  })
})

describe('prettyLine', () => {
  it('turns a pino JSON line into time, level, message and fields; passes other text through', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, hostname: 'h', msg: 'slow', topic: 't', n: 3 })
    expect(prettyLine(line)).toBe('03:04:05.006 WARN  slow  topic=t n=3')
    expect(prettyLine('not json')).toBe('not json')
  })
})
