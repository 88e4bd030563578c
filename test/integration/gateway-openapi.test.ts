import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateOpenApiDocument } from '../../src/openapi-document.js'
import { startHarness } from './gateway-harness.js'
import type { Harness } from './gateway-harness.js'

let h: Harness | undefined
afterEach(async () => { await h?.close(); h = undefined })

describe('OpenAPI', () => {
  it('openapi/openapi.json is up to date (run `npm run openapi` after changing routes or schemas/)', async () => {
    const committed = await readFile(join(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')
    expect(committed).toBe(await generateOpenApiDocument())
  })

  it('serves the document at /openapi.json with every v2 and v3 path, and Swagger UI at /docs', async () => {
    h = await startHarness()
    const res = await h.call('GET', '/openapi.json')
    expect(res.status).toBe(200)
    const doc = res.body as { openapi: string, paths: Record<string, Record<string, { operationId?: string }>>, components: { schemas: Record<string, unknown> } }
    expect(doc.openapi).toMatch(/^3\./)
    for (const path of ['/', '/topics', '/topics/{topic}', '/topics/{topic}/partitions', '/topics/{topic}/partitions/{partition}',
      '/topics/{topic}/partitions/{partition}/offsets', '/brokers', '/v3/clusters', '/v3/clusters/{cluster_id}',
      '/v3/clusters/{cluster_id}/topics', '/v3/clusters/{cluster_id}/topics/{topic_name}', '/v3/clusters/{cluster_id}/topics/{topic_name}/configs',
      '/v3/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', '/v3/clusters/{cluster_id}/topics/{topic_name}/configs:alter',
      '/v3/clusters/{cluster_id}/topics/{topic_name}/partitions', '/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}',
      '/v3/clusters/{cluster_id}/brokers', '/v3/clusters/{cluster_id}/brokers/{broker_id}']) {
      expect(doc.paths[path], path).toBeDefined()
    }
    expect(doc.paths['/topics/{topic}']?.post?.operationId).toBe('produceToTopic')
    expect(doc.components.schemas.V2ProduceRequest).toBeDefined()
    const ui = await h.call('GET', '/docs/')
    expect(ui.status).toBe(200)
    expect(ui.text).toContain('swagger')
  })
})
