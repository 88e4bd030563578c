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
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Producer, ProduceOutcome } from '../../../backend/types.js'
import { KrestError, isKrestError } from '../../../util/errors.js'
import { ConcatenatedJsonSplitter, JsonStreamError } from '../../../util/json-stream.js'
import { mappingFor } from '../../errors.js'
import { parseRecordRequest, type EncodedRecord, type RecordEncoder, type ReportData } from './records-request.js'

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
    const m = mappingFor(err.code)
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
  const { body } = errorResponse(err, log)
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
  clusterId: string
  topic: string
  producer: Producer
  encoder: RecordEncoder
  log: FastifyBaseLogger
  limits: StreamLimits
  now: () => number
}

interface Slot {
  /** Bytes of request text this record took (backpressure accounting). */
  bytes: number
  done: boolean
  status: number
  /** The report's JSON text (success, or an error known at once). */
  report: string | undefined
  /** A failure, turned into a stream report or an HTTP response once the mode is known. */
  error?: unknown
  /** The encoded record while it waits to be produced. */
  encoded: EncodedRecord | Promise<EncodedRecord> | undefined
}

export class RecordStream {
  private readonly ctx: StreamContext
  private readonly req: IncomingMessage
  private readonly res: ServerResponse
  private readonly splitter: ConcatenatedJsonSplitter
  private readonly startedAt: number
  private readonly reportText: ReportText

