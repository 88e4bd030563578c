/**
 * Limits that keep one process serving under hostile load (issue 13.8, 13.9), shared by every listener of a
 * gateway and built once in the composition root:
 * - `ConnectionGate`: `max.connections` over all listeners and `max.connections.per.ip` per client address; a
 *   connection past either gets 503 and is closed at once, so descriptors stay for krest's own files.
 * - `InflightBodies`: request-body bytes being read at once (`request.inflight.max.bytes`), reserved from the
 *   Content-Length before the body is read (a chunked body reserves `request.body.max.bytes`, its most).
 * - `StreamMemory`: open v3 streaming produce requests (`api.v3.produce.streams.max`) and the bytes they hold —
 *   records read but not answered, reports not yet taken by the client — in total
 *   (`api.v3.produce.reports.max.bytes`) and per stream (`api.v3.produce.stream.reports.max.bytes`).
 * The counters are krest's own accounting, read by `/metrics` and the tests.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export interface HttpLimitsConfig {
  readonly 'max.connections': number
  readonly 'max.connections.per.ip': number
  readonly 'request.inflight.max.bytes': number
  readonly 'request.body.max.bytes': number
  readonly 'api.v3.produce.streams.max': number
  readonly 'api.v3.produce.stream.reports.max.bytes': number
  readonly 'api.v3.produce.reports.max.bytes': number
}

export class ConnectionGate {
  open = 0
  refused = 0
  private readonly byAddress = new Map<string, number>()

  constructor (readonly maxConnections: number, readonly maxPerAddress: number) {}

  /** Counts the server's connections from now on; refuses those past a limit with 503. */
  watch (server: Server): void {
    server.on('connection', (socket: Socket) => { this.admit(socket) })
  }

  private admit (socket: Socket): void {
    const address = socket.remoteAddress ?? ''
    const fromAddress = this.byAddress.get(address) ?? 0
    let why: string | undefined
    if (this.open >= this.maxConnections) why = `max.connections (${this.maxConnections}) reached`
    else if (fromAddress >= this.maxPerAddress) why = `max.connections.per.ip (${this.maxPerAddress}) reached for this address`
    if (why !== undefined) {
      this.refused++
      const body = JSON.stringify({ error_code: 503, message: `Service Unavailable: too many connections, ${why}.` })
      // Nothing of the request is read: answer, then close (at once if the client does not take the answer).
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      setTimeout(() => { socket.destroy() }, 1000).unref()
      return
    }
    this.open++
    this.byAddress.set(address, fromAddress + 1)
    socket.once('close', () => {
      this.open--
      const n = (this.byAddress.get(address) ?? 1) - 1
      if (n <= 0) this.byAddress.delete(address)
      else this.byAddress.set(address, n)
    })
  }
}

export class InflightBodies {
  bytes = 0
  refused = 0

  constructor (readonly maxBytes: number) {}

  /** Reserves `n` bytes; false (nothing reserved) when that would pass the limit. A lone request always fits. */
  reserve (n: number): boolean {
    if (this.bytes > 0 && this.bytes + n > this.maxBytes) {
      this.refused++
      return false
    }
    this.bytes += n
    return true
  }

  release (n: number): void {
    this.bytes -= n
  }
}

/** The memory v3 streams hold, as each stream reports it, and how many are open. */
export class StreamMemory {
  open = 0
  refused = 0
  /** Bytes held by all open streams (sum of their last reports). */
  total = 0
  /** Highest `total` seen (what a test asserts stays bounded). */
  peak = 0
  private readonly held = new Map<object, number>()
  private waiting: Array<() => void> = []

  constructor (readonly maxStreams: number, readonly maxReportBytesPerStream: number, readonly maxTotalBytes: number) {}

  /** Admits one more stream; false when `api.v3.produce.streams.max` are open. */
  openStream (stream: object): boolean {
    if (this.open >= this.maxStreams) {
      this.refused++
      return false
    }
    this.open++
    this.held.set(stream, 0)
    return true
  }

  closeStream (stream: object): void {
    if (!this.held.has(stream)) return
    this.total -= this.held.get(stream) ?? 0
    this.held.delete(stream)
    this.open--
    this.wakeIfRoom()
  }

  /**
   * A stream's bytes now; true when it must stop reading: the total is at `api.v3.produce.reports.max.bytes` and
   * the stream holds at least its fair share. `onRoom` then runs once when the total is below the limit again.
   */
  update (stream: object, bytes: number, onRoom: () => void): boolean {
    const before = this.held.get(stream)
    if (before === undefined) return false
    this.held.set(stream, bytes)
    this.total += bytes - before
    if (this.total > this.peak) this.peak = this.total
    if (this.total >= this.maxTotalBytes && bytes * Math.max(1, this.open) >= this.maxTotalBytes) {
      this.waiting.push(onRoom)
      return true
    }
    if (bytes < before) this.wakeIfRoom()
    return false
  }

  private wakeIfRoom (): void {
    if (this.waiting.length === 0 || this.total >= this.maxTotalBytes) return
    const waiting = this.waiting
    this.waiting = []
    // Not from inside another stream's progress: each wakes on its own turn.
    queueMicrotask(() => { for (const wake of waiting) wake() })
  }
}

export class HttpLimits {
  readonly connections: ConnectionGate
  readonly inflight: InflightBodies
  readonly streams: StreamMemory
  /** What a chunked body (length unknown) reserves: the most it may be. */
  readonly chunkedBodyReservation: number

  constructor (config: HttpLimitsConfig) {
    this.connections = new ConnectionGate(config['max.connections'], config['max.connections.per.ip'])
    this.inflight = new InflightBodies(config['request.inflight.max.bytes'])
    this.streams = new StreamMemory(config['api.v3.produce.streams.max'], config['api.v3.produce.stream.reports.max.bytes'], config['api.v3.produce.reports.max.bytes'])
    this.chunkedBodyReservation = config['request.body.max.bytes']
  }
}
