/** The Kafka protocol TCP listener: accepts connections (up to `max.connections`) and hands each to a KafkaConnection. */
import { createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import type { KafkaApi, KafkaServices } from './api.js'
import { KafkaConnection } from './connection.js'
import { KafkaApiRegistry } from './registry.js'

export interface KafkaListenerOptions {
  host: string
  /** 0 picks a free port. */
  port: number
  apis: readonly KafkaApi[]
  /** Built by the composition root; `advertised()` may read `listener.port` once listening. */
  services: KafkaServices
  maxRequestBytes: number
  maxInFlightPerConnection: number
  maxConnections: number
  /** How long close() lets requests in progress finish before cutting connections. */
  closeGraceMs: number
}

export class KafkaListener {
  private readonly server: Server
  private readonly connections = new Set<KafkaConnection>()
  private readonly options: KafkaListenerOptions
  private readonly registry: KafkaApiRegistry
  private nextId = 1
  private closing: Promise<void> | undefined

  private constructor (options: KafkaListenerOptions) {
    this.options = options
    this.registry = new KafkaApiRegistry(options.apis)
    this.server = createServer(socket => { this.accept(socket) })
  }

  /** Starts listening; rejects when the port cannot be bound. */
  static async listen (options: KafkaListenerOptions): Promise<KafkaListener> {
    const listener = new KafkaListener(options)
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject)
      listener.server.listen({ host: options.host, port: options.port }, () => {
        listener.server.off('error', reject)
        resolve()
      })
    })
    listener.server.on('error', err => { options.services.log.error({ err }, 'kafka listener error') })
    return listener
  }

  get port (): number {
    return (this.server.address() as AddressInfo).port
  }

  get connectionCount (): number {
    return this.connections.size
  }

  private accept (socket: Socket): void {
    const { services } = this.options
    if (this.closing !== undefined || this.connections.size >= this.options.maxConnections) {
      services.log.warn({ remote: socket.remoteAddress, max: this.options.maxConnections }, 'kafka connection refused: max.connections reached')
      socket.destroy()
      return
    }
    const connection = new KafkaConnection(this.nextId++, socket, {
      registry: this.registry,
      services,
      maxRequestBytes: this.options.maxRequestBytes,
      maxInFlight: this.options.maxInFlightPerConnection,
    })
    this.connections.add(connection)
    void connection.finished.then(() => { this.connections.delete(connection) })
  }

  /** Stops accepting, lets requests in progress finish (up to the grace period), then closes every connection. */
  async close (): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
      const conns = [...this.connections]
      let timer: NodeJS.Timeout | undefined
      const grace = new Promise<void>(resolve => { timer = setTimeout(resolve, this.options.closeGraceMs) })
      await Promise.race([Promise.all(conns.map(c => c.drain())), grace])
      clearTimeout(timer)
      for (const c of this.connections) c.destroy()
      await stopped
    })()
    return this.closing
  }
}
