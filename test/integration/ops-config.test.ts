/** Configuration: precedence, Confluent env aliases, validation against schemas/config.schema.json, redaction, `krest config`, generated docs in sync. */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, resolveConfig } from '../../src/config/load.js'
import { redactedConfig } from '../../src/config/redact.js'
import { configJsonSchema } from '../../src/config/schema.js'
import { staleFiles } from '../../scripts/config-docs.js'

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')
const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function tempFile (name: string, text: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'krest-cfg-'))
  dirs.push(d)
  const path = join(d, name)
  await writeFile(path, text)
  return path
}

async function run (args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  return { code, stdout, stderr }
}

describe('configuration sources', () => {
  it('applies defaults < config file < environment < flags', async () => {
    const file = await tempFile('krest.json', JSON.stringify({ 'num.partitions': 2, 'log.retention.ms': 1000, 'consumer.instance.timeout.ms': 5000, port: 9000 }))
    const { config } = await loadConfig(['--config', file, '--port', '9002'], { KREST_LOG_RETENTION_MS: '2000', KREST_PORT: '9001' })
    expect(config['num.partitions']).toBe(2) // file over default
    expect(config['log.retention.ms']).toBe(2000) // env over file
    expect(config.port).toBe(9002) // flag over env over file
    expect(config['consumer.instance.timeout.ms']).toBe(5000)
    expect(config['log.segment.bytes']).toBe(1024 * 1024 * 1024) // default
  })

  it('takes -X key=value for any setting, as rpk and kcat do', async () => {
    const { config } = await loadConfig(['-X', 'num.partitions=5', '-Xlog.format=json', '--port', '9100'], { KREST_NUM_PARTITIONS: '2' })
    expect(config['num.partitions']).toBe(5)
    expect(config['log.format']).toBe('json')
    expect(config.port).toBe(9100)
    await expect(loadConfig(['-X', 'num.partitons=5'], {})).rejects.toThrow(/unknown setting "num.partitons" \(from -X\)/)
    await expect(loadConfig(['-X', 'oops'], {})).rejects.toThrow(/-X needs key=value/)
  })

  it('reads Confluent image variables as aliases, below KREST_* ones', async () => {
    const { config, warnings } = await loadConfig([], {
      KAFKA_REST_LISTENERS: 'http://0.0.0.0:18082',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:18081',
      KAFKA_REST_CONSUMER_INSTANCE_TIMEOUT_MS: '60000',
      KAFKA_REST_CONSUMER_REQUEST_TIMEOUT_MS: '2000',
      KREST_CONSUMER_REQUEST_TIMEOUT_MS: '3000',
      KAFKA_REST_ACCESS_CONTROL_ALLOW_ORIGIN: '*',
      SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL: 'FULL',
      KAFKA_REST_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
    })
    expect(config.host).toBe('0.0.0.0')
    expect(config.port).toBe(18082)
    expect(config['schema.registry.port']).toBe(18081)
    expect(config['consumer.instance.timeout.ms']).toBe(60000)
    expect(config['consumer.request.timeout.ms']).toBe(3000) // KREST_ wins over the alias
    expect(config['access.control.allow.origin']).toBe('*')
    expect(config['schema.compatibility.level']).toBe('FULL')
    expect(warnings).toEqual([expect.stringMatching(/KAFKA_REST_BOOTSTRAP_SERVERS is ignored/)])
  })

  it('reads a Confluent kafka-rest.properties file as a drop-in: listeners mapped, cluster settings warned about', async () => {
    const file = await tempFile('kafka-rest.properties', 'bootstrap.servers=PLAINTEXT://kafka:9092\nlisteners=http://0.0.0.0:18083\nconsumer.instance.timeout.ms=1000\nschema.registry.url=http://sr:8081\n')
    const { config, warnings } = await loadConfig(['--config', file], { KREST_NO_SUCH_THING: '1', KREST_URL: 'http://x' })
    expect(config.host).toBe('0.0.0.0')
    expect(config.port).toBe(18083)
    expect(config['consumer.instance.timeout.ms']).toBe(1000)
    expect(warnings).toEqual([
      expect.stringMatching(/^bootstrap.servers in .* is ignored/),
      expect.stringMatching(/^schema.registry.url in .* is ignored/),
      'environment variable KREST_NO_SUCH_THING names no setting and is ignored',
    ])
  })

  it('refuses a listener it cannot serve, naming the variable', async () => {
    await expect(loadConfig([], { KAFKA_REST_LISTENERS: 'https://0.0.0.0:8082' })).rejects.toThrow(/KAFKA_REST_LISTENERS: expected a listener URL/)
    await expect(loadConfig([], { KAFKA_REST_LISTENERS: 'not a url' })).rejects.toThrow(/KAFKA_REST_LISTENERS/)
  })
})

