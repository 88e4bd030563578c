import { describe, expect, it } from 'vitest'
import { crc32c, crc32cJs, crc32cImplementation } from '../../../src/codec/crc32c.js'

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32cJs(Buffer.from('123456789'))).toBe(0xe3069283)
  })

  it('is CRC-32C, not plain CRC-32', () => {
    // Plain CRC-32 of "123456789" is 0xCBF43926.
    expect(crc32c(Buffer.from('123456789'))).not.toBe(0xcbf43926)
  })

  it('agrees between the JS fallback and the active implementation on every length', () => {
    const data = Buffer.alloc(300)
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff
    for (let len = 0; len <= data.length; len++) {
      expect(crc32cJs(data.subarray(0, len))).toBe(crc32c(data.subarray(0, len)))
    }
  })

  it('continues a running checksum', () => {
    const a = Buffer.from('12345')
    const b = Buffer.from('6789')
    expect(crc32cJs(b, crc32cJs(a))).toBe(0xe3069283)
    expect(crc32c(b, crc32c(a))).toBe(0xe3069283)
  })

  it('uses the native implementation when installed', () => {
    expect(['native', 'js']).toContain(crc32cImplementation)
  })
})
