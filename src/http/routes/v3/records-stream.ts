/**
 * One `POST /v3/clusters/{cid}/topics/{t}/records` exchange, single-record or streaming (kafka-rest
 * `StreamingResponse`): the request body is split into records as bytes arrive, each record is encoded and
 * produced, and one delivery report per record is written back in request order, each followed by `\r\n`, while
 * the request is still streaming.
 *
 * - Mode: a chunked request body streams (200 at once, reports as records complete). A body with a
 *   Content-Length holding exactly one record is a single-record call: krest answers it with the report's own
 *   HTTP status (200, or the error's 4xx/5xx with `{error_code, message}`) instead of Confluent's 200-always; a
 *   Content-Length body with several records is answered like a stream.
 * - Produce pipeline: up to `maxInFlight` backend produce calls per exchange, issued in order; records parsed while
 *   they run wait and go together in the next call (adaptive batching; offsets follow the stream's order).
 * - Backpressure: reading pauses while more than `maxPendingRecords` / `maxPendingBytes` records are parsed but
 *   not yet answered, or while the response socket's buffer is full; it resumes below half of those marks.
 * - Errors: a record that fails (bad fields, bad data, storage) gets its own error report and the stream goes on;
 *   JSON that cannot be split or parsed gets one 400 report and ends the stream (Confluent: the parser is lost).
 */
import type { StreamMemory } from '../../limits.js'
import { isUtf8 } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Producer, ProduceOutcome } from '../../../backend/types.js'
import { KrestError, isKrestError } from '../../../util/errors.js'
import { ConcatenatedJsonSplitter, JsonStreamError } from '../../../util/json-stream.js'
import { RecordFastPath } from '../../../proxy/produce/record-fast-path.js'
import { mappingFor, produceErrorMappings } from '../../errors.js'
import { parseRecordRequest, type EncodedRecord, type RecordEncoder, type ReportData } from '../../../proxy/produce/records-request.js'

export interface ErrorReport {
  error_code: number
  message: string
}

export interface SuccessReport {
  error_code: 200
  cluster_id: string
  topic_name: string
  partition_id: number
  offset: number
  timestamp: string
  key?: ReportData
  value?: ReportData
}

/** HTTP status and Confluent body of an error, as an HTTP response would carry it. */
export function errorResponse (err: unknown, log: FastifyBaseLogger): { status: number, body: ErrorReport } {
  if (isKrestError(err)) {
    const m = mappingFor(err.code, produceErrorMappings)
    if (m.status >= 500) log.error({ err }, 'produce failed')
    return { status: m.status, body: { error_code: m.errorCode, message: m.message ?? err.message } }
  }
  log.error({ err }, 'produce failed')
  return { status: 500, body: { error_code: 500, message: 'Internal Server Error' } }
}

/**
 * An error as a per-record report inside a stream or a batch: as Confluent's stream error mapper does, a
 * constraint violation (422xx) is reported as 422 with the specific code in the message ("Error: 42206 : …").
 */
export function recordErrorReport (err: unknown, log: FastifyBaseLogger): ErrorReport {
  return streamErrorBody(errorResponse(err, log).body)
}

function streamErrorBody (body: ErrorReport): ErrorReport {
  if (body.error_code >= 42200 && body.error_code < 42300) return { error_code: 422, message: `Error: ${body.error_code} : ${body.message}` }
  return body
}

export function successReport (clusterId: string, topic: string, outcome: { partition: number, offset: number, timestamp: number }, enc: EncodedRecord): SuccessReport {
  const report: SuccessReport = {
    error_code: 200,
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: outcome.partition,
    offset: outcome.offset,
    timestamp: new Date(outcome.timestamp).toISOString(),
  }
  if (enc.key !== undefined) report.key = enc.key
  if (enc.value !== undefined) report.value = enc.value
  return report
}

