/**
 * The embedded backend: the Backend interface over krest's own storage engine (one broker, id 0).
 */
import { validateTopicName } from '../../storage/index.js'
import { isTopicConfigName } from '../../storage/log-config.js'
import { KrestError, isKrestError } from '../../util/errors.js'
import type { AppendResult, Clock, RecordInput, StoragePort, StoreConfigEntry, TopicDescription } from '../ports.js'
import { EMBEDDED_BROKER_ID } from '../types.js'
import type {
  Admin, Backend, BrokerInfo, ConfigAlteration, ConfigEntry, Metadata, NewTopic, PartitionInfo,
  PartitionOffsets, ProduceOptions, ProduceOutcome, ProduceRecord, Producer, TopicInfo,
} from '../types.js'
import type { GroupConsumers } from '../group-consumer.js'
import { BATCH_HEADER_SIZE as recordBatchOverhead, singleRecordBatchSize } from '../../codec/record-batch.js'

export interface KeyPartitioner {
  partition(topic: string, key: Buffer | null, numPartitions: number): number
}

export interface EmbeddedBackendOptions {
  store: StoragePort
  partitioner: KeyPartitioner
  /** `auto.create.topics.enable` */
  autoCreateTopics: boolean
  /** `num.partitions` */
  defaultPartitions: number
  /** `default.replication.factor` (must be 1) */
  defaultReplicationFactor: number
  /** `partitions.max`: most partitions on the server, internal topics included (each holds open files). Unlimited when absent. */
  maxPartitions?: number
  /** Where the one broker can be reached; called when metadata is asked for (the port is known after listen). */
  endpoint: () => { host: string | null, port: number | null }
  /** The composition root's clock (create times of records produced without one). */
  clock: Clock
  /** Consumer groups over the same store (`src/groups`); told when topics are created, grown or deleted, so subscribed groups rebalance at once. */
  groups: GroupConsumers & { topicsChanged (): Promise<void> }
}

function topicNotFound (name: string): KrestError {
  return new KrestError('TOPIC_NOT_FOUND', `Topic ${name} not found.`, { details: { topic: name } })
}

/** Tracks in-flight work so close() can wait for it; new work after close() is refused. */
class InFlight {
  private count = 0
  private closed = false
  private idle: (() => void) | undefined

  enter (): void {
    if (this.closed) throw new KrestError('CLOSED', 'The server is shutting down.')
    this.count++
  }

  leave (): void {
    this.count--
    if (this.count === 0 && this.idle !== undefined) this.idle()
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.count === 0) return
    await new Promise<void>(resolve => { this.idle = resolve })
  }
}

export class EmbeddedBackend implements Backend, Producer, Admin, Metadata {
  readonly producer: Producer = this
  readonly admin: Admin = this
  readonly metadata: Metadata = this
  readonly groups: GroupConsumers

  private readonly store: StoragePort
  private readonly options: EmbeddedBackendOptions
  private readonly clock: Clock
  private readonly inFlight = new InFlight()
  /** Auto-creations under way, so concurrent produces to a new topic create it once. */
  private readonly creating = new Map<string, Promise<TopicDescription>>()

  constructor (options: EmbeddedBackendOptions) {
    if (options.defaultReplicationFactor !== 1) {
      throw new KrestError('INVALID_REPLICATION_FACTOR', 'The embedded backend has one broker: the replication factor must be 1.')
    }
    this.options = options
    this.store = options.store
    this.groups = options.groups
    this.clock = options.clock
  }

  get clusterId (): string {
    return this.store.clusterId
  }

  async close (): Promise<void> {
    await this.inFlight.close()
  }

  // ---- producer ---------------------------------------------------------------------------------------------

  async produce (topic: string, records: readonly ProduceRecord[], options: ProduceOptions = {}): Promise<ProduceOutcome[]> {
    this.inFlight.enter()
    try {
      return await this.produceNow(topic, records, options)
    } finally {
      this.inFlight.leave()
    }
  }

