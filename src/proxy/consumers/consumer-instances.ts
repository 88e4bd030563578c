/**
 * v2 consumer instances: HTTP sessions, each one group member of the backend (`GroupConsumer`), found by
 * (group, instance name), destroyed after `consumer.instance.timeout.ms` without requests (then it leaves its
 * group, so the group rebalances). Calls on one instance run one at a time, in arrival order.
 *
 * This module knows nothing of HTTP: the routes parse requests and call these methods; errors are KrestErrors.
 */
import { randomUUID } from 'node:crypto'
import type { GroupConsumer, GroupConsumers, OffsetResetPolicy, TopicPartition } from '../../backend/group-consumer.js'
import type { AssignorName, ConsumedRecord, SubscriptionSpec } from '../../backend/group-consumer.js'
import type { FormatRegistry } from '../../serde/registry.js'
import type { EmbeddedFormatName } from '../../serde/types.js'
import type { Clock, StorageLogger } from '../../backend/ports.js'
import { isKrestError, KrestError } from '../../util/errors.js'
import { SerialQueue } from '../../util/serial-queue.js'
import { isJsonText } from './json-text.js'

export interface ConsumerInstancesOptions {
  groups: GroupConsumers
  formats: FormatRegistry
  clock: Clock
  /** `consumer.instance.timeout.ms` */
  instanceTimeoutMs: number
  /** `consumer.request.timeout.ms`: server cap of a records wait. */
  requestTimeoutMs: number
  /** `consumer.request.max.bytes` */
  requestMaxBytes: number
  /** `fetch.min.bytes` (server default for instances that do not set it). */
  fetchMinBytes: number
  /** `id`: goes into generated instance names. */
  serverId?: string
  /** `consumer.instances.max`: most instances on this server (one more: 429). Unlimited when absent. */
  maxInstances?: number
  /** `consumer.instances.per.group.max`: most instances in one group (one more: 429). Unlimited when absent. */
  maxInstancesPerGroup?: number
  /** `consumer.long.polls.max`: most records fetches in progress at once (one more: 503). Unlimited when absent. */
  maxConcurrentPolls?: number
  /** How often idle instances are looked for (Confluent: every second). */
  expiryCheckIntervalMs?: number
  logger?: StorageLogger | undefined
}

/** A create request, as parsed by the route (all optional, Confluent's names). */
export interface CreateInstanceRequest {
  name?: string | undefined
  format?: string | undefined
  autoOffsetReset?: string | undefined
  autoCommitEnable?: string | boolean | undefined
  fetchMinBytes?: number | string | undefined
  requestTimeoutMs?: number | string | undefined
  /** krest extension: `partition.assignment.strategy` (range, roundrobin; comma list in preference order). */
  assignmentStrategy?: string | undefined
}

export interface InstanceInfo {
  group: string
  instanceId: string
  format: EmbeddedFormatName
}

/** A consumed record in the JSON shape of v2 records responses (plus krest's timestamp and headers). */
export interface RecordJson {
  topic: string
  key: unknown
  value: unknown
  partition: number
  offset: number
  timestamp: number
  headers: { name: string, value: string | null }[]
}

export interface FetchRequest {
  /** `?timeout=` (ms); ≤ 0 or absent: the instance's cap. */
  timeoutMs?: number | undefined
  /** `?max_bytes=`; ≤ 0 or absent: `consumer.request.max.bytes`. */
  maxBytes?: number | undefined
  /** The embedded format the client asked for (from Accept). */
  format: EmbeddedFormatName
  /** Aborted when the client goes away. */
  signal?: AbortSignal | undefined
}

export interface CommitRequestEntry {
  topic: string
  partition: number
  /** The last consumed offset: Confluent commits offset + 1. */
  offset: number
  metadata?: string | undefined
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const FORMATS: readonly EmbeddedFormatName[] = ['binary', 'json', 'avro', 'jsonschema', 'protobuf']
const FETCH_MIN_BYTES_MAX = 10_000_000

interface Instance {
  group: string
  id: string
  format: EmbeddedFormatName
  consumer: GroupConsumer
  fetchMinBytes: number
  requestTimeoutMs: number
  lastUsed: number
  /** Requests in flight: an instance busy with a long poll is not idle. */
  busy: number
  queue: SerialQueue
  /** Aborted when the instance is deleted or expires, ending a waiting fetch at once. */
  closing: AbortController
  closed: boolean
}

function intSetting (value: number | string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  // typeof checks, not the declared type: the body schema's coercion lets an array like [""] through (issue 7: 500)
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n)) throw new KrestError('INVALID_CONSUMER_CONFIG', `Invalid value ${String(value)} for configuration ${name}: Not a number of type INT`)
  return n
}