/**
 * Writes success reports as JSON text directly (the same fields and order as `successReport`), with the constant
 * prefix built once per stream and the ISO timestamp of consecutive records with the same ms reused.
 */
export class ReportText {
  private readonly prefix: string
  private lastTs = Number.NaN
  private lastIso = ''

  constructor (clusterId: string, topic: string) {
    this.prefix = `{"error_code":200,"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topic)},"partition_id":`
  }

  success (outcome: { partition: number, offset: number, timestamp: number }, enc: EncodedRecord): string {
    if (outcome.timestamp !== this.lastTs) {
      this.lastTs = outcome.timestamp
      this.lastIso = new Date(outcome.timestamp).toISOString()
    }
    let text = `${this.prefix}${outcome.partition},"offset":${outcome.offset},"timestamp":"${this.lastIso}"`
    if (enc.key !== undefined) text += `,"key":${dataText(enc.key)}`
    if (enc.value !== undefined) text += `,"value":${dataText(enc.value)}`
    return text + '}'
  }
}

function dataText (d: ReportData): string {
  return d.subject === undefined ? `{"type":"${d.type}","size":${d.size}}` : JSON.stringify(d)
}

/** Topic-wide failures: every record of a rejected produce call fails the same way, no need to retry one by one. */
const TOPIC_WIDE: ReadonlySet<string> = new Set(['TOPIC_NOT_FOUND', 'INTERNAL_TOPIC', 'CLOSED', 'INVALID_TOPIC_NAME'])

/**
 * Produces encoded records in one backend call, with one outcome per record. The backend refuses a whole call
 * when one record is bad (partition missing, record too large): then the records are produced one by one, so each
 * gets its own outcome and the good ones are written.
 */
export async function produceEach (producer: Producer, topic: string, encoded: readonly EncodedRecord[]): Promise<ProduceOutcome[]> {
  try {
    return await producer.produce(topic, encoded.map(e => e.record))
  } catch (err) {
    const error = isKrestError(err) ? err : new KrestError('STORAGE_ERROR', `Produce to ${topic} failed: ${(err as Error).message}`, { cause: err })
    if (encoded.length === 1 || TOPIC_WIDE.has(error.code)) return encoded.map((): ProduceOutcome => ({ ok: false, error }))
    const outcomes: ProduceOutcome[] = []
    for (const e of encoded) {
      try {
        const [one] = await producer.produce(topic, [e.record])
        outcomes.push(one ?? { ok: false, error: new KrestError('STORAGE_ERROR', 'No outcome for a produced record') })
      } catch (err1) {
        outcomes.push({ ok: false, error: isKrestError(err1) ? err1 : new KrestError('STORAGE_ERROR', `Produce to ${topic} failed: ${(err1 as Error).message}`, { cause: err1 }) })
      }
    }
    return outcomes
  }
}

/**
 * How many records may be in produce calls at once, over all the streams of a server. Records in a produce call
 * are parsed and encoded objects that live until the write is durable; with many streams and no shared bound they
 * outlive young-generation collections and the collector's copying costs more than all the parsing (measured:
 * 8 streams of 2 × 512-record calls ran at two thirds of the rate of 8 × 2 × 256).
 */
export class InFlightBudget {
  private used = 0
  private waiting: Array<() => void> = []

  constructor (readonly limit: number) {}

  /** Takes up to `want` records of the budget; 0 when none is free, and then `onFree` runs once some is. */
  acquire (want: number, onFree: () => void): number {
    const grant = Math.min(want, this.limit - this.used)
    if (grant <= 0) {
      this.waiting.push(onFree)
      return 0
    }
    this.used += grant
    return grant
  }

