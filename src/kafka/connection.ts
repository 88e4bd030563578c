/**
 * One client connection: splits the byte stream into size-prefixed frames, parses request headers (v1, or v2 for
 * flexible versions), dispatches each request to its handler, and writes responses (header v0, or v1 for flexible
 * versions; ApiVersions always v0) strictly in request order.
 *
 * Requests are processed concurrently: each handler starts as its frame arrives, except that handlers declared
 * `ordered` (Produce) start in request order, each once the previous one has dispatched its order-sensitive work.
 * A request without a response (Produce acks=0) keeps its place in the order. At most `maxInFlight` requests are
 * in progress per connection; beyond that the socket is paused. Protocol violations close this connection only.
 */
import type { Socket } from 'node:net'
import type { KafkaServices, RequestContext } from './api.js'
import { NO_RESPONSE } from './api.js'
import { apiVersionsBody, apiVersionsMessages } from './apis/api-versions.js'
import { ErrorCode } from './errors.js'
import { KafkaReader, ProtocolDecodeError } from './protocol/reader.js'
import { compileMessage } from './protocol/schema.js'
import type { Message } from './protocol/schema.js'
import { KafkaWriter } from './protocol/writer.js'
import type { KafkaApiRegistry } from './registry.js'

export interface ConnectionOptions {
  registry: KafkaApiRegistry
  services: KafkaServices
  /** `socket.request.max.bytes`: a larger frame closes the connection. */
  maxRequestBytes: number
  /** Requests in progress (received, response not yet written) before reading pauses. */
  maxInFlight: number
}

/** One request's place in the response order. */
interface Slot {
  done: boolean
  /** Encoded response (size prefix included), or null when nothing is sent. */
  response: Buffer[] | null
  /** Close the connection once this slot's turn comes (after the responses before it are written). */
  closeAfter?: string
  closeDetail?: object
}

const API_VERSIONS_KEY = apiVersionsMessages.key
const apiVersionsV0 = compileMessage(apiVersionsMessages.response, 0, false)

export class KafkaConnection {
  readonly id: number
  private readonly socket: Socket
  private readonly options: ConnectionOptions
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** Size of the frame being received, or -1 while its size prefix is not complete. */
  private expected = -1
  private readonly slots: Slot[] = []
  /** Resolves when the previous ordered request may be followed by the next. */
  private orderedGate: Promise<void> = Promise.resolve()
  private closed = false
  private draining = false
  /** A protocol violation was seen: nothing more is read; the connection closes once earlier responses are out. */
  private failing = false
  private drainedWaiter: (() => void) | undefined
  /** Resolves once the socket is closed. */
  readonly finished: Promise<void>

  constructor (id: number, socket: Socket, options: ConnectionOptions) {
    this.id = id
    this.socket = socket
    this.options = options
    socket.setNoDelay(true)
    this.finished = new Promise(resolve => { socket.once('close', () => { this.closed = true; this.drainedWaiter?.(); resolve() }) })
    socket.on('data', chunk => { this.onData(chunk) })
    socket.on('error', err => { this.options.services.log.debug({ err, connection: this.id }, 'kafka connection error') })
  }

  /** Stops reading new requests; resolves once every request received has been answered (or the socket closed). */
  async drain (): Promise<void> {
    this.draining = true
    this.socket.pause()
    if (this.slots.length === 0 || this.closed) return
    await new Promise<void>(resolve => { this.drainedWaiter = resolve })
  }

  destroy (): void {
    this.closed = true
    this.socket.destroy()
  }

  /**
   * Closes the connection for a protocol violation, after the responses to the requests before it are written
   * (a client that pipelines a request we refuse still gets its earlier answers). Reading stops at once.
   */
  private fail (reason: string, detail: object = {}): void {
    if (this.closed || this.failing) return
    this.failing = true
    this.socket.pause()
    this.slots.push({ done: true, response: null, closeAfter: reason, closeDetail: detail })
    this.flush()
  }

  private onData (chunk: Buffer): void {
    if (this.closed) return
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    try {
      this.parseFrames()
    } catch (err) {
      // Never let one connection's input take the process down: log it and close this connection only.
      this.options.services.log.error({ err, connection: this.id }, 'kafka request could not be handled')
      this.fail('internal error')
    }
  }

  private parseFrames (): void {
    while (!this.closed && !this.draining && !this.failing) {
      if (this.slots.length >= this.options.maxInFlight) {
        this.socket.pause()
        return
      }
      if (this.expected === -1) {
        if (this.pendingBytes < 4) return
        if ((this.pending[0] as Buffer).length < 4) this.pending = [Buffer.concat(this.pending, this.pendingBytes)]
        const size = (this.pending[0] as Buffer).readInt32BE(0)
        if (size <= 0 || size > this.options.maxRequestBytes) {
          this.fail(size <= 0 ? 'invalid frame size' : 'frame larger than socket.request.max.bytes', { size, max: this.options.maxRequestBytes })
          return
        }
        this.expected = size
      }
      if (this.pendingBytes < 4 + this.expected) return
      const buf = this.pending.length === 1 ? this.pending[0] as Buffer : Buffer.concat(this.pending, this.pendingBytes)
      const end = 4 + this.expected
      const frame = buf.subarray(4, end)
      if (end < buf.length) {
        this.pending = [buf.subarray(end)]
        this.pendingBytes = buf.length - end
      } else {
        this.pending = []
        this.pendingBytes = 0
      }
      this.expected = -1
      this.onFrame(frame)
    }
  }

