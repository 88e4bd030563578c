/**
 * Browsers against krest (issue 13.14): DNS rebinding (a foreign Host on a loopback server) is refused and never
 * echoed into absolute URLs; cross-site requests that change state — POSTs and the GET that consumes records —
 * are refused unless CORS allows the origin.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { JSON_V2, V2, b64, startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const harnesses: Harness[] = []
afterEach(async () => { for (const h of harnesses.splice(0)) await h.close() })
async function start (overrides: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startHarness({ 'offsets.topic.num.partitions': 1, ...overrides })
  harnesses.push(h)
  return h
}

describe('Host header', () => {
  it('a server on 127.0.0.1 refuses a foreign Host with 421 and echoes only known names', async () => {
    const h = await start()
    const port = new URL(h.url).port
    const evil = await h.call('GET', '/v3/clusters', { headers: { host: `rebind.evil.example:${port}` } })
    expect(evil.status).toBe(421)
    expect(evil.text).not.toContain('"self"')
    expect((evil.body as { error_code: number }).error_code).toBe(421)
    const local = await h.call('GET', '/v3/clusters', { headers: { host: `localhost:${port}` } })
    expect(local.status).toBe(200)
    expect(local.text).toContain(`http://localhost:${port}/v3/clusters/`)
    expect((await h.call('GET', '/v3/clusters', { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200)
    expect((await h.call('GET', '/v3/clusters', { headers: { host: `[::1]:${port}` } })).status).toBe(200)
  })

  it('accepts the names of advertised.listeners and http.allowed.hosts', async () => {
    const h = await start({ 'http.allowed.hosts': 'krest.internal', 'advertised.listeners': 'http://krest.example.com:9999' })
    const port = new URL(h.url).port
    expect((await h.call('GET', '/v3/clusters', { headers: { host: `krest.internal:${port}` } })).status).toBe(200)
    const advertised = await h.call('GET', '/v3/clusters', { headers: { host: 'krest.example.com:9999' } })
    expect(advertised.status).toBe(200)
    expect(advertised.text).toContain('http://krest.example.com:9999/v3/clusters/')
    expect((await h.call('GET', '/v3/clusters', { headers: { host: `other.example:${port}` } })).status).toBe(421)
  })
})

describe('cross-site requests', () => {
  async function consumerWithRecord (h: Harness, group: string): Promise<string> {
    expect((await h.call('POST', '/topics/xsite', { body: { records: [{ value: b64('secret') }] }, headers: { 'content-type': 'application/vnd.kafka.binary.v2+json' } })).status).toBe(200)
    const created = await h.call('POST', `/consumers/${group}`, { body: { format: 'binary', 'auto.offset.reset': 'earliest' } })
    expect(created.status).toBe(200)
    const path = `/consumers/${group}/instances/${(created.body as { instance_id: string }).instance_id}`
    expect((await h.call('POST', `${path}/subscription`, { body: { topics: ['xsite'] } })).status).toBe(204)
    return path
  }

  it('refuses a cross-site POST and a cross-site GET of records, which then stay unconsumed', async () => {
    const h = await start()
    const post = await h.call('POST', '/consumers/evil', { body: { format: 'binary' }, headers: { origin: 'http://evil.example' } })
    expect(post.status).toBe(403)
    expect((post.body as { message: string }).message).toMatch(/cross-site POST from origin 'http:\/\/evil\.example'/)
    const form = await h.call('POST', '/topics/xsite', { raw: '{"records":[{"value":"eA=="}]}', headers: { 'content-type': 'application/vnd.kafka.binary.v2+json', 'sec-fetch-site': 'cross-site' } })
    expect(form.status).toBe(403)
    const path = await consumerWithRecord(h, 'victim')
    const img = await h.call('GET', `${path}/records?timeout=500`, { headers: { accept: 'application/vnd.kafka.binary.v2+json', 'sec-fetch-site': 'cross-site' } })
    expect(img.status).toBe(403)
    const corsGet = await h.call('GET', `${path}/records?timeout=500`, { headers: { accept: 'application/vnd.kafka.binary.v2+json', origin: 'http://evil.example' } })
    expect(corsGet.status).toBe(403)
    // reads that change nothing stay readable cross-site (CORS decides whether the page may see them)
    expect((await h.call('GET', '/topics', { headers: { accept: V2, 'sec-fetch-site': 'cross-site' } })).status).toBe(200)
    // the owner still gets the record: nothing was consumed by the refused requests
    let got: Array<{ value: string }> = []
    for (let i = 0; i < 20 && got.length === 0; i++) {
      const own = await h.call('GET', `${path}/records?timeout=500`, { headers: { accept: 'application/vnd.kafka.binary.v2+json', 'sec-fetch-site': 'same-origin' } })
      expect(own.status).toBe(200)
      got = own.body as Array<{ value: string }>
    }
    expect(got.map(r => Buffer.from(r.value, 'base64').toString())).toEqual(['secret'])
  })

  it('allows same-origin requests and origins that CORS allows', async () => {
    const h = await start({ 'access.control.allow.origin': 'http://good.example' })
    const same = await h.call('POST', '/consumers/same', { body: { format: 'binary' }, headers: { origin: h.url } })
    expect(same.status).toBe(200)
    const good = await h.call('POST', '/consumers/good', { body: { format: 'binary' }, headers: { origin: 'http://good.example', 'sec-fetch-site': 'cross-site' } })
    expect(good.status).toBe(200)
    expect(good.headers['access-control-allow-origin']).toBe('http://good.example')
    const evil = await h.call('POST', '/consumers/evil', { body: { format: 'binary' }, headers: { origin: 'http://evil.example' } })
    expect(evil.status).toBe(403)
    expect((await h.call('POST', '/topics/t', { body: { records: [{ value: { a: 1 } }] }, headers: { 'content-type': JSON_V2 } })).status).toBe(200)
  })
})