  release (n: number): void {
    this.used -= n
    if (this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    for (const wake of waiting) wake()
  }
}

export interface StreamLimits {
  /** Largest single record, in bytes (`request.body.max.bytes`). */
  maxRecordBytes: number
  /** Largest Content-Length body accepted (`request.body.max.bytes`). */
  maxBodyBytes: number
  /** `streaming.connection.max.duration.ms` */
  maxDurationMs: number
  /** `streaming.connection.max.duration.grace.period.ms` */
  gracePeriodMs: number
  maxPendingRecords: number
  maxPendingBytes: number
  /** Most records in one backend produce call. */
  maxBatchRecords: number
  /** Most backend produce calls running at once for one stream. */
  maxInFlight: number
}

export interface StreamContext {
  /** Bytes held by all streams, and the caps on them (limits.ts). */
  memory: StreamMemory
  clusterId: string
  topic: string
  producer: Producer
  encoder: RecordEncoder
  log: FastifyBaseLogger
  limits: StreamLimits
  /** Shared by the server's streams. */
  budget: InFlightBudget
  now: () => number
}

/** A report known without producing: its HTTP status and Confluent body. */
interface Fixed {
  status: number
  body: ErrorReport
}

/**
 * Records read but not yet taken into a produce step: record k of the group is `buf[bounds[2k], bounds[2k+1])`.
 * They are kept as bytes, not parsed: a parsed and encoded record waiting in a long read-ahead queue survives
 * garbage collections and gets copied into the old generation, which cost more than all the parsing.
 */
interface ReadGroup {
  buf: Buffer
  bounds: number[]
  /** The next record of the group to take. */
  next: number
  /** Read after `streaming.connection.max.duration.ms`: each record is answered 408. */
  expired: boolean
  /** Instead of records: the report that ends the stream (the body could not be split any further). */
  fatal?: Fixed
}

/** One record of a step while it is prepared and produced. */
interface StepRecord {
  encoded?: EncodedRecord | Promise<EncodedRecord>
  /** A failure found before producing (bad fields or data, a schema that cannot be resolved). */
  error?: unknown
  fixed?: Fixed
}

/** Records taken together into one produce call; their reports are written together, in order, once all are known. */
interface Step {
  count: number
  bytes: number
  done: boolean
  /** The reports, each followed by `\r\n` (streaming). */
  text: string
  /** The HTTP answer for a lone record (a single-record call). */
  single?: { status: number, body: string }
}

export class RecordStream {
  private readonly ctx: StreamContext
  private readonly req: IncomingMessage
  private readonly res: ServerResponse
  private readonly splitter: ConcatenatedJsonSplitter
  private readonly encoding: 'utf8' | 'latin1'
  private readonly startedAt: number
  private readonly reportText: ReportText
  private readonly fastPath = new RecordFastPath()
  private readonly onValuesBound = (buf: Buffer, bounds: number[]): void => { this.onValues(buf, bounds) }

  /** Records read and not yet taken, in request order, from `groupHead`. */
  private groups: ReadGroup[] = []
  private groupHead = 0
  private unread = 0
  /** Steps whose reports are not yet written, in request order, from `stepHead`. */
  private steps: Step[] = []
  private stepHead = 0
  private recordsRead = 0
  /** Records read and not yet answered, and their bytes (backpressure). */
  private pending = 0
  private pendingBytes = 0
  /** Produce calls running. */
  private inFlight = 0
  /** Waiting for the shared in-flight budget (`onBudgetFree` runs when some is free). */
  private awaitingBudget = false
  private readonly onBudgetFree = (): void => {
    this.awaitingBudget = false
    this.kick()
    this.afterProgress()
  }
  /** A step waits for a record's asynchronous encoding (a schema to resolve or register); later steps wait for it. */
  private awaitingEncode = false
  private paused = false
  private outputBlocked = false
  /** Reports of finished steps not yet written to the response (the client is not reading). */
  private unsentReportBytes = 0
  private readonly onMemoryRoom = (): void => { this.afterProgress() }
  /** No more records will be read (end of body, fatal error, shutdown, or the duration limit's grace period ran out). */
  private inputDone = false
  private finished = false
  /** 200 and the chunked body have started. */
  private streaming: boolean
  private readonly chunked: boolean
  private bodyBytes = 0
  private graceTimer: NodeJS.Timeout | undefined
  private resolveDone: (() => void) | undefined
  readonly done: Promise<void>

