/**
 * An error raised by the HTTP layer itself (content negotiation, media types, request bodies that never reach a
 * domain module), on the one error base: it carries its status and Confluent `error_code` directly, because
 * there is no domain code to map. Both the REST and the registry error handlers answer it as it says.
 */
import { DomainError } from '../util/errors.js'

export class HttpProblem extends DomainError<'HTTP_PROBLEM'> {
  readonly statusCode: number
  readonly errorCode: number
  /** 406 from content negotiation has no body, as Confluent's. */
  readonly emptyBody: boolean

  constructor (statusCode: number, errorCode: number, message: string, options: { emptyBody?: boolean } = {}) {
    super('HTTP_PROBLEM', message)
    this.name = 'HttpProblem'
    this.statusCode = statusCode
    this.errorCode = errorCode
    this.emptyBody = options.emptyBody ?? false
  }
}

export function unsupportedMediaType (): HttpProblem {
  return new HttpProblem(415, 415, 'HTTP 415 Unsupported Media Type')
}

export function notAcceptable (): HttpProblem {
  return new HttpProblem(406, 406, 'HTTP 406 Not Acceptable', { emptyBody: true })
}