  private onFrame (frame: Buffer): void {
    const { registry, services } = this.options
    if (frame.length < 10) { this.fail('request header truncated', { size: frame.length }); return }
    const reader = new KafkaReader(frame)
    const apiKey = reader.int16()
    const apiVersion = reader.int16()
    const correlationId = reader.int32()
    const api = registry.api(apiKey)
    if (api === undefined) { this.fail('unknown api key', { apiKey, apiVersion }); return }
    const served = registry.version(apiKey, apiVersion)
    if (served === undefined) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer in the v0 body with UNSUPPORTED_VERSION and our list, so the client can pick a version.
        const slot: Slot = { done: true, response: this.encode(correlationId, false, w => { apiVersionsV0.encode(w, apiVersionsBody(registry.supported, ErrorCode.UNSUPPORTED_VERSION) as unknown as Message) }) }
        this.slots.push(slot)
        this.flush()
        return
      }
      this.fail('unsupported api version', { api: api.messages.name, apiVersion })
      return
    }
    let clientId: string | null
    let request: Message
    try {
      clientId = reader.nullableString()
      if (served.flexible) reader.taggedFields()
      request = served.request.decode(reader)
    } catch (err) {
      if (err instanceof ProtocolDecodeError) { this.fail('malformed request', { api: api.messages.name, apiVersion, error: err.message }); return }
      throw err
    }
    const slot: Slot = { done: false, response: null }
    this.slots.push(slot)
    let dispatchedSignal: () => void = () => undefined
    const dispatched = new Promise<void>(resolve => { dispatchedSignal = resolve })
    const ctx: RequestContext = {
      services,
      apiVersion,
      correlationId,
      clientId,
      connectionId: this.id,
      clientHost: `/${this.socket.remoteAddress ?? ''}`,
      supported: registry.supported,
      dispatched: dispatchedSignal,
      closeConnection: reason => { slot.closeAfter = reason },
    }
    const run = async (): Promise<void> => {
      const result = await api.handle(request, ctx)
      if (result === NO_RESPONSE) {
        slot.response = null
      } else {
        // ApiVersions responses always use header v0 (no tagged fields), whatever the version.
        const headerTags = served.flexible && apiKey !== API_VERSIONS_KEY
        slot.response = this.encode(correlationId, headerTags, w => { served.response.encode(w, result) })
      }
    }
    let work: Promise<void>
    if (api.ordered === true) {
      work = this.orderedGate.then(run)
      const done = work.then(() => undefined, () => undefined)
      this.orderedGate = Promise.race([dispatched, done])
    } else {
      work = run()
    }
    work.then(() => {
      slot.done = true
      this.flush()
    }, (err: unknown) => {
      services.log.error({ err, connection: this.id, api: api.messages.name, apiVersion }, 'kafka request failed')
      // No generic error response exists across APIs: close in this request's turn.
      slot.done = true
      slot.response = null
      slot.closeAfter = 'request failed'
      this.failing = true
      this.socket.pause()
      this.flush()
    })
  }

  private encode (correlationId: number, headerTags: boolean, body: (w: KafkaWriter) => void): Buffer[] {
    const w = new KafkaWriter()
    w.int32(0) // size, patched below
    w.int32(correlationId)
    if (headerTags) w.uvarint(0)
    body(w)
    const chunks = w.finish()
    const first = chunks[0] as Buffer
    first.writeInt32BE(w.length - 4, 0)
    return chunks
  }

  private flush (): void {
    if (this.closed) return
    let wrote = false
    while (this.slots.length > 0 && (this.slots[0] as Slot).done) {
      const slot = this.slots.shift() as Slot
      if (slot.response !== null) {
        if (!wrote) { this.socket.cork(); wrote = true }
        for (const chunk of slot.response) this.socket.write(chunk)
      }
      if (slot.closeAfter !== undefined) {
        if (wrote) this.socket.uncork()
        this.options.services.log.warn({ connection: this.id, remote: this.socket.remoteAddress, ...slot.closeDetail }, `kafka connection closed: ${slot.closeAfter}`)
        this.closed = true
        this.socket.end(() => { this.socket.destroy() })
        return
      }
    }
    if (wrote) this.socket.uncork()
    if (this.draining) {
      if (this.slots.length === 0) this.drainedWaiter?.()
      return
    }
    if (!this.failing && this.slots.length < this.options.maxInFlight && this.socket.isPaused()) {
      this.socket.resume()
      try {
        this.parseFrames()
      } catch (err) {
        this.options.services.log.error({ err, connection: this.id }, 'kafka request could not be handled')
        this.fail('internal error')
      }
    }
  }
}
