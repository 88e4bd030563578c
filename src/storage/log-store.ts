/**
 * The storage engine's entry point: a data directory of topics, each split into partition logs.
 *
 * Layout of `<dataDir>`:
 *   .lock                              flock(2)ed while open; its text (pid, host) is for messages only
 *   meta.properties                    cluster.id and node.id, Kafka style
 *   .kafka_cleanshutdown               present only after a clean shutdown; removed when loading starts
 *   recovery-point-offset-checkpoint   per partition, the offset below which everything is fsynced (Kafka's format)
 *   .topics/<topic>.json               topic metadata: id, partition count, config overrides (written atomically)
 *   <topic>-<partition>/               segments: <20-digit base offset>.log | .index | .timeindex
 *   .quarantine/                       copies of damaged segments found at start-up (damage.ts)
 *
 * Why ~560 lines: topic admin (create, delete, add partitions, configs) and start-up loading share the topic map
 * and the admin mutex; each partition's own loading is in log-loader.ts.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { KrestError } from '../util/errors.js'
import { QUARANTINE_DIR, type DamageReport } from './damage.js'
import { DirLock } from './dir-lock.js'
import { StorageError } from './errors.js'
import { OpenSegmentFiles, defaultMaxOpenSegmentFiles } from './open-files.js'
import { parsePartitionDirName, parseSegmentLogName, partitionDirName } from './segment-files.js'
import { fsyncDir, readFileIfExists, unlinkIfExists, writeFileAtomic } from './fs-util.js'
import { SerialQueue } from '../util/serial-queue.js'
import {
  DEFAULT_LOG_CONFIG, TOPIC_CONFIG_DEFINITIONS, configValueText, isTopicConfigName, normaliseOverrides, parseTopicConfigValue, resolveLogConfig,
} from './log-config.js'
import { PartitionLog } from './partition-log.js'
import type { Clock, LogConfig, PartitionState, StorageLogger, StorageProbe, TopicDescription } from './types.js'

export interface LogStoreOptions {
  dataDir: string
  /** Broker-wide defaults for topic configs (topic-level names). */
  defaults?: Partial<LogConfig>
  logger?: StorageLogger
  probe?: StorageProbe
  clock?: Clock
  /** `log.retention.check.interval.ms`: how often retention and compaction run. Default 300000. */
  retentionCheckIntervalMs?: number
  /** `log.flush.offset.checkpoint.interval.ms`: how often recovery points are checkpointed. Default 60000. */
  checkpointIntervalMs?: number
  /** Largest partition count a topic may have. Default 10000. */
  maxPartitions?: number
  /**
   * `log.damage.policy`: what start-up does when it finds damage it will not repair (see damage.ts): `start`
   * (default) quarantines it, serves everything intact and reports it; `refuse` refuses to open the data dir.
   */
  damagePolicy?: 'start' | 'refuse'
  /**
   * `log.max.open.segments`: how many sealed segments' log files may be open at once (least recently read ones
   * are closed beyond it). Default: half the process's open-file limit (see open-files.ts).
   */
  maxOpenSegmentFiles?: number
  /** Verify each record batch's CRC32C when reading (default true): a damaged batch fails the read instead of being served. */
  verifyReads?: boolean
}

export interface CreateTopicOptions {
  partitions: number
  configs?: Record<string, string>
  internal?: boolean
}

export interface TopicConfigEntry {
  name: string
  value: string
  isDefault: boolean
  isReadOnly: boolean
  isSensitive: boolean
  source: 'DYNAMIC_TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG'
  synonyms: Array<{ name: string, value: string, source: 'DYNAMIC_TOPIC_CONFIG' | 'STATIC_BROKER_CONFIG' | 'DEFAULT_CONFIG' }>
}

interface TopicMeta {
  name: string
  topicId: string
  partitions: number
  internal: boolean
  overrides: Record<string, string>
  createdAt: number
  /** Set (durably) before a deletion removes anything: start-up finishes a deletion a crash interrupted. */
  deleting?: true
}