  constructor (ctx: StreamContext, req: IncomingMessage, res: ServerResponse, encoding: 'utf8' | 'latin1') {
    this.ctx = ctx
    this.req = req
    this.res = res
    this.encoding = encoding
    this.startedAt = ctx.now()
    this.reportText = new ReportText(ctx.clusterId, ctx.topic)
    this.splitter = new ConcatenatedJsonSplitter({ maxValueBytes: ctx.limits.maxRecordBytes })
    this.chunked = req.headers['content-length'] === undefined
    this.streaming = false
    this.done = new Promise(resolve => { this.resolveDone = resolve })
  }

  start (): void {
    const { req, res } = this
    if (!this.chunked) {
      const length = Number(req.headers['content-length'])
      if (length > this.ctx.limits.maxBodyBytes) {
        this.respondOnce(413, { error_code: 413, message: `Request body is larger than the limit of ${this.ctx.limits.maxBodyBytes} bytes (request.body.max.bytes).` })
        return
      }
    } else {
      this.beginStreaming()
    }
    res.on('drain', () => {
      this.outputBlocked = false
      this.afterProgress()
    })
    res.on('close', () => {
      // The client went away (or we are done): nothing more can be written, stop reading.
      if (!res.writableFinished) this.abort()
      this.finish()
    })
    req.on('data', (chunk: Buffer) => { this.onData(chunk) })
    req.on('end', () => { this.onEnd() })
    req.on('error', () => { this.abort() })
  }

  /** Graceful stop (server shutdown): read no more, answer what was read, end the response. */
  stop (): void {
    if (this.inputDone) return
    this.closeInput()
    this.kick()
    this.afterProgress()
  }

  private beginStreaming (): void {
    if (this.streaming) return
    this.streaming = true
    this.res.writeHead(200, { 'content-type': 'application/json' })
    this.res.flushHeaders()
  }

  private onData (chunk: Buffer): void {
    if (this.inputDone) return
    this.bodyBytes += chunk.length
    try {
      this.splitter.push(chunk, this.onValuesBound)
    } catch (err) {
      this.fatal(err)
    }
    this.kick()
    this.afterProgress()
  }

  private onEnd (): void {
    if (this.inputDone) return
    try {
      this.splitter.end(this.onValuesBound)
    } catch (err) {
      this.fatal(err)
      return
    }
    this.closeInput()
    if (!this.streaming && this.recordsRead === 0) {
      this.respondOnce(422, { error_code: 42206, message: 'Payload error. Request body is empty. Data is required.' })
      return
    }
    this.kick()
    this.afterProgress()
  }

  /** Records that completed in a chunk of the body: queued as bytes until a produce step takes them. */
  private onValues (buf: Buffer, bounds: number[]): void {
    if (this.inputDone) return
    const count = bounds.length >> 1
    const bytes = (bounds[bounds.length - 1] as number) - (bounds[0] as number)
    const expired = this.ctx.now() - this.startedAt > this.ctx.limits.maxDurationMs
    if (expired && this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => { this.stop() }, this.ctx.limits.gracePeriodMs)
      this.graceTimer.unref()
    }
    this.groups.push({ buf, bounds, next: 0, expired })
    this.unread += count
    this.read(count, bytes)
  }

  private read (count: number, bytes: number): void {
    this.recordsRead += count
    this.pending += count
    this.pendingBytes += bytes
    if (!this.streaming && this.recordsRead > 1) this.beginStreaming()
  }