describe('validation against the JSON Schema', () => {
  it('stops on an ill-typed setting in a JSON file, naming it', async () => {
    const file = await tempFile('bad.json', JSON.stringify({ port: 'eighty', 'compression.enable': 'maybe' }))
    await expect(loadConfig(['--config', file], {})).rejects.toThrow(/setting "port" must be integer.*setting "compression.enable" must be boolean/)
  })

  it('stops on an unknown setting in a JSON or .properties file, naming it', async () => {
    const json = await tempFile('typo.json', JSON.stringify({ 'num.partitons': 3 }))
    await expect(loadConfig(['--config', json], {})).rejects.toThrow(/unknown setting "num.partitons"/)
    const props = await tempFile('typo.properties', 'num.partitions=3\nlog.retension.ms=5\n')
    await expect(loadConfig(['--config', props], {})).rejects.toThrow(/unknown setting "log.retension.ms"/)
  })

  it('stops on out-of-range and ill-typed values from env and flags, naming them', async () => {
    await expect(loadConfig([], { KREST_LOG_FORMAT: 'xml' })).rejects.toThrow(/log.format \(from env\): expected one of auto, json, pretty/)
    await expect(loadConfig(['--port', '70000'], {})).rejects.toThrow(/port \(from flag\): 70000 is above the maximum 65535/)
    await expect(loadConfig(['--no.such.setting=1'], {})).rejects.toThrow(/unknown flag --no.such.setting/)
  })

  it('keeps schemas/config.schema.json and the README table generated from the settings table', async () => {
    expect(await staleFiles()).toEqual([])
    const schema = configJsonSchema()
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.port).toMatchObject({ type: 'integer', minimum: 0, maximum: 65535, default: 8082 })
    expect(schema.properties['consumer.instance.timeout.ms']?.['x-env']).toEqual(['KREST_CONSUMER_INSTANCE_TIMEOUT_MS', 'KAFKA_REST_CONSUMER_INSTANCE_TIMEOUT_MS'])
  })
})

describe('printing the configuration', () => {
  it('redacts credentials in URLs', () => {
    const config = resolveConfig({ overrides: { 'advertised.listeners': 'http://admin:s3cret@krest.example.com:8082' } })
    const printed = redactedConfig(config)
    expect(printed['advertised.listeners']).toBe('http://admin:[redacted]@krest.example.com:8082')
    expect(JSON.stringify(printed)).not.toContain('s3cret')
  })

  it('krest config prints the effective configuration from every source', async () => {
    const file = await tempFile('krest.properties', 'num.partitions=4\nadvertised.listeners=http://u:hunter2@example.com:8082\n')
    const props = await run(['config', '--config', file, '--port', '9999'], { KREST_LOG_LEVEL: 'warn' })
    expect(props.code).toBe(0)
    expect(props.stdout).toMatch(/^num\.partitions=4 {3}# set$/m)
    expect(props.stdout).toMatch(/^port=9999 {3}# set$/m)
    expect(props.stdout).toMatch(/^log\.level=warn {3}# set$/m)
    expect(props.stdout).toMatch(/^log\.segment\.bytes=1073741824$/m)
    expect(props.stdout).not.toContain('hunter2')
    const json = await run(['config', '--format', 'json'], { KREST_NUM_PARTITIONS: '7' })
    expect(json.code).toBe(0)
    expect((JSON.parse(json.stdout) as Record<string, unknown>)['num.partitions']).toBe(7)
  })

  it('krest config and krest serve stop on a bad setting with a message naming it', async () => {
    const file = await tempFile('bad.json', JSON.stringify({ 'log.level': 'loud' }))
    const cfg = await run(['config', '--config', file])
    expect(cfg.code).toBe(1)
    expect(cfg.stderr).toMatch(/setting "log.level" must be one of/)
    const serve = await run(['serve', '--config', file, '--port', '0', '--registry-port', '-1'])
    expect(serve.code).toBe(1)
    expect(serve.stderr).toMatch(/setting "log.level" must be one of/)
  })
})