function instanceKey (group: string, id: string): string {
  return `${group}\u0000${id}`
}

export class ConsumerInstances {
  private readonly instances = new Map<string, Instance>()
  private readonly options: ConsumerInstancesOptions
  private timer: NodeJS.Timeout | undefined
  private closed = false
  /** Records fetches in progress (waiting for their instance or for data). */
  private polling = 0

  constructor (options: ConsumerInstancesOptions) {
    this.options = options
  }

  /** Starts the idle-expiry sweep (an unref'd timer). Safe to call twice. */
  open (): void {
    if (this.timer !== undefined || this.closed) return
    const every = this.options.expiryCheckIntervalMs ?? Math.min(1000, Math.max(10, Math.floor(this.options.instanceTimeoutMs / 2)))
    this.timer = setInterval(() => { void this.expireIdle() }, every)
    this.timer.unref()
  }

  /** Destroys every instance idle for longer than `consumer.instance.timeout.ms` (by the injected clock). */
  async expireIdle (): Promise<number> {
    const now = this.options.clock.now()
    const doomed = [...this.instances.values()].filter(i => i.busy === 0 && now - i.lastUsed > this.options.instanceTimeoutMs)
    await Promise.all(doomed.map(async i => {
      this.options.logger?.info({ group: i.group, instance: i.id }, 'consumer instance expired')
      await this.destroy(i)
    }))
    return doomed.length
  }