  /** Reports not yet written, in request order, from `head`. */
  private slots: Slot[] = []
  private head = 0
  private pendingBytes = 0
  /** Records waiting for the next produce call. */
  private queue: Slot[] = []
  /** Produce calls running. */
  private inFlight = 0
  /** The record at the head of the queue is being encoded asynchronously. */
  private awaitingEncode = false
  private paused = false
  private outputBlocked = false
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
    this.startedAt = ctx.now()
    this.reportText = new ReportText(ctx.clusterId, ctx.topic)
    this.splitter = new ConcatenatedJsonSplitter({ maxValueBytes: ctx.limits.maxRecordBytes, encoding })
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
      this.splitter.push(chunk, text => { this.onRecordText(text) })
    } catch (err) {
      this.fatal(err)
    }
    this.kick()
    this.afterProgress()
  }

  private onEnd (): void {
    if (this.inputDone) return
    try {
      this.splitter.end(text => { this.onRecordText(text) })
    } catch (err) {
      this.fatal(err)
      return
    }
    this.closeInput()
    if (!this.streaming && this.slots.length === 0) {
      this.respondOnce(422, { error_code: 42206, message: 'Payload error. Request body is empty. Data is required.' })
      return
    }
    this.kick()
    this.afterProgress()
  }

  private onRecordText (text: string): void {
    if (this.inputDone) return
    const slot: Slot = { bytes: text.length, done: false, status: 200, report: undefined, encoded: undefined }
    this.slots.push(slot)
    this.pendingBytes += slot.bytes
    if (!this.streaming && this.slots.length > 1) this.beginStreaming()
    const { limits } = this.ctx
    if (this.ctx.now() - this.startedAt > limits.maxDurationMs) {
      this.settle(slot, 408, { error_code: 408, message: 'Streaming connection open for longer than allowed: Connection will be closed.' })
      if (this.graceTimer === undefined) {
        this.graceTimer = setTimeout(() => { this.stop() }, limits.gracePeriodMs)
        this.graceTimer.unref()
      }
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (err) {
      // Confluent: a JSON parse error loses the parser; one error report, then the stream ends.
      this.settle(slot, 400, { error_code: 400, message: `Error processing JSON: ${(err as Error).message}` })
      this.closeInput()
      return
    }
    try {
      const encoded = this.ctx.encoder.encode(this.ctx.topic, parseRecordRequest(parsed))
      if (encoded instanceof Promise) encoded.catch(() => undefined) // handled when its turn comes
      slot.encoded = encoded
      this.queue.push(slot)
    } catch (err) {
      this.fail(slot, err)
    }
  }

  private fatal (err: unknown): void {
    if (err instanceof JsonStreamError) {
      const status = err.kind === 'too-large' ? 413 : 400
      const body = { error_code: status, message: err.kind === 'too-large' ? err.message : `Error processing JSON: ${err.message}` }
      if (!this.streaming && this.slots.length === 0) {
        this.closeInput()
        this.respondOnce(status, body)
        return
      }
      const slot: Slot = { bytes: 0, done: false, status, report: undefined, encoded: undefined }
      this.slots.push(slot)
      this.settle(slot, status, body)
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

  private fail (slot: Slot, err: unknown): void {
    slot.done = true
    slot.error = err
  }

  private settle (slot: Slot, status: number, report: string | ErrorReport): void {
    slot.done = true
    slot.status = status
    slot.report = typeof report === 'string' ? report : JSON.stringify(report)
  }

  /**
   * Starts produce calls while fewer than `maxInFlight` are running, each taking the records queued so far (up to
   * `maxBatchRecords`): small batches at low rates, large ones when the log is busy. Calls are issued in order, and
   * the backend hands them to the partition log in call order, so offsets follow the stream's order. A record whose
   * encoding is asynchronous (a schema to register) holds back the records after it until it is encoded.
   */
  private kick (): void {
    const { maxInFlight, maxBatchRecords } = this.ctx.limits
    while (this.inFlight < maxInFlight && this.queue.length > 0 && !this.awaitingEncode) {
      const first = this.queue[0] as Slot
      if (first.encoded instanceof Promise) {
        this.awaitingEncode = true
        first.encoded.then(e => { first.encoded = e }, (err: unknown) => {
          this.queue.shift()
          first.encoded = undefined
          this.fail(first, err)
        }).finally(() => {
          this.awaitingEncode = false
          this.kick()
          this.afterProgress()
        })
        return
      }
      let n = 1
      while (n < this.queue.length && n < maxBatchRecords && !((this.queue[n] as Slot).encoded instanceof Promise)) n++
      const batch = this.queue.splice(0, n)
      this.inFlight++
      this.produceBatch(batch).catch((err: unknown) => {
        this.ctx.log.error({ err }, 'records stream: produce step failed')
      }).finally(() => {
        this.inFlight--
        this.kick()
        this.afterProgress()
      })
    }
  }

  private async produceBatch (batch: Slot[]): Promise<void> {
    const encoded = batch.map(b => b.encoded as EncodedRecord)
    const outcomes = await produceEach(this.ctx.producer, this.ctx.topic, encoded)
    for (let i = 0; i < batch.length; i++) {
      const slot = batch[i] as Slot
      slot.encoded = undefined
      const o = outcomes[i]
      if (o === undefined) this.fail(slot, new KrestError('STORAGE_ERROR', 'No outcome for a produced record'))
      else if (o.ok) this.settle(slot, 200, this.reportText.success(o, encoded[i] as EncodedRecord))
      else this.fail(slot, o.error)
    }
  }

  /** Writes finished reports, applies backpressure, and ends the response when everything is answered. */
  private afterProgress (): void {
    this.flush()
    const pending = this.slots.length - this.head
    const { maxPendingRecords, maxPendingBytes } = this.ctx.limits
    if (!this.paused && !this.inputDone && (this.outputBlocked || pending >= maxPendingRecords || this.pendingBytes >= maxPendingBytes)) {
      this.paused = true
      this.req.pause()
    } else if (this.paused && (this.inputDone || (!this.outputBlocked && pending <= maxPendingRecords / 2 && this.pendingBytes <= maxPendingBytes / 2))) {
      this.paused = false
      if (!this.inputDone) this.req.resume()
    }
    if (this.inputDone && this.head === this.slots.length && this.inFlight === 0 && !this.awaitingEncode && this.queue.length === 0) this.endResponse()
  }

  private flush (): void {
    if (this.finished) return
    if (!this.streaming) {
      // Single-record call: answered when the body has ended and its one record is done.
      if (this.inputDone && this.slots.length === 1) {
        const slot = this.slots[0] as Slot
        if (slot.done) {
          this.head = 1
          this.pendingBytes = 0
          if (slot.error !== undefined) {
            const { status, body } = errorResponse(slot.error, this.ctx.log)
            this.respondOnce(status, body)
          } else {
            this.respondOnce(slot.status, slot.report ?? '')
          }
        }
      }
      return
    }
    if (this.outputBlocked) return
    let out = ''
    while (this.head < this.slots.length) {
      const slot = this.slots[this.head] as Slot
      if (!slot.done) break
      out += (slot.error !== undefined ? JSON.stringify(recordErrorReport(slot.error, this.ctx.log)) : slot.report) + '\r\n'
      this.pendingBytes -= slot.bytes
      this.head++
    }
    if (this.head > 4096 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head)
      this.head = 0
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
    this.queue = []
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
    return this.slots.length
  }

  get bytesRead (): number {
    return this.bodyBytes
  }
}
