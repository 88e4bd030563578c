import { describe, expect, it } from 'vitest'
import { KAFKA_MEDIA_TYPE, negotiate, produceFormat } from '../../../src/http/media-types.js'

const V2 = 'application/vnd.kafka.v2+json'
const JSON_TYPE = 'application/json'

describe('media types', () => {
  it('maps produce Content-Types to embedded formats; plain v2 and others select none', () => {
    expect(produceFormat('application/vnd.kafka.binary.v2+json')).toBe('binary')
    expect(produceFormat('application/vnd.kafka.json.v2+json; charset=utf-8')).toBe('json')
    expect(produceFormat('Application/JSON')).toBe('json')
    expect(produceFormat('application/vnd.kafka.avro.v2+json')).toBe('avro')
    expect(produceFormat(V2)).toBeUndefined()
    expect(produceFormat('text/plain')).toBeUndefined()
    expect(produceFormat(undefined)).toBeUndefined()
  })

  it('recognises vnd.kafka v2 media types for body parsing', () => {
    expect(KAFKA_MEDIA_TYPE.test('application/vnd.kafka.binary.v2+json')).toBe(true)
    expect(KAFKA_MEDIA_TYPE.test('application/vnd.kafka.v2+json; charset=utf-8')).toBe(true)
    expect(KAFKA_MEDIA_TYPE.test('application/vnd.kafka.binary.v2+jsonx')).toBe(false)
  })

  it('negotiates Accept by q-value, specificity and server preference', () => {
    const offers = [V2, JSON_TYPE]
    expect(negotiate(undefined, offers)).toBe(V2)
    expect(negotiate('*/*', offers)).toBe(V2)
    expect(negotiate('application/*', offers)).toBe(V2)
    expect(negotiate('application/json', offers)).toBe(JSON_TYPE)
    expect(negotiate('application/json, application/vnd.kafka.v2+json;q=0.5', offers)).toBe(JSON_TYPE)
    expect(negotiate('application/vnd.kafka.v2+json, application/vnd.kafka+json, application/json', offers)).toBe(V2)
    expect(negotiate('text/plain', offers)).toBeUndefined()
    expect(negotiate('application/json;q=0', offers)).toBeUndefined()
    expect(negotiate('*/*;q=0.1, text/html', offers)).toBe(V2)
  })
})