interface Topic {
  meta: TopicMeta
  config: LogConfig
  logs: PartitionLog[]
  /** The frozen description, built on first use after each change (produce asks for it on every call). */
  description?: TopicDescription
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/
const MAX_TOPIC_NAME_LENGTH = 249
const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown'
const RECOVERY_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint'
const TOPICS_DIR = '.topics'
const META_PROPERTIES = 'meta.properties'

/** Kafka's topic-name rules: [a-zA-Z0-9._-], 1..249 characters, not "." or "..". Throws INVALID_TOPIC_NAME. */
export function validateTopicName (name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new KrestError('INVALID_TOPIC_NAME', 'Topic name is empty')
  if (name === '.' || name === '..') throw new KrestError('INVALID_TOPIC_NAME', `Topic name cannot be "${name}"`)
  if (name.length > MAX_TOPIC_NAME_LENGTH) throw new KrestError('INVALID_TOPIC_NAME', `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`)
  if (!TOPIC_NAME.test(name)) throw new KrestError('INVALID_TOPIC_NAME', `Topic name "${name}" is illegal: it contains a character other than ASCII alphanumerics, '.', '_' and '-'`)
}

async function pathExists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

function newTopicId (): string {
  return randomBytes(16).toString('base64url')
}

function parseCheckpoint (text: string): Map<string, number> {
  const out = new Map<string, number>()
  const lines = text.split('\n').map(l => l.trim()).filter(l => l !== '')
  if (lines[0] !== '0') return out
  for (const line of lines.slice(2)) {
    const [topic, partition, offset] = line.split(/\s+/)
    if (topic === undefined || partition === undefined || offset === undefined) continue
    const n = Number(offset)
    if (Number.isSafeInteger(n) && n >= 0) out.set(`${topic}-${partition}`, n)
  }
  return out
}

export class LogStore {
  readonly dataDir: string
  readonly clusterId: string
  private readonly defaults: LogConfig
  private readonly clock: Clock
  private readonly logger: StorageLogger | undefined
  private readonly probe: StorageProbe | undefined
  private readonly maxPartitions: number
  private readonly verifyReads: boolean
  private readonly openFiles: OpenSegmentFiles
  private readonly startupDamage: DamageReport[] = []
  private readonly topics = new Map<string, Topic>()
  private readonly admin = new SerialQueue()
  private readonly lock: DirLock
  private retentionTimer: NodeJS.Timeout | undefined
  private checkpointTimer: NodeJS.Timeout | undefined
  private cleaning: Promise<void> | undefined
  private closing: Promise<void> | undefined
  /** Whether the previous run ended with a clean shutdown (no recovery scan was needed). */
  readonly recoveredFromCleanShutdown: boolean

  private constructor (options: LogStoreOptions, clusterId: string, lock: DirLock, clean: boolean) {
    this.dataDir = options.dataDir
    this.clusterId = clusterId
    this.defaults = { ...DEFAULT_LOG_CONFIG, ...options.defaults }
    this.clock = options.clock ?? { now: () => Date.now() }
    this.logger = options.logger
    this.probe = options.probe
    this.maxPartitions = options.maxPartitions ?? 10_000
    this.verifyReads = options.verifyReads ?? true
    this.openFiles = new OpenSegmentFiles(options.maxOpenSegmentFiles ?? defaultMaxOpenSegmentFiles())
    this.lock = lock
    this.recoveredFromCleanShutdown = clean
  }

  static async open (options: LogStoreOptions): Promise<LogStore> {
    const { dataDir } = options
    await mkdir(join(dataDir, TOPICS_DIR), { recursive: true })
    const lock = DirLock.acquire(join(dataDir, '.lock'))
    try {
      const clusterId = await LogStore.loadClusterId(dataDir)
      // A crash while loading must count as unclean, so the marker goes before anything is read.
      const clean = await unlinkIfExists(join(dataDir, CLEAN_SHUTDOWN_FILE))
      if (clean) await fsyncDir(dataDir)
      const store = new LogStore(options, clusterId, lock, clean)
      await store.load(clean)
      if (store.startupDamage.length > 0 && options.damagePolicy === 'refuse') {
        for (const topic of store.topics.values()) for (const log of topic.logs) await log.close()
        throw new StorageError('quarantined',
          `data directory ${dataDir} is damaged and log.damage.policy=refuse: ` + store.startupDamage.map(d => d.message).join('; '),
          { details: { damage: store.startupDamage } })
      }
      store.startTimers(options.retentionCheckIntervalMs ?? 300_000, options.checkpointIntervalMs ?? 60_000)
      return store
    } catch (err) {
      lock.release()
      throw err
    }
  }

