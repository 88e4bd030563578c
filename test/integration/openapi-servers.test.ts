/** Swagger UI's "Try it out" calls the server the browser reached (issue 16.8), and the document lists /healthy, /ready, /metrics. */
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

const harnesses: Harness[] = []
afterEach(async () => { for (const h of harnesses.splice(0)) await h.close() })

describe('OpenAPI servers', () => {
  it('takes servers from the request, for /openapi.json and the document Swagger UI loads', async () => {
    const h = await startHarness()
    harnesses.push(h)
    const port = new URL(h.url).port
    for (const path of ['/openapi.json', '/docs/json']) {
      const res = await h.call('GET', path, { headers: { host: `localhost:${port}` } })
      expect(res.status, path).toBe(200)
      const doc = res.body as { servers: Array<{ url: string }>, paths: Record<string, unknown> }
      expect(doc.servers, path).toEqual([{ url: `http://localhost:${port}` }])
      for (const p of ['/healthy', '/ready', '/metrics']) expect(Object.keys(doc.paths), `${path} ${p}`).toContain(p)
    }
  })

  it('uses advertised.listeners when set', async () => {
    const h = await startHarness({ 'advertised.listeners': 'https://krest.example.com' })
    harnesses.push(h)
    const doc = (await h.call('GET', '/openapi.json')).body as { servers: Array<{ url: string }> }
    expect(doc.servers).toEqual([{ url: 'https://krest.example.com' }])
  })
})