  private fatal (err: unknown): void {
    if (err instanceof JsonStreamError) {
      const status = err.kind === 'too-large' ? 413 : 400
      const body = { error_code: status, message: err.kind === 'too-large' ? err.message : `Error processing JSON: ${err.message}` }
      if (!this.streaming && this.recordsRead === 0) {
        this.closeInput()
        this.respondOnce(status, body)
        return
      }
      // Answered after the records read before it.
      this.groups.push({ buf: EMPTY, bounds: [], next: 0, expired: false, fatal: { status, body } })
      this.unread++
      this.read(1, 0)
    } else {
      this.ctx.log.error({ err }, 'records stream failed')
    }
    this.closeInput()
    this.kick()
    this.afterProgress()
  }

  private closeInput (): void {
    this.inputDone = true
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
    // Node discards the rest of an unread request body once the response ends.
  }

  /**
   * Starts produce steps while fewer than `maxInFlight` are running, each taking the records read so far (up to
   * `maxBatchRecords`, and as many as the shared in-flight budget allows): small steps at low rates, large ones when
   * the log is busy. Steps are issued in order, and the backend hands them to the partition log in call order, so
   * offsets follow the stream's order. A step with a record whose encoding is asynchronous (a schema to register)
   * holds back the steps after it until it is encoded.
   */
  private kick (): void {
    const { maxInFlight, maxBatchRecords } = this.ctx.limits
    while (this.inFlight < maxInFlight && this.unread > 0 && !this.awaitingEncode && !this.finished && !this.awaitingBudget) {
      const granted = this.ctx.budget.acquire(Math.min(this.unread, maxBatchRecords), this.onBudgetFree)
      if (granted === 0) {
        this.awaitingBudget = true
        return
      }
      const { records, bytes } = this.take(granted)
      const step: Step = { count: records.length, bytes, done: false, text: '' }
      this.steps.push(step)
      this.inFlight++
      let run: Promise<void>
      if (records.some(r => r.encoded instanceof Promise)) {
        this.awaitingEncode = true
        run = this.settleEncodings(records).then(async () => {
          this.awaitingEncode = false
          const produced = this.produceStep(step, records)
          this.kick()
          await produced
        })
      } else {
        run = this.produceStep(step, records)
      }
      run.catch((err: unknown) => {
        this.ctx.log.error({ err }, 'records stream: produce step failed')
      }).finally(() => {
        this.awaitingEncode = false
        this.ctx.budget.release(granted)
        this.inFlight--
        this.kick()
        this.afterProgress()
      })
    }
  }

  /**
   * Takes up to `max` read records: reads, checks and encodes them, by the fast path (`record-fast-path.ts`) for
   * the common shapes, else by `JSON.parse` and the strict binding. A record that is not JSON ends the stream: its
   * 400 report is the last, and later records are dropped.
   */
  private take (max: number): { records: StepRecord[], bytes: number } {
    const out: StepRecord[] = []
    let bytes = 0
    while (out.length < max && this.groupHead < this.groups.length) {
      const group = this.groups[this.groupHead] as ReadGroup
      if (group.fatal !== undefined) {
        out.push({ fixed: group.fatal })
        this.unread--
        this.groupHead++
        continue
      }
      const { buf, bounds } = group
      const count = bounds.length >> 1
      const from = group.next
      const to = Math.min(count, from + max - out.length)
      group.next = to
      this.unread -= to - from
      // The bytes from the end of the record before (so that a group's parts add up to what was counted when read).
      bytes += (bounds[2 * to - 1] as number) - (bounds[from === 0 ? 0 : 2 * from - 1] as number)
      if (to === count) {
        this.groups[this.groupHead] = DONE_GROUP
        this.groupHead++
      }
      if (group.expired) {
        for (let k = from; k < to; k++) out.push({ fixed: EXPIRED })
        continue
      }
      for (let k = from; k < to; k++) {
        if (this.encoding === 'utf8' && !isUtf8(buf.subarray(bounds[2 * k] as number, bounds[2 * k + 1] as number))) {
          // JSON text is UTF-8 (RFC 8259): bytes that are not are a syntax error, never stored as U+FFFD.
          out.push({ fixed: { status: 400, body: { error_code: 400, message: 'Error processing JSON: the record is not valid UTF-8.' } } })
          this.dropUnread(to - (k + 1))
          return { records: out, bytes }
        }
        const encoded = this.fastPath.encode(buf, bounds[2 * k] as number, bounds[2 * k + 1] as number, this.encoding === 'utf8')
        if (encoded !== undefined) {
          out.push({ encoded })
          continue
        }
        let parsed: unknown
        try {
          parsed = JSON.parse(buf.toString(this.encoding, bounds[2 * k], bounds[2 * k + 1]))
        } catch (err) {
          // Confluent: a JSON parse error loses the parser; one error report, then the stream ends.
          out.push({ fixed: { status: 400, body: { error_code: 400, message: `Error processing JSON: ${(err as Error).message}` } } })
          this.dropUnread(to - (k + 1)) // the rest of this take; dropUnread adds the group's untaken records
          return { records: out, bytes }
        }
        out.push(this.prepare(parsed))
      }
    }
    if (this.groupHead > 1024 && this.groupHead * 2 > this.groups.length) {
      this.groups = this.groups.slice(this.groupHead)
      this.groupHead = 0
    }
    return { records: out, bytes }
  }

