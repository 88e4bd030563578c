import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, parseArgs, parseProperties, resolveConfig } from '../../../src/config/load.js'
import { envName, settingDefinitions } from '../../../src/config/settings.js'

describe('config', () => {
  it('has defaults for every setting, Confluent-style', () => {
    const c = resolveConfig()
    expect(c.port).toBe(8082)
    expect(c['data.dir']).toBe('./data')
    expect(c['auto.create.topics.enable']).toBe(true)
    expect(c['num.partitions']).toBe(1)
    expect(c['consumer.instance.timeout.ms']).toBe(300000)
    for (const [name, def] of Object.entries(settingDefinitions)) expect(c[name as keyof typeof c], name).toBe(def.default)
  })

  it('upper-snakes env names', () => {
    expect(envName('log.segment.bytes')).toBe('KREST_LOG_SEGMENT_BYTES')
    expect(envName('consumer.instance.timeout.ms')).toBe('KREST_CONSUMER_INSTANCE_TIMEOUT_MS')
    expect(envName('log.retention.check.interval.ms')).toBe('KREST_LOG_RETENTION_CHECK_INTERVAL_MS')
  })

  it('applies file < env < flags < overrides', () => {
    const c = resolveConfig({
      file: { 'num.partitions': 2, port: 1000, 'log.segment.bytes': '4096' },
      env: { KREST_NUM_PARTITIONS: '3', KREST_PORT: '2000', UNRELATED: 'x' },
      flags: { port: '3000' },
      overrides: { 'log.level': 'silent' },
    })
    expect(c['num.partitions']).toBe(3)
    expect(c.port).toBe(3000)
    expect(c['log.segment.bytes']).toBe(4096)
    expect(c['log.level']).toBe('silent')
  })

  it('rejects bad values and unknown file keys with precise messages', () => {
    expect(() => resolveConfig({ env: { KREST_PORT: 'abc' } })).toThrow(/port \(from env\): expected an integer/)
    expect(() => resolveConfig({ env: { KREST_PORT: '70000' } })).toThrow(/above the maximum/)
    expect(() => resolveConfig({ file: { 'num.partition': 2 } })).toThrow(/unknown setting "num.partition"/)
    expect(() => resolveConfig({ env: { KREST_AUTO_CREATE_TOPICS_ENABLE: 'maybe' } })).toThrow(/true or false/)
    expect(() => resolveConfig({ env: { KREST_LOG_CLEANUP_POLICY: 'shred' } })).toThrow(/one of delete, compact/)
    expect(() => resolveConfig({ overrides: { 'default.replication.factor': 3 } })).toThrow(/maximum 1/)
  })

  it('parses flags', () => {
    expect(parseArgs(['--port', '9000', '--data-dir=/tmp/x', '--config', 'a.json', '--log.segment.bytes=100'])).toEqual({
      flags: { port: '9000', 'data.dir': '/tmp/x', 'log.segment.bytes': '100' }, configFile: 'a.json', help: false,
    })
    expect(() => parseArgs(['--nope', '1'])).toThrow(/unknown flag --nope/)
    expect(() => parseArgs(['--port'])).toThrow(/needs a value/)
  })

  it('parses .properties text', () => {
    expect(parseProperties('# c\n! c\nport=1\nhost : example\nid value\n  num.partitions = 4  \nlong=a\\\n  b\n')).toEqual({
      port: '1', host: 'example', id: 'value', 'num.partitions': '4', long: 'ab',
    })
  })

  it('loads --config JSON and .properties files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'krest-cfg-'))
    try {
      await writeFile(join(dir, 'k.json'), JSON.stringify({ port: 1234, 'auto.create.topics.enable': false }))
      await writeFile(join(dir, 'k.properties'), 'port=4321\nnum.partitions=6\n')
      const fromJson = await loadConfig(['--config', join(dir, 'k.json')], {})
      expect(fromJson.config.port).toBe(1234)
      expect(fromJson.config['auto.create.topics.enable']).toBe(false)
      const fromProps = await loadConfig(['--config', join(dir, 'k.properties'), '--port', '5'], { KREST_NUM_PARTITIONS: '7' })
      expect(fromProps.config.port).toBe(5)
      expect(fromProps.config['num.partitions']).toBe(7)
      await expect(loadConfig(['--config', join(dir, 'missing.json')], {})).rejects.toThrow(/cannot read config file/)
      await writeFile(join(dir, 'bad.json'), '{nope')
      await expect(loadConfig(['--config', join(dir, 'bad.json')], {})).rejects.toThrow(/not valid JSON/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
