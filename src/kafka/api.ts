/**
 * The contract between the connection and the per-API handlers in `src/kafka/apis/`.
 *
 * A handler is thin: it gets the decoded request (a plain object shaped by its message definition), calls the
 * domain through the backend, and returns the response object, which the connection encodes at the request's
 * version. It never touches sockets or bytes of the protocol framing.
 */
import type { Backend } from '../backend/types.js'
import type { FieldDef, Message, VersionRange } from './protocol/schema.js'
import { versionRange } from './protocol/schema.js'

/** The message definitions of one API: both directions, all versions we know of, and where flexible versions start. */
export interface ApiMessages {
  readonly key: number
  readonly name: string
  /** First flexible version (KIP-482), from the API's spec; `Infinity` when none. */
  readonly flexibleFrom: number
  readonly request: readonly FieldDef[]
  readonly response: readonly FieldDef[]
}

export interface KafkaLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** What handlers may use; built once in the composition root and shared by every connection. */
export interface KafkaServices {
  readonly backend: Backend
  /** This broker's node id (the embedded backend's one broker). */
  readonly nodeId: number
  /** Where clients reach this listener: `kafka.advertised.host` and the bound port. */
  advertised(): { host: string, port: number }
  /** `auto.create.topics.enable`: Metadata for a missing topic creates it (when the client allows it). */
  readonly autoCreateTopics: boolean
  readonly log: KafkaLogger
  now(): number
  /** The broker's own settings (static, read-only) for DescribeConfigs on the BROKER resource. */
  brokerConfigs(): ReadonlyArray<{ name: string, value: string, isSensitive: boolean, isDefault: boolean }>
}

/** Per request. */
export interface RequestContext {
  readonly services: KafkaServices
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
  /** Identifies the connection in logs. */
  readonly connectionId: number
  /** The client's address as Kafka reports it in group descriptions (`/127.0.0.1`). */
  readonly clientHost: string
  /** The advertised version range of every registered API (what ApiVersions lists). */
  readonly supported: readonly SupportedApi[]
  /**
   * For handlers declared `ordered`: call once the order-sensitive part is issued (e.g. appends handed to storage),
   * so the next ordered request on the connection may start while this one waits (e.g. for fsync). Calling it is
   * optional: without it the next ordered request starts when this one is done.
   */
  dispatched(): void
  /** Closes the connection once the responses before this request are written (Produce acks=0 on error). */
  closeConnection(reason: string): void
}

export interface SupportedApi {
  readonly apiKey: number
  readonly minVersion: number
  readonly maxVersion: number
}

/** Returned by a handler that must not answer (Produce with acks=0); the request still keeps its place in order. */
export const NO_RESPONSE: unique symbol = Symbol('no response')

export type HandlerResult = Message | typeof NO_RESPONSE

export interface KafkaApi {
  readonly messages: ApiMessages
  /** Versions this server decodes and handles. */
  readonly served: VersionRange
  /** Versions listed in ApiVersions; defaults to `served` (Produce advertises 0–8 but serves 3–8). */
  readonly advertised?: VersionRange
  /**
   * Ordered handlers on one connection start in request order, each after the previous one called `dispatched()`
   * (or finished); all others run concurrently. Responses always leave in request order either way.
   */
  readonly ordered?: boolean
  handle(request: Message, ctx: RequestContext): Promise<HandlerResult> | HandlerResult
}

/**
 * Declares an API handler with typed request/response shapes. `Req` and `Res` describe the decoded objects that
 * the message definitions produce / accept (camelCase field names).
 */
export function defineApi<Req, Res extends object> (api: {
  messages: ApiMessages
  served: string
  advertised?: string
  ordered?: boolean
  handle(request: Req, ctx: RequestContext): Promise<Res | typeof NO_RESPONSE> | Res | typeof NO_RESPONSE
}): KafkaApi {
  const out: KafkaApi = {
    messages: api.messages,
    served: versionRange(api.served),
    ...(api.advertised === undefined ? {} : { advertised: versionRange(api.advertised) }),
    ...(api.ordered === undefined ? {} : { ordered: api.ordered }),
    handle: api.handle as unknown as KafkaApi['handle'],
  }
  return out
}