  private async produceNow (topic: string, records: readonly ProduceRecord[], options: ProduceOptions): Promise<ProduceOutcome[]> {
    // No promise hop when the topic exists (the store answers from memory).
    const desc = this.store.hasTopic(topic) ? this.store.describeTopic(topic) : await this.topicForProduce(topic)
    if (desc.internal) {
      throw new KrestError('INTERNAL_TOPIC', `Producing to internal topic ${topic} is not allowed.`, { details: { topic } })
    }
    const numPartitions = desc.partitions
    // The engine refuses batches over max.message.bytes, and over segment.bytes (a batch never spans segments).
    const maxBytes = Math.min(desc.config['max.message.bytes'], desc.config['segment.bytes'])
    const logAppendTime = desc.config['message.timestamp.type'] === 'LogAppendTime'
    const compacted = desc.config['cleanup.policy'] !== 'delete'
    const earliestAge = desc.config['message.timestamp.before.max.ms']
    const latestLead = desc.config['message.timestamp.after.max.ms']
    const now = this.clock.now()

    // Check everything before writing anything: a bad record fails the request, never half of it.
    const inputs: RecordInput[] = new Array<RecordInput>(records.length)
    const partitions = new Array<number>(records.length)
    const sizes = new Array<number>(records.length)
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as ProduceRecord
      const p = r.partition ?? options.partition ?? this.options.partitioner.partition(topic, r.key, numPartitions)
      if (!Number.isInteger(p) || p < 0 || p >= numPartitions) {
        throw new KrestError('PARTITION_NOT_FOUND', `Partition ${p} of topic ${topic} not found (the topic has ${numPartitions}).`, { details: { topic, partition: p } })
      }
      if (compacted && r.key === null) {
        throw new KrestError('INVALID_RECORD',
          `Record ${i} has no key, but topic ${topic} is compacted (cleanup.policy=${desc.config['cleanup.policy']}) and keeps records by key.`,
          { details: { topic, index: i } })
      }
      const timestamp = r.timestamp ?? now
      // Kafka's message.timestamp.before/after.max.ms: a CreateTime timestamp too far from the broker's clock refuses the request.
      if (!logAppendTime && (now - timestamp > earliestAge || timestamp - now > latestLead)) {
        throw new KrestError('INVALID_TIMESTAMP',
          `Timestamp ${timestamp} of record ${i} is out of range for topic ${topic}: it must be within [${now - earliestAge}, ${now + latestLead}] (message.timestamp.before.max.ms, message.timestamp.after.max.ms).`,
          { details: { topic, index: i, timestamp } })
      }
      const input: RecordInput = r.headers === undefined || r.headers.length === 0
        ? { key: r.key, value: r.value, timestamp }
        : { key: r.key, value: r.value, headers: r.headers, timestamp }
      const size = singleRecordBatchSize(input)
      if (size > maxBytes) {
        throw new KrestError('RECORD_TOO_LARGE',
          `Record ${i} is ${size} bytes as a record batch, larger than the limit of ${maxBytes} bytes (max.message.bytes) of topic ${topic}.`,
          { details: { topic, index: i, size, maxBytes } })
      }
      inputs[i] = input
      partitions[i] = p
      sizes[i] = size - recordBatchOverhead
    }

    // The common case, one partition and one batch (a single record, or a request to one partition): one append,
    // without the grouping below (measurable per request on single-record produce).
    const single = this.singleAppend(partitions, sizes, maxBytes)
    if (single !== undefined) return await this.appendBatch(topic, single, inputs, logAppendTime, now)