  /**
   * The cluster id from `meta.properties`, created with a new id for a new data directory. A data directory that
   * already holds topics but lost its meta.properties is refused: a silently new cluster id would make clients
   * and the schema registry see a different cluster.
   */
  private static async loadClusterId (dataDir: string): Promise<string> {
    const path = join(dataDir, META_PROPERTIES)
    const text = (await readFileIfExists(path))?.toString('utf8')
    const match = text?.match(/^cluster\.id=(.+)$/m)
    if (match?.[1] !== undefined) return match[1].trim()
    if (text !== undefined) {
      throw new StorageError('bad-metadata', `${path} has no cluster.id line; restore it from a backup (a line cluster.id=<id>)`)
    }
    const topicFiles = (await readdir(join(dataDir, TOPICS_DIR))).filter(f => f.endsWith('.json'))
    if (topicFiles.length > 0) {
      throw new StorageError('bad-metadata',
        `${path} is missing but ${dataDir} holds ${topicFiles.length} topics: refusing to start with a new cluster id. ` +
        'Restore meta.properties from a backup, or write it by hand (version=1, cluster.id=<the old id>, node.id=0) to keep the old id.')
    }
    const clusterId = newTopicId()
    await writeFileAtomic(path, `#krest data directory\nversion=1\ncluster.id=${clusterId}\nnode.id=0\n`)
    return clusterId
  }

  /** Reads `.topics/<file>`; a file that is not a topic's metadata is reported with its name, never guessed at. */
  private async readTopicMeta (file: string): Promise<TopicMeta> {
    const path = join(this.dataDir, TOPICS_DIR, file)
    const fail = (why: string): StorageError => new StorageError('bad-metadata', `topic metadata ${path} is unreadable: ${why}`, { details: { file: path } })
    let meta: TopicMeta
    try {
      meta = JSON.parse((await readFileIfExists(path))?.toString('utf8') ?? '') as TopicMeta
    } catch (err) {
      throw fail((err as Error).message)
    }
    if (typeof meta !== 'object' || meta === null) throw fail('not a JSON object')
    try { validateTopicName(meta.name) } catch (err) { throw fail((err as Error).message) }
    if (`${meta.name}.json` !== file) throw fail(`it names topic "${meta.name}"`)
    if (!Number.isSafeInteger(meta.partitions) || meta.partitions < 1) throw fail(`bad partition count ${String(meta.partitions)}`)
    if (typeof meta.topicId !== 'string' || typeof meta.overrides !== 'object' || meta.overrides === null) throw fail('topicId or overrides missing')
    return meta
  }

