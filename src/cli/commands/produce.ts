/**
 * `krest produce <topic>`: one record per input line (stdin or `--file`), sent in batches through the v2
 * produce API, in order. `--format text` (default) sends each line's bytes (binary embedded format);
 * `--format json` parses each line as a JSON value (json embedded format). A progress line with records/s goes
 * to stderr when reading a file and stderr is a terminal. The summary goes to stderr; stdout stays quiet.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { baseUrl, flag, int, keyValue, parse, requirePositional, str, strs } from './args.js'
import { ApiError, Client } from './client.js'
import { EXIT, write } from './io.js'
import type { CommandIo } from './io.js'
import { UsageError } from './output.js'

export const PRODUCE_USAGE = `krest produce <topic> [--file F] [--format text|json] [-k KEY | -K DELIM] [-p N] [-H name=value]... [--batch-size N]
    one record per line from stdin or --file; text lines are sent as bytes, json lines as JSON values.
    -k a fixed key; -K split each line at the first DELIM into key and value; -p one partition; -H headers.`

const BINARY = 'application/vnd.kafka.binary.v2+json'
const JSON_FORMAT = 'application/vnd.kafka.json.v2+json'
const MAX_BATCH_BYTES = 1024 * 1024

interface OutRecord { key?: unknown, value: unknown, headers?: Array<{ name: string, value: string }> }
interface ProduceResponse { offsets: Array<{ partition?: number, offset?: number, error_code?: number | null, error?: string | null }> }

class Progress {
  private last = 0
  constructor (private readonly out: CommandIo['stderr'], private readonly totalBytes: number, private readonly started: number) {}
  update (records: number, bytes: number, force = false): void {
    const now = Date.now()
    if (!force && now - this.last < 200) return
    this.last = now
    const ratio = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 1
    const width = 30
    const filled = Math.round(ratio * width)
    const rate = Math.round(records / Math.max(0.001, (now - this.started) / 1000))
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${records} records  ${rate} records/s`)
  }
  done (): void { this.out.write('\n') }
}

export async function produceCommand (args: readonly string[], io: CommandIo): Promise<number> {
  const p = parse(args, {
    file: { type: 'string', short: 'f' },
    key: { type: 'string', short: 'k' },
    'key-delimiter': { type: 'string', short: 'K' },
    partition: { type: 'string', short: 'p' },
    header: { type: 'string', short: 'H', multiple: true },
    'batch-size': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  })
  if (flag(p, 'help')) { await write(io.stdout, PRODUCE_USAGE + '\n'); return EXIT.OK }
  const topic = requirePositional(p, 0, 'topic name')
  const format = str(p, 'format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got ${JSON.stringify(format)}`)
  const fixedKey = str(p, 'key')
  const delimiter = str(p, 'key-delimiter')
  if (fixedKey !== undefined && delimiter !== undefined) throw new UsageError('give either --key or --key-delimiter, not both')
  if (delimiter === '') throw new UsageError('--key-delimiter must not be empty')
  const partition = int(p, 'partition', 0)
  const batchSize = int(p, 'batch-size', 1) ?? 1000
  const headers = strs(p, 'header').map(h => { const [name, value] = keyValue(h, '--header'); return { name, value: Buffer.from(value).toString('base64') } })
  const file = str(p, 'file')
  let input: NodeJS.ReadableStream
  let totalBytes = 0
  if (file !== undefined) {
    try {
      totalBytes = (await stat(file)).size
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`)
    }
    input = createReadStream(file)
  } else if (io.stdin !== undefined) {
    input = io.stdin
  } else {
    throw new UsageError('no input: give --file or pipe lines into stdin')
  }

  const encode = (s: string): unknown => format === 'json' ? JSON.parse(s) : Buffer.from(s, 'utf8').toString('base64')
  const client = new Client(baseUrl(p, io.env))
  const path = partition === undefined ? `/topics/${encodeURIComponent(topic)}` : `/topics/${encodeURIComponent(topic)}/partitions/${partition}`
  const started = Date.now()
  const progress = file !== undefined && io.stderr.isTTY === true && !flag(p, 'quiet') ? new Progress(io.stderr, totalBytes, started) : undefined
  let produced = 0
  let bytesRead = 0
  let lineNo = 0
  let batch: OutRecord[] = []
  let batchBytes = 0
  const perPartition = new Map<number, number>()

  const send = async (): Promise<void> => {
    if (batch.length === 0) return
    const records = batch
    batch = []
    batchBytes = 0
    const res = await client.call<ProduceResponse>('POST', path, { body: { records }, contentType: format === 'json' ? JSON_FORMAT : BINARY, signal: io.signal })
    const failed = res.body.offsets.find(o => o.error_code !== null && o.error_code !== undefined)
    if (failed !== undefined) throw new ApiError(200, failed.error_code ?? undefined, failed.error ?? 'record rejected', res.body)
    for (const o of res.body.offsets) if (o.partition !== undefined) perPartition.set(o.partition, (perPartition.get(o.partition) ?? 0) + 1)
    produced += records.length
    progress?.update(produced, bytesRead)
  }

  try {
    const lines = createInterface({ input, crlfDelay: Infinity })
    for await (const line of lines) {
      lineNo++
      bytesRead += Buffer.byteLength(line) + 1
      if (line.trim() === '') continue
      let keyText: string | undefined = fixedKey
      let valueText = line
      if (delimiter !== undefined) {
        const at = line.indexOf(delimiter)
        if (at !== -1) { keyText = line.slice(0, at); valueText = line.slice(at + delimiter.length) }
      }
      let record: OutRecord
      try {
        record = { value: encode(valueText), ...(keyText === undefined ? {} : { key: encode(keyText) }), ...(headers.length === 0 ? {} : { headers }) }
      } catch (err) {
        await send()
        await write(io.stderr, `krest: line ${lineNo} is not valid JSON (${(err as Error).message}); ${produced} records were produced before it\n`)
        return EXIT.FAILED
      }
      batch.push(record)
      batchBytes += line.length
      if (batch.length >= batchSize || batchBytes >= MAX_BATCH_BYTES) await send()
      if (io.signal?.aborted === true) break
    }
    await send()
  } finally {
    if (progress !== undefined) { progress.update(produced, bytesRead, true); progress.done() }
    await client.close()
  }
  const seconds = (Date.now() - started) / 1000
  const perSecond = Math.round(produced / Math.max(seconds, 0.001))
  if (!flag(p, 'quiet')) await write(io.stderr, `produced ${produced} records to ${topic} in ${seconds.toFixed(2)} s (${perSecond} records/s)\n`)
  return EXIT.OK
}