    // Group by partition (keeping request order within each), and cut each group into appends that fit a batch.
    const outcomes = new Array<ProduceOutcome>(records.length)
    const appends: Promise<void>[] = []
    const groups = new Map<number, number[]>()
    for (let i = 0; i < records.length; i++) {
      const p = partitions[i] as number
      let g = groups.get(p)
      if (g === undefined) { g = []; groups.set(p, g) }
      g.push(i)
    }
    for (const [p, indices] of groups) {
      let chunk: number[] = []
      let chunkBytes = recordBatchOverhead
      const flush = (): void => {
        const idx = chunk
        appends.push(this.appendBatch(topic, p, idx.map(i => inputs[i] as RecordInput), logAppendTime, now).then(batchOutcomes => {
          for (let k = 0; k < idx.length; k++) outcomes[idx[k] as number] = batchOutcomes[k] as ProduceOutcome
        }))
      }
      for (const i of indices) {
        // 10 bytes of slack per record: timestamp deltas within a batch may take more varint bytes than alone.
        const add = (sizes[i] as number) + 10
        if (chunk.length > 0 && chunkBytes + add > maxBytes) {
          flush()
          chunk = []
          chunkBytes = recordBatchOverhead
        }
        chunk.push(i)
        chunkBytes += add
      }
      if (chunk.length > 0) flush()
    }
    await Promise.all(appends)
    return outcomes
  }

  /** Appends one batch to a partition: an outcome per record, all failed with the storage error when the append fails. */
  private async appendBatch (topic: string, p: number, batch: RecordInput[], logAppendTime: boolean, now: number): Promise<ProduceOutcome[]> {
    let res: AppendResult
    try {
      res = await this.store.partition(topic, p).append(batch)
    } catch (err) {
      const error = isKrestError(err) ? err : new KrestError('STORAGE_ERROR', `Append to ${topic}-${p} failed: ${(err as Error).message}`, { cause: err })
      return batch.map((): ProduceOutcome => ({ ok: false, error }))
    }
    return batch.map((input, k): ProduceOutcome => ({ ok: true, partition: p, offset: res.baseOffset + k, timestamp: logAppendTime ? res.logAppendTime : (input.timestamp ?? now) }))
  }

  /** The partition when every record goes to the same one and all fit one batch of `maxBytes`; else undefined. */
  private singleAppend (partitions: number[], sizes: number[], maxBytes: number): number | undefined {
    const p = partitions[0]
    let bytes = recordBatchOverhead
    for (let i = 0; i < partitions.length; i++) {
      if (partitions[i] !== p) return undefined
      bytes += (sizes[i] as number) + 10 // the same slack as below
    }
    return bytes <= maxBytes || partitions.length === 1 ? p : undefined
  }

  private async topicForProduce (topic: string): Promise<TopicDescription> {
    if (await this.store.hasTopic(topic)) return await this.store.describeTopic(topic)
    if (!this.options.autoCreateTopics) throw topicNotFound(topic)
    let creating = this.creating.get(topic)
    if (creating === undefined) {
      creating = (async () => {
        // Yield first, so the entry below is in the map before the finally that removes it can run.
        await Promise.resolve()
        try {
          validateTopicName(topic)
          await this.checkPartitionBudget(this.options.defaultPartitions)
          const created = await this.store.createTopic(topic, { partitions: this.options.defaultPartitions })
          await this.topicsChanged()
          return created
        } catch (err) {
          if (isKrestError(err, 'TOPIC_ALREADY_EXISTS')) return await this.store.describeTopic(topic)
          throw err
        } finally {
          this.creating.delete(topic)
        }
      })()
      this.creating.set(topic, creating)
    }
    return await creating
  }

  // ---- admin ------------------------------------------------------------------------------------------------

  private toTopicInfo (desc: TopicDescription): TopicInfo {
    const partitions: PartitionInfo[] = []
    for (let p = 0; p < desc.partitions; p++) {
      partitions.push({ partition: p, leader: EMBEDDED_BROKER_ID, replicas: [{ broker: EMBEDDED_BROKER_ID, leader: true, inSync: true }] })
    }
    return { name: desc.name, topicId: desc.topicId, internal: desc.internal, replicationFactor: 1, partitions }
  }

  private async describe (name: string): Promise<TopicDescription> {
    if (!(await this.store.hasTopic(name))) throw topicNotFound(name)
    return await this.store.describeTopic(name)
  }

  async listTopics (options: { includeInternal?: boolean } = {}): Promise<TopicInfo[]> {
    const all = await this.store.listTopics()
    return all
      .filter(t => options.includeInternal === true || !t.internal)
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      .map(t => this.toTopicInfo(t))
  }

  async describeTopic (name: string): Promise<TopicInfo> {
    return this.toTopicInfo(await this.describe(name))
  }

  async createTopic (name: string, spec: NewTopic, options: { validateOnly?: boolean } = {}): Promise<TopicInfo> {
    const partitions = spec.partitions ?? this.options.defaultPartitions
    const replicationFactor = spec.replicationFactor ?? this.options.defaultReplicationFactor
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new KrestError('INVALID_REPLICATION_FACTOR', `Replication factor must be at least 1, got ${replicationFactor}.`)
    }
    if (replicationFactor > 1) {
      throw new KrestError('INVALID_REPLICATION_FACTOR', `Replication factor: ${replicationFactor} larger than available brokers: 1.`)
    }
    const configs = spec.configs ?? {}
    validateTopicName(name)
    if (Number.isInteger(partitions) && partitions > 0) await this.checkPartitionBudget(partitions)
    if (options.validateOnly === true) {
      if (await this.store.hasTopic(name)) throw new KrestError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
      if (!Number.isInteger(partitions) || partitions < 1) throw new KrestError('INVALID_PARTITIONS', `Number of partitions must be at least 1, got ${partitions}.`)
      for (const [key, value] of Object.entries(configs)) {
        this.store.validateTopicConfig(key, value)
      }
      const topicPartitions: PartitionInfo[] = []
      for (let p = 0; p < partitions; p++) topicPartitions.push({ partition: p, leader: EMBEDDED_BROKER_ID, replicas: [{ broker: EMBEDDED_BROKER_ID, leader: true, inSync: true }] })
      return { name, topicId: '', internal: false, replicationFactor: 1, partitions: topicPartitions }
    }
    const created = await this.store.createTopic(name, { partitions, configs })
    await this.topicsChanged()
    return this.toTopicInfo(created)
  }

  /**
   * `partitions.max` (issue 7): each partition keeps its segment and index files open, so unbounded topic creation
   * (e.g. produce to ever new names with auto-create on) would exhaust file descriptors and fail every write.
   */
  private async checkPartitionBudget (adding: number): Promise<void> {
    const max = this.options.maxPartitions
    if (max === undefined) return
    let total = 0
    for (const t of await this.store.listTopics()) total += t.partitions
    if (total + adding > max) {
      throw new KrestError('INVALID_PARTITIONS', `The server holds at most ${max} partitions (partitions.max); it has ${total}, and this request adds ${adding}.`)
    }
  }

  private async topicsChanged (): Promise<void> {
    await this.options.groups.topicsChanged()
  }

  async deleteTopic (name: string): Promise<void> {
    const desc = await this.describe(name)
    if (desc.internal) throw new KrestError('INTERNAL_TOPIC', `Internal topic ${name} cannot be deleted.`, { details: { topic: name } })
    await this.store.deleteTopic(name)
    await this.topicsChanged()
  }

  async createPartitions (name: string, totalCount: number): Promise<TopicInfo> {
    const desc = await this.describe(name)
    if (!Number.isInteger(totalCount) || totalCount <= desc.partitions) {
      throw new KrestError('INVALID_PARTITIONS', `Topic already has ${desc.partitions} partitions.`, { details: { topic: name, partitions: desc.partitions } })
    }
    if (desc.internal) throw new KrestError('INTERNAL_TOPIC', `Partitions of internal topic ${name} cannot be changed.`, { details: { topic: name } })
    await this.checkPartitionBudget(totalCount - desc.partitions)
    await this.store.addPartitions(name, totalCount)
    await this.topicsChanged()
    return this.toTopicInfo(await this.store.describeTopic(name))
  }

  async describeTopicConfigs (name: string): Promise<ConfigEntry[]> {
    await this.describe(name)
    const entries = await this.store.topicConfigEntries(name)
    return entries.map(e => this.toConfigEntry(e))
  }

  private toConfigEntry (e: StoreConfigEntry): ConfigEntry {
    return { name: e.name, value: e.value, isDefault: e.isDefault, isReadOnly: e.isReadOnly, isSensitive: e.isSensitive, source: e.source, synonyms: e.synonyms.map(s => ({ ...s })) }
  }

  async alterTopicConfigs (name: string, alterations: readonly ConfigAlteration[], options: { validateOnly?: boolean } = {}): Promise<void> {
    await this.describe(name)
    const set: Record<string, string> = {}
    const reset: string[] = []
    for (const a of alterations) {
      if (!isTopicConfigName(a.name)) throw new KrestError('INVALID_CONFIG', `Unknown topic config name: ${a.name}`, { details: { config: a.name } })
      if (a.operation === 'DELETE') {
        reset.push(a.name)
      } else {
        if (a.value === undefined || a.value === null) throw new KrestError('INVALID_CONFIG', `Config ${a.name}: SET needs a value.`, { details: { config: a.name } })
        set[a.name] = a.value
      }
    }
    if (options.validateOnly === true) {
      for (const [key, value] of Object.entries(set)) this.store.validateTopicConfig(key, value)
      return
    }
    await this.store.alterTopicConfigs(name, set, reset)
  }

  // ---- metadata ---------------------------------------------------------------------------------------------

  brokers (): BrokerInfo[] {
    const { host, port } = this.options.endpoint()
    return [{ brokerId: EMBEDDED_BROKER_ID, host, port, rack: null }]
  }

  async partitionOffsets (topic: string, partition: number): Promise<PartitionOffsets> {
    const desc = await this.describe(topic)
    if (!Number.isInteger(partition) || partition < 0 || partition >= desc.partitions) {
      throw new KrestError('PARTITION_NOT_FOUND', `Partition ${partition} of topic ${topic} not found.`, { details: { topic, partition } })
    }
    const log = this.store.partition(topic, partition)
    return { logStartOffset: log.logStartOffset, highWatermark: log.highWatermark }
  }
}