  create (group: string, request: CreateInstanceRequest): InstanceInfo {
    if (this.closed) throw new KrestError('CLOSED', 'the consumer instance registry is closed')
    const format = (request.format ?? 'binary').toLowerCase()
    if (!FORMATS.includes(format as EmbeddedFormatName)) throw new KrestError('INVALID_CONSUMER_FORMAT', 'Invalid format type.')
    const reset = request.autoOffsetReset ?? 'latest'
    if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
      throw new KrestError('INVALID_CONSUMER_CONFIG', `Invalid value ${reset} for configuration auto.offset.reset: String must be one of: latest, earliest, none`)
    }
    let autoCommit = true
    const ac = request.autoCommitEnable
    if (ac !== undefined) {
      const s = String(ac).toLowerCase()
      if (s !== 'true' && s !== 'false') throw new KrestError('INVALID_CONSUMER_CONFIG', `Invalid value ${String(ac)} for configuration enable.auto.commit: Expected value to be either true or false`)
      autoCommit = s === 'true'
    }
    const fetchMinBytes = intSetting(request.fetchMinBytes, 'fetch.min.bytes') ?? this.options.fetchMinBytes
    if (fetchMinBytes < -1 || fetchMinBytes > FETCH_MIN_BYTES_MAX) {
      throw new KrestError('CONSUMER_CONFIG_OUT_OF_RANGE', `fetch.min.bytes must be between -1 and ${FETCH_MIN_BYTES_MAX}, got ${fetchMinBytes}`)
    }
    const requestTimeoutMs = intSetting(request.requestTimeoutMs, 'consumer.request.timeout.ms') ?? this.options.requestTimeoutMs
    if (requestTimeoutMs < 0) throw new KrestError('CONSUMER_CONFIG_OUT_OF_RANGE', `consumer.request.timeout.ms must not be negative, got ${requestTimeoutMs}`)
    let assignors: AssignorName[] | undefined
    if (request.assignmentStrategy !== undefined) {
      assignors = []
      for (const raw of request.assignmentStrategy.split(',')) {
        const name = raw.trim().toLowerCase()
        const a: AssignorName | undefined = name === 'range' || name.endsWith('.rangeassignor')
          ? 'range'
          : name === 'roundrobin' || name.endsWith('.roundrobinassignor') ? 'roundrobin' : undefined
        if (a === undefined) throw new KrestError('INVALID_CONSUMER_CONFIG', `Invalid value ${raw} for configuration partition.assignment.strategy: krest offers range and roundrobin`)
        assignors.push(a)
      }
    }
    const server = this.options.serverId ?? ''
    const id = request.name ?? `rest-consumer-${server === '' ? '' : server + '-'}${randomUUID()}`
    if (id === '') throw new KrestError('INVALID_CONSUMER_CONFIG', 'Invalid consumer instance name: it must not be empty')
    // A lone UTF-16 surrogate (JSON allows "\ud800") has no UTF-8 form: it cannot go into base_uri (issue 7).
    if (LONE_SURROGATE.test(id)) throw new KrestError('INVALID_CONSUMER_CONFIG', 'Invalid consumer instance name: it is not valid Unicode (lone surrogate)')
    const k = instanceKey(group, id)
    if (this.instances.has(k)) {
      throw new KrestError('CONSUMER_INSTANCE_EXISTS', `Consumer with specified consumer ID already exists in the specified consumer group.`)
    }
    const { maxInstances, maxInstancesPerGroup } = this.options
    if (maxInstances !== undefined && this.instances.size >= maxInstances) {
      throw new KrestError('LIMIT_EXCEEDED', `Too many consumer instances: this server holds at most ${maxInstances} (consumer.instances.max). Delete unused instances or let them expire.`)
    }
    if (maxInstancesPerGroup !== undefined) {
      let inGroup = 0
      for (const i of this.instances.values()) if (i.group === group) inGroup++
      if (inGroup >= maxInstancesPerGroup) {
        throw new KrestError('LIMIT_EXCEEDED', `Too many consumer instances in group ${group}: at most ${maxInstancesPerGroup} (consumer.instances.per.group.max).`)
      }
    }
    const consumer = this.options.groups.createConsumer({
      groupId: group,
      clientId: id,
      autoOffsetReset: reset as OffsetResetPolicy,
      autoCommit,
      assignors,
    })
    this.instances.set(k, {
      group,
      id,
      format: format as EmbeddedFormatName,
      consumer,
      fetchMinBytes,
      requestTimeoutMs,
      lastUsed: this.options.clock.now(),
      busy: 0,
      queue: new SerialQueue(),
      closing: new AbortController(),
      closed: false,
    })
    return { group, instanceId: id, format: format as EmbeddedFormatName }
  }

  private find (group: string, id: string): Instance {
    const i = this.instances.get(instanceKey(group, id))
    if (i === undefined || i.closed) throw new KrestError('CONSUMER_INSTANCE_NOT_FOUND', 'Consumer instance not found.')
    if (i.busy === 0 && this.options.clock.now() - i.lastUsed > this.options.instanceTimeoutMs) {
      // Expired but not yet swept: behave exactly as if the sweep had run.
      void this.destroy(i)
      throw new KrestError('CONSUMER_INSTANCE_NOT_FOUND', 'Consumer instance not found.')
    }
    return i
  }

  /** Runs `fn` on the instance, after any earlier call on it, refreshing its idle deadline before and after. */
  private async use<T> (group: string, id: string, fn: (i: Instance) => Promise<T> | T): Promise<T> {
    const i = this.find(group, id)
    i.busy++
    i.lastUsed = this.options.clock.now()
    try {
      return await i.queue.run(async () => {
        if (i.closed) throw new KrestError('CONSUMER_INSTANCE_NOT_FOUND', 'Consumer instance not found.')
        return await fn(i)
      })
    } finally {
      i.busy--
      i.lastUsed = this.options.clock.now()
    }
  }

  private async destroy (i: Instance): Promise<void> {
    if (i.closed) return
    i.closed = true
    i.closing.abort()
    this.instances.delete(instanceKey(i.group, i.id))
    // After calls already queued (an aborted fetch ends at once), leave the group.
    await i.queue.run(async () => {
      try {
        await i.consumer.close()
      } catch (err) {
        this.options.logger?.warn({ err, group: i.group, instance: i.id }, 'closing a consumer instance failed')
      }
    })
  }

  async delete (group: string, id: string): Promise<void> {
    const i = this.find(group, id)
    await this.destroy(i)
  }

  info (group: string, id: string): InstanceInfo {
    const i = this.find(group, id)
    return { group, instanceId: i.id, format: i.format }
  }

  /** Instances of a group (for views), without touching their idle deadlines. */
  list (group?: string): InstanceInfo[] {
    return [...this.instances.values()].filter(i => group === undefined || i.group === group).map(i => ({ group: i.group, instanceId: i.id, format: i.format }))
  }

  async subscribe (group: string, id: string, spec: SubscriptionSpec): Promise<void> {
    await this.use(group, id, i => i.consumer.subscribe(spec))
  }

  async subscription (group: string, id: string): Promise<SubscriptionSpec | null> {
    return await this.use(group, id, i => i.consumer.subscription())
  }

  async unsubscribe (group: string, id: string): Promise<void> {
    await this.use(group, id, i => i.consumer.unsubscribe())
  }

  async assign (group: string, id: string, partitions: TopicPartition[]): Promise<void> {
    await this.use(group, id, i => i.consumer.assign(partitions))
  }

  async assignment (group: string, id: string): Promise<TopicPartition[]> {
    return await this.use(group, id, i => i.consumer.assignment())
  }

  /** Seeks by offset and by timestamp (ms); all-or-nothing: an unowned partition fails the call before any seek. */
  async seek (group: string, id: string, offsets: (TopicPartition & { offset: number })[], timestamps: (TopicPartition & { timestamp: number })[]): Promise<void> {
    await this.use(group, id, async i => {
      const owned = new Set(i.consumer.assignment().map(tp => `${tp.topic}\u0000${tp.partition}`))
      for (const tp of [...offsets, ...timestamps]) {
        if (!owned.has(`${tp.topic}\u0000${tp.partition}`)) {
          throw new KrestError('ILLEGAL_CONSUMER_STATE', `Illegal state: No current assignment for partition ${tp.topic}-${tp.partition}`)
        }
      }
      for (const o of offsets) i.consumer.seek(o, o.offset)
      if (timestamps.length > 0) await i.consumer.seekToTimestamps(timestamps)
    })
  }

  async seekToBeginning (group: string, id: string, partitions: TopicPartition[]): Promise<void> {
    await this.use(group, id, i => { i.consumer.seekToBeginning(partitions) })
  }

  async seekToEnd (group: string, id: string, partitions: TopicPartition[]): Promise<void> {
    await this.use(group, id, i => { i.consumer.seekToEnd(partitions) })
  }

  /** No entries: commits everything returned so far. With entries: commits offset + 1 of each (Confluent). */
  async commit (group: string, id: string, entries?: CommitRequestEntry[]): Promise<void> {
    await this.use(group, id, async i => {
      if (entries === undefined || entries.length === 0) {
        await i.consumer.commit()
        return
      }
      await i.consumer.commit(entries.map(e => {
        if (!Number.isSafeInteger(e.offset) || e.offset < 0) throw new KrestError('INVALID_REQUEST', `Invalid offset ${e.offset} for ${e.topic}-${e.partition}`)
        return { topic: e.topic, partition: e.partition, offset: e.offset + 1, metadata: e.metadata }
      }))
    })
  }

  async committed (group: string, id: string, partitions: TopicPartition[]): Promise<{ topic: string, partition: number, offset: number, metadata: string }[]> {
    return await this.use(group, id, i => i.consumer.committed(partitions))
  }

  /** The long-poll records fetch, decoded in the instance's format, as objects. */
  async fetch (group: string, id: string, request: FetchRequest): Promise<RecordJson[]> {
    return await this.fetchWith(group, id, request, (i, records) => {
      if (i.format === 'binary') return records.map(toBinaryJson)
      const format = this.options.formats.get(i.format)
      return records.map(r => toJson(r, (b, isKey) => format.deserialize(b, { topic: r.topic, isKey })))
    })
  }

  /**
   * The same fetch, answered as the JSON text of the records array (what the route sends). binary and json have
   * fast paths: base64 needs no escaping, and json record bytes that parse as JSON are spliced in as they are
   * instead of being parsed into objects and stringified again. Other formats decode through the serde registry.
   */
  async fetchSerialized (group: string, id: string, request: FetchRequest): Promise<{ count: number, json: string }> {
    return await this.fetchWith(group, id, request, (i, records) => {
      let value: (b: Buffer, topic: string, isKey: boolean) => string
      if (i.format === 'binary') {
        value = b => '"' + b.toString('base64') + '"'
      } else if (i.format === 'json') {
        value = (b, topic, isKey) => validatedJsonText(b, topic, isKey)
      } else {
        const format = this.options.formats.get(i.format)
        value = (b, topic, isKey) => JSON.stringify(format.deserialize(b, { topic, isKey })) ?? 'null'
      }
      return { count: records.length, json: serializeRecords(records, value) }
    })
  }

  private async fetchWith<T> (group: string, id: string, request: FetchRequest, render: (i: Instance, records: ConsumedRecord[]) => T): Promise<T> {
    const max = this.options.maxConcurrentPolls
    if (max !== undefined && this.polling >= max) {
      this.find(group, id) // an unknown instance is still a 404
      throw new KrestError('OVERLOADED', `Too many records requests in progress: at most ${max} (consumer.long.polls.max). Retry later.`)
    }
    this.polling++
    try {
      return await this.fetchOn(group, id, request, render)
    } finally {
      this.polling--
    }
  }

  private async fetchOn<T> (group: string, id: string, request: FetchRequest, render: (i: Instance, records: ConsumedRecord[]) => T): Promise<T> {
    return await this.use(group, id, async i => {
      if (!sameReader(i.format, request.format)) {
        throw new KrestError('CONSUMER_FORMAT_MISMATCH', 'The requested embedded data format does not match the deserializer for this consumer instance')
      }
      if (i.format !== 'binary' && i.format !== 'json') this.options.formats.get(i.format) // UNSUPPORTED_FORMAT before consuming anything
      const cap = i.requestTimeoutMs
      const timeoutMs = request.timeoutMs !== undefined && request.timeoutMs > 0 ? Math.min(request.timeoutMs, cap) : cap
      const serverMax = this.options.requestMaxBytes
      const maxBytes = request.maxBytes !== undefined && request.maxBytes > 0 ? Math.min(request.maxBytes, serverMax) : serverMax
      const signal = request.signal === undefined ? i.closing.signal : AbortSignal.any([i.closing.signal, request.signal])
      const records = i.closed ? [] : await i.consumer.poll({ timeoutMs, maxBytes, minBytes: i.fetchMinBytes, signal })
      try {
        return render(i, i.closed ? [] : records)
      } catch (err) {
        // Undecodable data: rewind so the records are not lost, and tell the client (Confluent: 408/40801).
        rewind(i.consumer, records)
        if (isKrestError(err, 'INVALID_DATA')) throw new KrestError('DESERIALIZATION_FAILED', err.message, { cause: err })
        // A value nested too deeply to decode or re-encode (stack overflow) answered 500 on every fetch (issue 7).
        if (err instanceof RangeError) throw new KrestError('DESERIALIZATION_FAILED', `A record could not be deserialized: ${err.message}`, { cause: err })
        throw err
      }
    })
  }

  /** Destroys every instance (they leave their groups). Safe to call twice. */
  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await Promise.all([...this.instances.values()].map(i => this.destroy(i)))
  }
}

