/**
 * A minimal Kafka protocol client for tests: speaks to krest's listener with the same message definitions the
 * server uses (encoding requests, decoding responses), and can send raw bytes to test bad input.
 * Real-client behaviour is tested with kcat, kafka-python, confluent-kafka and kafkajs; this is for exact
 * protocol-level checks (error codes, ordering, framing).
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import type { KafkaApi } from '../../src/kafka/api.js'
import { KAFKA_APIS } from '../../src/kafka/apis/index.js'
import { KafkaReader } from '../../src/kafka/protocol/reader.js'
import { compileMessage } from '../../src/kafka/protocol/schema.js'
import type { Message } from '../../src/kafka/protocol/schema.js'
import { KafkaWriter } from '../../src/kafka/protocol/writer.js'

export interface RawResponse {
  correlationId: number
  /** The bytes after the correlation id (response header tags included for flexible versions). */
  body: Buffer
}

export class KafkaWireClient {
  private readonly socket: Socket
  private buffered = Buffer.alloc(0)
  private readonly waiting: Array<(frame: Buffer) => void> = []
  private readonly frames: Buffer[] = []
  private nextCorrelationId = 1
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>

  private constructor (socket: Socket) {
    this.socket = socket
    this.closed = new Promise(resolve => { socket.once('close', () => { resolve() }) })
    socket.on('error', () => undefined)
    socket.on('data', chunk => {
      this.buffered = Buffer.concat([this.buffered, chunk])
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0)
        if (this.buffered.length < 4 + size) break
        const frame = this.buffered.subarray(4, 4 + size)
        this.buffered = this.buffered.subarray(4 + size)
        const waiter = this.waiting.shift()
        if (waiter !== undefined) waiter(frame)
        else this.frames.push(frame)
      }
    })
  }

  static async connect (port: number, host = '127.0.0.1'): Promise<KafkaWireClient> {
    const socket = connect({ port, host })
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    return new KafkaWireClient(socket)
  }

  /** The next response frame (without its size prefix). Rejects if the connection closes first. */
  async readFrame (timeoutMs = 5000): Promise<Buffer> {
    const ready = this.frames.shift()
    if (ready !== undefined) return ready
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('no response within ' + String(timeoutMs) + ' ms')) }, timeoutMs)
      void this.closed.then(() => { clearTimeout(timer); reject(new Error('connection closed')) })
      this.waiting.push(frame => { clearTimeout(timer); resolve(frame) })
    })
  }

  /** Writes bytes as they are. */
  writeRaw (bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Encodes a request frame (header v1, or v2 for flexible versions) with krest's message definitions. */
  encodeRequest (apiKey: number, version: number, body: Message, correlationId = this.nextCorrelationId++, clientId: string | null = 'krest-test'): Buffer {
    const api = apiFor(apiKey)
    const flexible = version >= api.messages.flexibleFrom
    const w = new KafkaWriter()
    w.int16(apiKey).int16(version).int32(correlationId).nullableString(clientId)
    if (flexible) w.uvarint(0)
    compileMessage(api.messages.request, version, flexible).encode(w, body)
    const payload = Buffer.concat(w.finish())
    const size = Buffer.alloc(4)
    size.writeInt32BE(payload.length)
    return Buffer.concat([size, payload])
  }

  /** Sends a request and decodes its response (response header v1 for flexible versions, except ApiVersions). */
  async request<T = Record<string, any>> (apiKey: number, version: number, body: Message = {}): Promise<T> {
    const correlationId = this.nextCorrelationId++
    this.writeRaw(this.encodeRequest(apiKey, version, body, correlationId))
    const frame = await this.readFrame()
    return decodeResponse(apiKey, version, frame, correlationId) as unknown as T
  }

  close (): void {
    this.socket.destroy()
  }
}

function apiFor (apiKey: number): KafkaApi {
  const api = KAFKA_APIS.find(a => a.messages.key === apiKey)
  if (api === undefined) throw new Error(`no message definitions for api ${apiKey}`)
  return api
}

/** Decodes a response frame of `apiKey` at `version`, checking its correlation id. */
export function decodeResponse (apiKey: number, version: number, frame: Buffer, correlationId?: number): Message {
  const api = apiFor(apiKey)
  const flexible = version >= api.messages.flexibleFrom
  const r = new KafkaReader(frame)
  const got = r.int32()
  if (correlationId !== undefined && got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`)
  if (flexible && apiKey !== 18) r.taggedFields()
  const message = compileMessage(api.messages.response, version, flexible).decode(r)
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after the ${api.messages.name} v${version} response`)
  return message
}
