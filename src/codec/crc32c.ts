/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as Kafka's RecordBatch v2 uses.
 * Native @node-rs/crc32 when it is installed (≈5 GB/s), else a slice-by-8 table implementation (≈1 GB/s).
 */
import { createRequire } from 'node:module'

type Crc32cFn = (input: Uint8Array, initialState?: number) => number

const POLY = 0x82f63b78

function buildTables (): Uint32Array[] {
  const tables: Uint32Array[] = []
  const t0 = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLY : c >>> 1
    t0[n] = c >>> 0
  }
  tables.push(t0)
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1] as Uint32Array
    const next = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number
      next[n] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0
    }
    tables.push(next)
  }
  return tables
}

const TABLES = buildTables()

/** Pure-JS CRC32C, slice-by-8. `crc` continues a previous result (0 to start). */
export function crc32cJs (buf: Uint8Array, crc = 0): number {
  const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array]
  let c = ~crc >>> 0
  let i = 0
  const n = buf.length
  const end8 = n - (n % 8)
  while (i < end8) {
    const a = (c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0
    c = T7[a & 0xff]! ^ T6[(a >>> 8) & 0xff]! ^ T5[(a >>> 16) & 0xff]! ^ T4[a >>> 24]! ^
      T3[buf[i + 4]!]! ^ T2[buf[i + 5]!]! ^ T1[buf[i + 6]!]! ^ T0[buf[i + 7]!]!
    i += 8
  }
  while (i < n) c = T0[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

function loadNative (): Crc32cFn | undefined {
  try {
    const require = createRequire(import.meta.url)
    const mod = require('@node-rs/crc32') as { crc32c?: Crc32cFn }
    const fn = mod.crc32c
    if (typeof fn !== 'function') return undefined
    // Self-check against the standard check value before trusting the native module.
    return fn(Buffer.from('123456789')) === 0xe3069283 ? fn : undefined
  } catch {
    return undefined
  }
}

const native = loadNative()

/** Which implementation `crc32c` uses: 'native' (@node-rs/crc32) or 'js'. */
export const crc32cImplementation: 'native' | 'js' = native === undefined ? 'js' : 'native'

/** CRC32C of `buf`; `crc` continues a previous result (0 to start). */
export const crc32c: (buf: Uint8Array, crc?: number) => number = native === undefined
  ? crc32cJs
  : (buf, crc = 0) => native(buf, crc) >>> 0
