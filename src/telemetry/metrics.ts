/**
 * Prometheus metrics of one gateway, on a prom-client `Registry` the gateway owns (never the global one), so
 * many gateways can run in one process. Domain modules report through probes (`StorageProbe`,
 * `ConsumerProbe`); state that already lives in the domain (offsets, lag, segments) is read at scrape time
 * through narrow source interfaces, so nothing is counted twice and nothing goes stale.
 *
 * Names: `krest_*` for the gateway's own series (Prometheus naming rules: base units, `_total` counters), and
 * kafka_exporter's names (`kafka_topic_partition_current_offset`, `kafka_consumergroup_lag`, …) with its labels
 * (`topic`, `partition`, `consumergroup`) so existing dashboards and alerts work unchanged. Labels are bounded:
 * route patterns (never raw URLs), status codes, topics, partitions, groups; never consumer instance ids.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { PartitionState, StorageProbe } from '../storage/types.js'

/** Where per-partition log state comes from (the LogStore). */
export interface LogStateSource {
  partitionStates(): PartitionState[]
}

/** Where consumer-group offsets and lag come from (the embedded groups). */
export interface GroupStateSource {
  listGroups(): Array<{ groupId: string, members: readonly unknown[] }>
  groupOffsets(groupId: string): Array<{ topic: string, partition: number, currentOffset: number, lag: number }>
}

/** Where brokers and partition replicas come from (the backend's metadata and admin). */
export interface ClusterStateSource {
  brokers(): readonly unknown[]
  /** Every topic, internal ones included, with each partition's leader and replicas. */
  topics(): Promise<Array<{ name: string, partitions: Array<{ partition: number, leader: number, replicas: Array<{ broker: number, inSync: boolean }> }> }>>
}

/** Where the live v2 consumer instances come from. */
export interface ConsumerInstanceSource {
  list(): Array<{ group: string }>
}

/** Where schema-registry state comes from. */
export interface RegistryStateSource {
  listSubjects(): string[]
}

/** What consumer instances report per records response. */
export interface ConsumerProbe {
  consumed?(topic: string, records: number, bytes: number): void
}

export type HttpSurface = 'rest' | 'registry'

export interface GatewayMetricsOptions {
  version: string
  /** Export per-partition series (offsets, lag). Off: only per-topic / per-group sums (for very many partitions). */
  perPartition?: boolean
  /** prom-client's process and Node.js metrics (event-loop lag, heap, GC). Default true. */
  defaultMetrics?: boolean
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly storageProbe: StorageProbe
  readonly consumerProbe: ConsumerProbe
  private logs: LogStateSource | undefined
  private groups: GroupStateSource | undefined
  private consumers: ConsumerInstanceSource | undefined
  private schemas: RegistryStateSource | undefined
  private cluster: ClusterStateSource | undefined
  private readonly httpRequests: Counter<'surface' | 'method' | 'route' | 'status'>
  private readonly httpDuration: Histogram<'surface' | 'method' | 'route'>