  /**
   * After a record that is not JSON: the records read after it are never answered (nor counted as read; their bytes
   * no longer matter, nothing more is read). `restOfTake`: the records after it that the current take had claimed;
   * the untaken records of its group, and later groups, are counted here.
   */
  private dropUnread (restOfTake: number): void {
    let dropped = restOfTake
    for (let g = this.groupHead; g < this.groups.length; g++) {
      const group = this.groups[g] as ReadGroup
      if (group === DONE_GROUP) continue
      dropped += group.fatal !== undefined ? 1 : (group.bounds.length >> 1) - group.next
    }
    this.groups = []
    this.groupHead = 0
    this.unread = 0
    this.recordsRead -= dropped
    this.pending -= dropped
    this.closeInput()
  }

  private prepare (parsed: unknown): StepRecord {
    try {
      const encoded = this.ctx.encoder.encode(this.ctx.topic, parseRecordRequest(parsed))
      if (encoded instanceof Promise) encoded.catch(() => undefined) // awaited in settleEncodings
      return { encoded }
    } catch (err) {
      return { error: err }
    }
  }

  private async settleEncodings (records: StepRecord[]): Promise<void> {
    for (const r of records) {
      if (!(r.encoded instanceof Promise)) continue
      try {
        r.encoded = await r.encoded
      } catch (err) {
        r.encoded = undefined
        r.error = err
      }
    }
  }

  /** Produces a step's encoded records in one call and writes its reports, in order. */
  private async produceStep (step: Step, records: StepRecord[]): Promise<void> {
    const encoded: EncodedRecord[] = []
    for (const r of records) if (r.encoded !== undefined) encoded.push(r.encoded as EncodedRecord)
    const outcomes = encoded.length === 0 ? [] : await produceEach(this.ctx.producer, this.ctx.topic, encoded)
    let text = ''
    let j = 0
    for (const r of records) {
      let failure = r.fixed
      if (failure === undefined) {
        let error = r.error
        if (error === undefined) {
          const o = outcomes[j]
          const enc = encoded[j] as EncodedRecord
          j++
          if (o === undefined) {
            error = new KrestError('STORAGE_ERROR', 'No outcome for a produced record')
          } else if (o.ok) {
            const report = this.reportText.success(o, enc)
            text += report + '\r\n'
            if (records.length === 1) step.single = { status: 200, body: report }
            continue
          } else {
            error = o.error
          }
        }
        failure = errorResponse(error, this.ctx.log)
      }
      // In a stream, as Confluent's stream error mapper writes it; a single-record call answers the error itself.
      text += JSON.stringify(streamErrorBody(failure.body)) + '\r\n'
      if (records.length === 1) step.single = { status: failure.status, body: JSON.stringify(failure.body) }
    }
    step.text = text
    step.done = true
    this.unsentReportBytes += text.length
  }

