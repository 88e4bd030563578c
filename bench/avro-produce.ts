/**
 * Avro produce throughput vs binary produce of the same stored payload size, through the real HTTP server.
 * v2 produce, 100-record batches, Avro value by `value_schema_id` (the schema is registered once up front).
 * Prints records/s of each and the ratio avro/binary measured in the same run (target ≥ 0.5×).
 *
 *   node --import tsx bench/avro-produce.ts
 *   KREST_BENCH_SECONDS=10 KREST_BENCH_RUNS=3 KREST_BENCH_CONNECTIONS=8 node --import tsx bench/avro-produce.ts
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { buildShipped, loadShipped } from './lib/shipped.js'
import { median } from './lib/stats.js'

const SECONDS = Number(process.env.KREST_BENCH_SECONDS ?? 5)
const RUNS = Number(process.env.KREST_BENCH_RUNS ?? 3)
const CONNECTIONS = Number(process.env.KREST_BENCH_CONNECTIONS ?? 8)
const BATCH = 100

const schema = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'items', type: { type: 'array', items: 'string' } },
    { name: 'paid', type: 'boolean' }
  ]
})

function order (i: number): Record<string, unknown> {
  return { id: 1_000_000 + i, customer: `customer-${i % 977}`, amount: 19.99 + i, currency: 'EUR', note: { string: 'leave at the door' }, items: ['sku-1', 'sku-22', 'sku-333'], paid: i % 2 === 0 }
}

async function load (pool: Pool, path: string, contentType: string, body: string): Promise<number> {
  const deadline = performance.now() + SECONDS * 1000
  let requests = 0
  let failures = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const res = await pool.request({ method: 'POST', path, headers: { 'content-type': contentType, accept: 'application/vnd.kafka.v2+json' }, body })
      await res.body.dump()
      if (res.statusCode === 200) requests++
      else failures++
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  const secs = (performance.now() - start) / 1000
  if (failures > 0) throw new Error(`${failures} produce requests failed on ${path}`)
  return requests * BATCH / secs
}

async function main (): Promise<void> {
  buildShipped()
  const { resolveConfig, startGateway } = await loadShipped()
  const dataDir = await mkdtemp(join(tmpdir(), 'krest-bench-avro-'))
  const config = resolveConfig({ overrides: { host: '127.0.0.1', port: 0, 'schema.registry.port': -1, 'kafka.port': -1, 'data.dir': dataDir, 'log.level': 'silent' } })
  const gw = await startGateway(config, { logger: false })
  try {
    const { id } = await gw.registry.register('bench-avro-value', { schema })
    const serializer = await gw.formats.get('avro').serializer({ topic: 'bench-avro', valueSchemaId: id })
    const storedSize = (serializer.serializeValue(order(0)) as Buffer).length

    const avroBody = JSON.stringify({ value_schema_id: id, records: Array.from({ length: BATCH }, (_, i) => ({ value: order(i) })) })
    const binaryBody = JSON.stringify({ records: Array.from({ length: BATCH }, () => ({ value: randomBytes(storedSize).toString('base64') })) })

    const pool = new Pool(gw.url, { connections: CONNECTIONS, pipelining: 1 })
    // warm up both paths (JIT, topic creation, caches)
    const warm = Number(process.env.KREST_BENCH_WARMUP_SECONDS ?? 2)
    await loadFor(pool, '/topics/bench-binary', 'application/vnd.kafka.binary.v2+json', binaryBody, warm)
    await loadFor(pool, '/topics/bench-avro', 'application/vnd.kafka.avro.v2+json', avroBody, warm)

    const binary: number[] = []
    const avro: number[] = []
    for (let r = 0; r < RUNS; r++) {
      binary.push(await load(pool, '/topics/bench-binary', 'application/vnd.kafka.binary.v2+json', binaryBody))
      avro.push(await load(pool, '/topics/bench-avro', 'application/vnd.kafka.avro.v2+json', avroBody))
    }
    await pool.close()
    const b = median(binary)
    const a = median(avro)
    const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
    process.stdout.write([
      `avro produce vs binary produce (v2, ${BATCH}-record batches, ${storedSize}-byte stored values, ${CONNECTIONS} connections, ${RUNS} runs x ${SECONDS}s, median)`,
      `  binary: ${fmt(b)} records/s   (runs: ${binary.map(fmt).join(', ')})`,
      `  avro:   ${fmt(a)} records/s   (runs: ${avro.map(fmt).join(', ')})`,
      `  ratio avro/binary: ${(a / b).toFixed(2)}x of medians, ${median(avro.map((x, i) => x / (binary[i] ?? x))).toFixed(2)}x median of back-to-back pairs   (target >= 0.5x)`,
      ''
    ].join('\n'))
  } finally {
    await gw.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function loadFor (pool: Pool, path: string, contentType: string, body: string, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000
  while (performance.now() < deadline) {
    const res = await pool.request({ method: 'POST', path, headers: { 'content-type': contentType }, body })
    await res.body.dump()
    if (res.statusCode !== 200) throw new Error(`warm-up produce to ${path} failed with ${res.statusCode}`)
  }
}

await main()
