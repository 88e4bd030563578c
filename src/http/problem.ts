/** An error raised by the HTTP layer itself (content negotiation, unsupported media types). */
export class HttpProblem extends Error {
  readonly statusCode: number
  readonly errorCode: number
  /** 406 from content negotiation has no body, as Confluent's. */
  readonly emptyBody: boolean

  constructor (statusCode: number, errorCode: number, message: string, options: { emptyBody?: boolean } = {}) {
    super(message)
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