/** Confluent's readers: binary serves binary; json, avro, jsonschema, protobuf each need their own type. */
function sameReader (instance: EmbeddedFormatName, requested: EmbeddedFormatName): boolean {
  return instance === requested
}

function headersJson (r: ConsumedRecord): { name: string, value: string | null }[] {
  return r.headers.map(h => ({ name: h.key, value: h.value === null ? null : h.value.toString('base64') }))
}

function toBinaryJson (r: ConsumedRecord): RecordJson {
  return {
    topic: r.topic,
    key: r.key === null ? null : r.key.toString('base64'),
    value: r.value === null ? null : r.value.toString('base64'),
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    headers: r.headers.length === 0 ? [] : headersJson(r),
  }
}

function toJson (r: ConsumedRecord, decode: (b: Buffer, isKey: boolean) => unknown): RecordJson {
  return {
    topic: r.topic,
    key: r.key === null ? null : decode(r.key, true),
    value: r.value === null ? null : decode(r.value, false),
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    headers: r.headers.length === 0 ? [] : headersJson(r),
  }
}

/** The record bytes as JSON text, checked to be JSON (INVALID_DATA otherwise, as the json format's deserializer). */
function validatedJsonText (b: Buffer, topic: string, isKey: boolean): string {
  const text = b.toString('utf8')
  if (isJsonText(b)) return text // the byte-level check is about twice as fast as JSON.parse, which decides otherwise
  try {
    JSON.parse(text)
  } catch (err) {
    throw new KrestError('INVALID_DATA', `The ${isKey ? 'key' : 'value'} of a record in ${topic} is not JSON: ${(err as Error).message}`, { cause: err })
  }
  return text
}