  /** Writes finished reports, applies backpressure, and ends the response when everything is answered. */
  private afterProgress (): void {
    this.flush()
    const { maxPendingRecords, maxPendingBytes } = this.ctx.limits
    // What this stream holds: records read and not answered, and reports the client has not taken (issue 13.8).
    const reports = this.unsentReportBytes + (this.finished ? 0 : this.res.writableLength)
    const memory = this.ctx.memory
    const overMemory = !this.finished && memory.update(this, this.pendingBytes + reports, this.onMemoryRoom)
    const overReports = reports >= memory.maxReportBytesPerStream
    if (!this.paused && !this.inputDone && (this.outputBlocked || overMemory || overReports || this.pending >= maxPendingRecords || this.pendingBytes >= maxPendingBytes)) {
      this.paused = true
      this.req.pause()
    } else if (this.paused && (this.inputDone || (!this.outputBlocked && !overMemory && !overReports && this.pending <= maxPendingRecords / 2 && this.pendingBytes <= maxPendingBytes / 2))) {
      this.paused = false
      if (!this.inputDone) this.req.resume()
    }
    if (this.inputDone && this.pending === 0 && this.inFlight === 0 && !this.awaitingEncode) this.endResponse()
  }

  private flush (): void {
    if (this.finished) return
    if (!this.streaming) {
      // Single-record call: answered when the body has ended and its one record is done.
      const step = this.steps[0]
      if (this.inputDone && this.recordsRead === 1 && step?.done === true && step.single !== undefined) {
        this.stepHead = 1
        this.pending = 0
        this.pendingBytes = 0
        this.respondOnce(step.single.status, step.single.body)
      }
      return
    }
    if (this.outputBlocked) return
    let out = ''
    while (this.stepHead < this.steps.length) {
      const step = this.steps[this.stepHead] as Step
      if (!step.done) break
      out += step.text
      this.unsentReportBytes -= step.text.length
      this.pending -= step.count
      this.pendingBytes -= step.bytes
      this.steps[this.stepHead] = DONE_STEP
      this.stepHead++
    }
    if (this.stepHead > 1024 && this.stepHead * 2 > this.steps.length) {
      this.steps = this.steps.slice(this.stepHead)
      this.stepHead = 0
    }
    if (out !== '' && !this.res.write(out)) this.outputBlocked = true
  }

  private respondOnce (status: number, body: string | ErrorReport): void {
    if (this.finished || this.res.headersSent) return
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    this.res.end(text)
    this.inputDone = true
    this.finish()
  }

  private endResponse (): void {
    if (this.finished) return
    if (!this.streaming) return // answered by flush()/respondOnce
    this.res.end()
    this.finish()
  }

  private abort (): void {
    this.closeInput()
    this.groups = []
    this.groupHead = 0
    this.unread = 0
    if (!this.req.destroyed) this.req.destroy()
  }

  private finish (): void {
    if (this.finished) return
    this.finished = true
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
    this.resolveDone?.()
  }

  /** Records read so far, for logs. */
  get records (): number {
    return this.recordsRead
  }

  get bytesRead (): number {
    return this.bodyBytes
  }
}

const EMPTY = Buffer.alloc(0)
const EXPIRED: Fixed = { status: 408, body: { error_code: 408, message: 'Streaming connection open for longer than allowed: Connection will be closed.' } }
/** Placeholders for entries already taken or written (the arrays are compacted now and then). */
const DONE_GROUP: ReadGroup = { buf: EMPTY, bounds: [], next: 0, expired: false }
const DONE_STEP: Step = { count: 0, bytes: 0, done: true, text: '' }