  constructor (options: GatewayMetricsOptions) {
    const registers = [this.registry]
    const perPartition = options.perPartition ?? true
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry })

    new Gauge({ name: 'krest_build_info', help: 'Build information; the value is always 1.', labelNames: ['version', 'node_version'], registers })
      .set({ version: options.version, node_version: process.version }, 1)

    this.httpRequests = new Counter({
      name: 'krest_http_requests_total', help: 'HTTP requests answered, by listener, method, route pattern and status code.',
      labelNames: ['surface', 'method', 'route', 'status'], registers,
    })
    this.httpDuration = new Histogram({
      name: 'krest_http_request_duration_seconds', help: 'Time from receiving a request to sending its response, by listener, method and route pattern.',
      labelNames: ['surface', 'method', 'route'], buckets: LATENCY_BUCKETS, registers,
    })

    const producedRecords = new Counter({ name: 'krest_produce_records_total', help: 'Records appended to partition logs, per topic (internal topics included).', labelNames: ['topic'], registers })
    const producedBytes = new Counter({ name: 'krest_produce_bytes_total', help: 'Record-batch bytes appended to partition logs, per topic.', labelNames: ['topic'], registers })
    const consumedRecords = new Counter({ name: 'krest_consume_records_total', help: 'Records delivered to HTTP consumer instances, per topic.', labelNames: ['topic'], registers })
    const consumedBytes = new Counter({ name: 'krest_consume_bytes_total', help: 'Key and value bytes delivered to HTTP consumer instances, per topic.', labelNames: ['topic'], registers })
    const fsync = new Histogram({ name: 'krest_log_flush_duration_seconds', help: 'Duration of partition-log fsyncs.', buckets: FSYNC_BUCKETS, registers })
    const fsyncBytes = new Counter({ name: 'krest_log_flush_bytes_total', help: 'Bytes made durable by partition-log fsyncs.', registers })
    const rolled = new Counter({ name: 'krest_log_segments_rolled_total', help: 'Segments rolled, per topic.', labelNames: ['topic'], registers })
    const deleted = new Counter({ name: 'krest_log_segments_deleted_total', help: 'Segments deleted by retention, per topic and reason.', labelNames: ['topic', 'reason'], registers })
    const recovered = new Counter({ name: 'krest_log_recovered_partitions_total', help: 'Partitions scanned by recovery after an unclean shutdown.', registers })
    const truncated = new Counter({ name: 'krest_log_recovery_truncated_bytes_total', help: 'Bytes of torn or corrupt log tails truncated by recovery.', registers })

    const readErrors = new Counter({ name: 'krest_log_read_errors_total', help: 'Reads refused because the data on disk is damaged (corrupt batch, missing offsets, quarantined partition), per topic and reason.', labelNames: ['topic', 'reason'], registers })

    this.storageProbe = {
      fsync: (durationMs, bytes) => { fsync.observe(durationMs / 1000); fsyncBytes.inc(bytes) },
      appended: (topic, _partition, records, bytes) => { producedRecords.inc({ topic }, records); producedBytes.inc({ topic }, bytes) },
      segmentRolled: topic => { rolled.inc({ topic }) },
      segmentsDeleted: (topic, _partition, count, reason) => { deleted.inc({ topic, reason }, count) },
      recovered: (_topic, _partition, truncatedBytes) => { recovered.inc(); truncated.inc(truncatedBytes) },
      readFailed: (topic, _partition, reason) => { readErrors.inc({ topic, reason }) },
    }
    this.consumerProbe = {
      consumed: (topic, records, bytes) => { consumedRecords.inc({ topic }, records); consumedBytes.inc({ topic }, bytes) },
    }

    // ---- read at scrape time ---------------------------------------------------------------------------------
    const self = this
    // prom-client runs each metric's collect() as it renders it, in registration order: the first gauge of a
    // group reads the source and fills the whole group, so every series in one scrape comes from one snapshot.
    const currentOffset = new Gauge({ name: 'kafka_topic_partition_current_offset', help: 'High watermark of the partition (kafka_exporter name).', labelNames: ['topic', 'partition'], registers: [] })
    const oldestOffset = new Gauge({ name: 'kafka_topic_partition_oldest_offset', help: 'Log start offset of the partition (kafka_exporter name).', labelNames: ['topic', 'partition'], registers: [] })
    const segments = new Gauge({ name: 'krest_log_segments', help: 'Segments on disk, per topic.', labelNames: ['topic'], registers: [] })
    const sizeBytes = new Gauge({ name: 'krest_log_size_bytes', help: 'Bytes of segment data on disk, per topic.', labelNames: ['topic'], registers: [] })
    const partitionCount = new Gauge({
      name: 'kafka_topic_partitions', help: 'Number of partitions of the topic (kafka_exporter name).', labelNames: ['topic'], registers,
      collect () {
        this.reset(); currentOffset.reset(); oldestOffset.reset(); segments.reset(); sizeBytes.reset()
        const perTopic = new Map<string, { partitions: number, segments: number, bytes: number }>()
        for (const s of self.logs?.partitionStates() ?? []) {
          const t = perTopic.get(s.topic) ?? { partitions: 0, segments: 0, bytes: 0 }
          t.partitions++; t.segments += s.segments; t.bytes += s.sizeBytes
          perTopic.set(s.topic, t)
          if (perPartition) {
            const labels = { topic: s.topic, partition: String(s.partition) }
            currentOffset.set(labels, s.highWatermark)
            oldestOffset.set(labels, s.logStartOffset)
          }
        }
        for (const [topic, t] of perTopic) {
          this.set({ topic }, t.partitions)
          segments.set({ topic }, t.segments)
          sizeBytes.set({ topic }, t.bytes)
        }
      },
    })
    void partitionCount
    for (const g of [currentOffset, oldestOffset, segments, sizeBytes]) this.registry.registerMetric(g)

    const groupOffset = new Gauge({ name: 'kafka_consumergroup_current_offset', help: 'Committed offset of the group on the partition (kafka_exporter name).', labelNames: ['consumergroup', 'topic', 'partition'], registers: [] })
    const lag = new Gauge({ name: 'kafka_consumergroup_lag', help: 'High watermark minus committed offset of the group on the partition (kafka_exporter name).', labelNames: ['consumergroup', 'topic', 'partition'], registers: [] })
    const lagSum = new Gauge({ name: 'kafka_consumergroup_lag_sum', help: 'Lag of the group summed over the topic\'s partitions (kafka_exporter name).', labelNames: ['consumergroup', 'topic'], registers: [] })
    const groupOffsetSum = new Gauge({ name: 'kafka_consumergroup_current_offset_sum', help: 'Committed offsets of the group summed over the topic\'s partitions (kafka_exporter name).', labelNames: ['consumergroup', 'topic'], registers: [] })
    const members = new Gauge({
      name: 'kafka_consumergroup_members', help: 'Members of the consumer group (kafka_exporter name).', labelNames: ['consumergroup'], registers,
      collect () {
        this.reset(); groupOffset.reset(); lag.reset(); lagSum.reset(); groupOffsetSum.reset()
        const source = self.groups
        if (source === undefined) return
        for (const g of source.listGroups()) {
          this.set({ consumergroup: g.groupId }, g.members.length)
          const sums = new Map<string, { lag: number, offset: number }>()
          for (const o of source.groupOffsets(g.groupId)) {
            const sum = sums.get(o.topic) ?? { lag: 0, offset: 0 }
            sum.lag += o.lag
            sum.offset += o.currentOffset
            sums.set(o.topic, sum)
            if (perPartition) {
              const labels = { consumergroup: g.groupId, topic: o.topic, partition: String(o.partition) }
              groupOffset.set(labels, o.currentOffset)
              lag.set(labels, o.lag)
            }
          }
          for (const [topic, sum] of sums) {
            lagSum.set({ consumergroup: g.groupId, topic }, sum.lag)
            groupOffsetSum.set({ consumergroup: g.groupId, topic }, sum.offset)
          }
        }
      },
    })
    void members
    for (const g of [groupOffset, lag, lagSum, groupOffsetSum]) this.registry.registerMetric(g)

    // Brokers and replicas as kafka_exporter reports them, from the backend's metadata (one broker on the embedded
    // engine; a backend fronting a cluster reports its own). The preferred leader is the first replica, as in Kafka.
    new Gauge({
      name: 'kafka_brokers', help: 'Number of brokers in the cluster (kafka_exporter name).', registers,
      collect () {
        if (self.cluster !== undefined) this.set(self.cluster.brokers().length)
      },
    })
    // prom-client renders metrics concurrently, so async collectors cannot fill each other: each reads the same
    // per-scrape snapshot of the topics (one backend call per scrape).
    type Topics = Awaited<ReturnType<ClusterStateSource['topics']>>
    type Partition = Topics[number]['partitions'][number]
    let snapshot: Promise<Topics> | undefined
    const topics = (): Promise<Topics> => {
      snapshot ??= (self.cluster?.topics() ?? Promise.resolve([])).finally(() => { snapshot = undefined })
      return snapshot
    }
    const inSyncCount = (p: Partition): number => p.replicas.filter(r => r.inSync).length
    const partitionGauge = (name: string, help: string, valueOf: (p: Partition) => number): void => {
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers,
        async collect () {
          this.reset()
          if (self.cluster === undefined || !perPartition) return
          for (const t of await topics()) {
            for (const p of t.partitions) this.set({ topic: t.name, partition: String(p.partition) }, valueOf(p))
          }
        },
      })
    }
    partitionGauge('kafka_topic_partition_leader', 'Broker id of the partition\'s leader (kafka_exporter name).', p => p.leader)
    partitionGauge('kafka_topic_partition_replicas', 'Number of replicas of the partition (kafka_exporter name).', p => p.replicas.length)
    partitionGauge('kafka_topic_partition_in_sync_replica', 'Number of in-sync replicas of the partition (kafka_exporter name).', inSyncCount)
    partitionGauge('kafka_topic_partition_under_replicated_partition', '1 when the partition has fewer in-sync replicas than replicas, else 0 (kafka_exporter name).',
      p => inSyncCount(p) < p.replicas.length ? 1 : 0)
    partitionGauge('kafka_topic_partition_leader_is_preferred', '1 when the partition\'s leader is its preferred (first) replica, else 0 (kafka_exporter name).',
      p => p.replicas[0]?.broker === p.leader ? 1 : 0)

    new Gauge({
      name: 'krest_consumer_instances', help: 'Live v2 HTTP consumer instances, per consumer group.', labelNames: ['consumergroup'], registers,
      collect () {
        this.reset()
        const counts = new Map<string, number>()
        for (const i of self.consumers?.list() ?? []) counts.set(i.group, (counts.get(i.group) ?? 0) + 1)
        for (const [consumergroup, n] of counts) this.set({ consumergroup }, n)
      },
    })
    new Gauge({
      name: 'krest_registry_subjects', help: 'Live (not deleted) subjects in the schema registry.', registers,
      collect () {
        if (self.schemas !== undefined) this.set(self.schemas.listSubjects().length)
      },
    })
  }

  /** Binds the state sources once the domain objects exist (they open after the metrics are created). */
  attach (sources: { logs?: LogStateSource, groups?: GroupStateSource, consumers?: ConsumerInstanceSource, registry?: RegistryStateSource, cluster?: ClusterStateSource }): void {
    if (sources.cluster !== undefined) this.cluster = sources.cluster
    if (sources.logs !== undefined) this.logs = sources.logs
    if (sources.groups !== undefined) this.groups = sources.groups
    if (sources.consumers !== undefined) this.consumers = sources.consumers
    if (sources.registry !== undefined) this.schemas = sources.registry
  }

  /** One answered HTTP request. `route` must be a route pattern (or 'unmatched'), never a raw URL. */
  observeHttp (surface: HttpSurface, method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ surface, method, route, status: String(status) })
    this.httpDuration.observe({ surface, method, route }, seconds)
  }

  /** The exposition text and its content type. */
  async render (): Promise<{ contentType: string, body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