  private async load (clean: boolean): Promise<void> {
    const checkpointText = (await readFileIfExists(join(this.dataDir, RECOVERY_CHECKPOINT_FILE)))?.toString('utf8') ?? ''
    const recoveryPoints = parseCheckpoint(checkpointText)
    const metaDir = join(this.dataDir, TOPICS_DIR)
    /** Topics whose metadata could not be read: their directories are left alone. */
    const unreadable = new Set<string>()
    for (const file of (await readdir(metaDir)).sort()) {
      if (file.endsWith('.tmp')) { await unlinkIfExists(join(metaDir, file)); continue }
      if (!file.endsWith('.json')) continue
      let meta: TopicMeta
      try {
        meta = await this.readTopicMeta(file)
      } catch (err) {
        if (!(err instanceof StorageError)) throw err
        unreadable.add(file.slice(0, -'.json'.length))
        this.reportDamage({ kind: 'topic-metadata', path: join(metaDir, file), message: `${err.message}; the topic is not loaded and its partition directories are left as they are` })
        continue
      }
      if (meta.deleting === true) {
        await this.removeTopicFiles(meta) // a deletion a crash interrupted
        continue
      }
      const config = resolveLogConfig(this.defaults, meta.overrides)
      const logs: PartitionLog[] = []
      for (let p = 0; p < meta.partitions; p++) {
        const dir = join(this.dataDir, partitionDirName(meta.name, p))
        const base = { dir, topic: meta.name, partition: p, config, clock: this.clock, logger: this.logger, probe: this.probe, verifyReads: this.verifyReads, openFiles: this.openFiles }
        const log = await pathExists(dir)
          ? await PartitionLog.open({ ...base, dataDir: this.dataDir, clean, recoveryPoint: recoveryPoints.get(`${meta.name}-${p}`) ?? 0 })
          : await PartitionLog.create(base)
        for (const d of log.damage) this.reportDamage(d)
        logs.push(log)
      }
      this.topics.set(meta.name, { meta, config, logs })
    }
    // Directories no topic claims are left alone: krest removes only what it marked for deletion itself.
    for (const entry of await readdir(this.dataDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue
      const parsed = parsePartitionDirName(entry.name)
      if (parsed === undefined) continue
      const topic = this.topics.get(parsed.topic)
      if (topic !== undefined && parsed.partition < topic.meta.partitions) continue
      if (unreadable.has(parsed.topic)) continue
      const holdsSegments = (await readdir(join(this.dataDir, entry.name))).some(n => parseSegmentLogName(n) !== undefined)
      if (!holdsSegments) {
        this.logger?.info({ dir: entry.name }, 'left alone a directory that is not a partition of any topic')
        continue
      }
      this.reportDamage({
        kind: 'orphan-partition',
        path: join(this.dataDir, entry.name),
        message: `${join(this.dataDir, entry.name)} holds segments but no topic claims it (its .topics metadata is missing or has fewer partitions); it is left as it is`,
      })
    }
  }

  private reportDamage (report: DamageReport): void {
    this.startupDamage.push(report)
    if (report.kind === 'topic-metadata' || report.kind === 'orphan-partition') this.logger?.error({ path: report.path }, report.message)
  }

  /** What start-up found damaged and quarantined (empty for a healthy data directory). */
  get damage (): readonly DamageReport[] {
    return this.startupDamage
  }

  private startTimers (retentionMs: number, checkpointMs: number): void {
    if (retentionMs > 0) {
      this.retentionTimer = setInterval(() => { void this.runCleaner() }, retentionMs)
      this.retentionTimer.unref()
    }
    if (checkpointMs > 0) {
      this.checkpointTimer = setInterval(() => {
        this.writeRecoveryCheckpoint(false).catch(err => this.logger?.error({ err }, 'cannot write recovery checkpoint'))
      }, checkpointMs)
      this.checkpointTimer.unref()
    }
  }

  /** One pass of retention and compaction over every partition (also what the periodic cleaner runs). */
  runCleaner (): Promise<void> {
    if (this.cleaning !== undefined) return this.cleaning
    // Cleared in a later microtask, never synchronously: a pass over zero topics finishes before the assignment
    // below, and clearing it inside the pass would leave a settled promise here forever (the cleaner would stop).
    const pass = this.cleanOnce().finally(() => {
      if (this.cleaning === pass) this.cleaning = undefined
    })
    this.cleaning = pass
    return pass
  }

  private async cleanOnce (): Promise<void> {
    for (const topic of [...this.topics.values()]) {
      for (const log of topic.logs) {
        try {
          await log.enforceRetention()
          await log.compact()
        } catch (err) {
          this.logger?.error({ err, topic: log.topic, partition: log.partition }, 'log cleaner failed')
        }
      }
    }
  }

  private async writeRecoveryCheckpoint (atShutdown: boolean): Promise<void> {
    const lines: string[] = []
    for (const topic of this.topics.values()) {
      for (const log of topic.logs) {
        lines.push(`${log.topic} ${log.partition} ${atShutdown ? log.logEndOffset : log.recoveryPoint}`)
      }
    }
    await writeFileAtomic(join(this.dataDir, RECOVERY_CHECKPOINT_FILE), `0\n${lines.length}\n${lines.join('\n')}\n`)
  }

  private metaPath (name: string): string {
    return join(this.dataDir, TOPICS_DIR, `${name}.json`)
  }

  private async writeMeta (meta: TopicMeta): Promise<void> {
    await writeFileAtomic(this.metaPath(meta.name), JSON.stringify(meta, null, 2) + '\n')
  }

  private checkOpen (): void {
    if (this.closing !== undefined) throw new KrestError('CLOSED', 'the log store is shutting down')
  }

  private getTopic (name: string): Topic {
    const topic = this.topics.get(name)
    if (topic === undefined) throw new KrestError('TOPIC_NOT_FOUND', `Topic ${name} not found.`)
    return topic
  }

  private checkPartitionCount (partitions: number): void {
    if (!Number.isSafeInteger(partitions) || partitions < 1) throw new KrestError('INVALID_PARTITIONS', `Number of partitions must be at least 1, got ${partitions}`)
    if (partitions > this.maxPartitions) throw new KrestError('INVALID_PARTITIONS', `Number of partitions ${partitions} exceeds the maximum of ${this.maxPartitions}`)
  }

  async createTopic (name: string, options: CreateTopicOptions): Promise<TopicDescription> {
    this.checkOpen()
    validateTopicName(name)
    this.checkPartitionCount(options.partitions)
    const overrides = normaliseOverrides(options.configs ?? {})
    return await this.admin.run(async () => {
      if (this.topics.has(name)) throw new KrestError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
      const collides = [...this.topics.keys()].find(t => t.replace(/\./g, '_') === name.replace(/\./g, '_'))
      if (collides !== undefined) throw new KrestError('INVALID_TOPIC_NAME', `Topic '${name}' collides with existing topic: ${collides} ('.' and '_' are treated alike in metric names)`)
      const meta: TopicMeta = { name, topicId: newTopicId(), partitions: options.partitions, internal: options.internal ?? false, overrides, createdAt: this.clock.now() }
      const config = resolveLogConfig(this.defaults, overrides)
      const logs: PartitionLog[] = []
      try {
        for (let p = 0; p < meta.partitions; p++) logs.push(await this.createPartition(name, p, config))
        await fsyncDir(this.dataDir)
        await this.writeMeta(meta) // the commit point
      } catch (err) {
        for (const log of logs) await log.close().catch(() => undefined)
        for (let p = 0; p < meta.partitions; p++) await rm(join(this.dataDir, `${name}-${p}`), { recursive: true, force: true })
        throw new KrestError('STORAGE_ERROR', `cannot create topic ${name}: ${(err as Error).message}`, { cause: err })
      }
      const topic: Topic = { meta, config, logs }
      this.topics.set(name, topic)
      return this.describe(topic)
    })
  }

  private async createPartition (topic: string, partition: number, config: LogConfig): Promise<PartitionLog> {
    const dir = join(this.dataDir, partitionDirName(topic, partition))
    if (await pathExists(dir)) {
      // Leftovers of a crashed create, or an orphan reported at start-up: moved aside, never deleted.
      const aside = join(this.dataDir, QUARANTINE_DIR, `${partitionDirName(topic, partition)}.${this.clock.now()}-replaced`)
      await mkdir(join(this.dataDir, QUARANTINE_DIR), { recursive: true })
      await rename(dir, aside)
      this.logger?.warn({ dir, movedTo: aside }, 'moved an existing partition directory aside before creating the partition')
    }
    return await PartitionLog.create({ dir, topic, partition, config, clock: this.clock, logger: this.logger, probe: this.probe, verifyReads: this.verifyReads, openFiles: this.openFiles })
  }

  hasTopic (name: string): boolean {
    return this.topics.has(name)
  }

  /** A frozen snapshot, shared by callers until the topic changes (copying the config per produce call showed in profiles). */
  private describe (topic: Topic): TopicDescription {
    topic.description ??= Object.freeze({
      name: topic.meta.name,
      topicId: topic.meta.topicId,
      partitions: topic.logs.length,
      internal: topic.meta.internal,
      overrides: Object.freeze({ ...topic.meta.overrides }),
      config: Object.freeze({ ...topic.config }),
    })
    return topic.description
  }

  describeTopic (name: string): TopicDescription {
    return this.describe(this.getTopic(name))
  }

  /** All topics, internal ones included (flagged), sorted by name. */
  listTopics (): TopicDescription[] {
    return [...this.topics.values()].map(t => this.describe(t)).sort((a, b) => a.name.localeCompare(b.name))
  }

  /**
   * Deletes a topic, crash-atomically: its metadata is first rewritten with `deleting: true` (the commit point; a
   * restart finishes the deletion), then pending appends finish, the partition files go, and the metadata last.
   */
  async deleteTopic (name: string): Promise<void> {
    this.checkOpen()
    await this.admin.run(async () => {
      const topic = this.getTopic(name)
      await this.writeMeta({ ...topic.meta, deleting: true })
      this.topics.delete(name)
      for (const log of topic.logs) await log.close()
      await this.removeTopicFiles(topic.meta)
    })
  }

  private async removeTopicFiles (meta: TopicMeta): Promise<void> {
    for (let p = 0; p < meta.partitions; p++) await rm(join(this.dataDir, partitionDirName(meta.name, p)), { recursive: true, force: true })
    await fsyncDir(this.dataDir)
    await unlinkIfExists(this.metaPath(meta.name))
    await fsyncDir(join(this.dataDir, TOPICS_DIR))
  }

  /** Grows a topic to `totalPartitions` partitions (Kafka cannot shrink them either). */
  async addPartitions (name: string, totalPartitions: number): Promise<TopicDescription> {
    this.checkOpen()
    return await this.admin.run(async () => {
      const topic = this.getTopic(name)
      this.checkPartitionCount(totalPartitions)
      if (totalPartitions <= topic.logs.length) {
        throw new KrestError('INVALID_PARTITIONS', `Topic currently has ${topic.logs.length} partitions, which is higher than or equal to the requested ${totalPartitions}.`)
      }
      const added: PartitionLog[] = []
      for (let p = topic.logs.length; p < totalPartitions; p++) added.push(await this.createPartition(name, p, topic.config))
      await fsyncDir(this.dataDir)
      const meta = { ...topic.meta, partitions: totalPartitions }
      await this.writeMeta(meta)
      topic.meta = meta
      topic.logs = [...topic.logs, ...added]
      topic.description = undefined
      return this.describe(topic)
    })
  }

  /** Sets and resets (back to the default) per-topic config overrides, validated first, persisted atomically. */
  async alterTopicConfigs (name: string, set: Record<string, string>, reset: string[] = []): Promise<TopicDescription> {
    this.checkOpen()
    const normalised = normaliseOverrides(set)
    for (const r of reset) {
      if (!isTopicConfigName(r)) throw new KrestError('INVALID_CONFIG', `Unknown topic config name: ${r}`)
    }
    return await this.admin.run(async () => {
      const topic = this.getTopic(name)
      const overrides = { ...topic.meta.overrides, ...normalised }
      for (const r of reset) delete overrides[r]
      const config = resolveLogConfig(this.defaults, overrides)
      const meta = { ...topic.meta, overrides }
      await this.writeMeta(meta)
      topic.meta = meta
      topic.config = config
      topic.description = undefined
      for (const log of topic.logs) log.updateConfig(config)
      return this.describe(topic)
    })
  }

  /** Every topic config with its effective value and where it comes from, as Kafka's DescribeConfigs reports. */
  topicConfigEntries (name: string): TopicConfigEntry[] {
    const topic = this.getTopic(name)
    return TOPIC_CONFIG_DEFINITIONS.map(def => {
      const override = topic.meta.overrides[def.name]
      const brokerValue = configValueText(this.defaults[def.name])
      const brokerSet = brokerValue !== configValueText(def.default)
      const synonyms: TopicConfigEntry['synonyms'] = []
      if (override !== undefined) synonyms.push({ name: def.name, value: override, source: 'DYNAMIC_TOPIC_CONFIG' })
      if (def.brokerName !== undefined) {
        if (brokerSet) synonyms.push({ name: def.brokerName, value: brokerValue, source: 'STATIC_BROKER_CONFIG' })
        synonyms.push({ name: def.brokerName, value: configValueText(def.default), source: 'DEFAULT_CONFIG' })
      }
      return {
        name: def.name,
        value: configValueText(topic.config[def.name]),
        isDefault: override === undefined && !brokerSet,
        isReadOnly: false,
        isSensitive: false,
        source: override !== undefined ? 'DYNAMIC_TOPIC_CONFIG' : brokerSet ? 'STATIC_BROKER_CONFIG' : 'DEFAULT_CONFIG',
        synonyms,
      }
    })
  }

  /** Validates one topic config value without applying it (throws INVALID_CONFIG). */
  validateTopicConfig (name: string, value: string): void {
    parseTopicConfigValue(name, value)
  }

  partition (topic: string, partition: number): PartitionLog {
    const t = this.getTopic(topic)
    const log = Number.isInteger(partition) ? t.logs[partition] : undefined
    if (log === undefined) throw new KrestError('PARTITION_NOT_FOUND', `Partition ${partition} of topic ${topic} not found.`)
    return log
  }

  partitionCount (topic: string): number {
    return this.getTopic(topic).logs.length
  }

  partitionStates (): PartitionState[] {
    const out: PartitionState[] = []
    for (const topic of this.topics.values()) for (const log of topic.logs) out.push(log.state())
    return out
  }

  /** Clean shutdown: appends in flight finish, everything is fsynced, recovery points and the marker are written. */
  close (): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.closing = (async () => {
      if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer)
      if (this.checkpointTimer !== undefined) clearInterval(this.checkpointTimer)
      if (this.cleaning !== undefined) await this.cleaning
      await this.admin.run(async () => {
        for (const topic of this.topics.values()) for (const log of topic.logs) await log.close()
        await this.writeRecoveryCheckpoint(true)
        await writeFileAtomic(join(this.dataDir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: -1 }) + '\n')
      })
      this.lock.release()
    })()
    return this.closing
  }
}