/** `[{topic, key, value, partition, offset, timestamp, headers}, …]` as JSON text; `value` renders key and value bytes. */
function serializeRecords (records: ConsumedRecord[], value: (b: Buffer, topic: string, isKey: boolean) => string): string {
  const parts = new Array<string>(records.length)
  let topic = ''
  let topicJson = '""'
  for (let n = 0; n < records.length; n++) {
    const r = records[n]!
    if (r.topic !== topic) { topic = r.topic; topicJson = JSON.stringify(topic) }
    const k = r.key === null ? 'null' : value(r.key, topic, true)
    const v = r.value === null ? 'null' : value(r.value, topic, false)
    const h = r.headers.length === 0 ? '[]' : JSON.stringify(headersJson(r))
    parts[n] = `{"topic":${topicJson},"key":${k},"value":${v},"partition":${r.partition},"offset":${r.offset},"timestamp":${r.timestamp},"headers":${h}}`
  }
  return '[' + parts.join(',') + ']'
}

function rewind (consumer: GroupConsumer, records: ConsumedRecord[]): void {
  const first = new Map<string, ConsumedRecord>()
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`
    if (!first.has(k)) first.set(k, r)
  }
  const owned = new Set(consumer.assignment().map(tp => `${tp.topic}\u0000${tp.partition}`))
  for (const [k, r] of first) if (owned.has(k)) consumer.seek(r, r.offset)
}
