import { describe, expect, it } from 'vitest'
import { createSampleDecoder } from '../../../../src/core/attribution/sample-size.js'

describe('createSampleDecoder', () => {
  const interval = 16384
  const scaled = (size: number) => Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5)

  it('recovers size and count exactly for sizes far from the interval', () => {
    const decode = createSampleDecoder(interval)
    // Near the interval several (size, count) pairs share a product (see sample-size.ts); past 2x it is unique.
    for (const size of [40000, 65536, 200000, 1 << 20]) {
      expect(decode(size * scaled(size))).toEqual({ size, count: scaled(size) })
    }
  })

  it('stays within 1% of the reported product for every size', () => {
    const decode = createSampleDecoder(interval)
    for (let size = 8; size < 100_000; size += 8) {
      const reported = size * scaled(size)
      const { size: s, count } = decode(reported)
      expect(Math.abs(s * count - reported) / reported).toBeLessThan(0.01)
    }
  })

  it('cannot tell some small sizes apart: the protocol reports only size x count', () => {
    // 40 x 410, 328 x 50 and 656 x 25 all report 16400: any of them is a correct answer.
    expect([40 * scaled(40), 328 * scaled(328), 656 * scaled(656)]).toEqual([16400, 16400, 16400])
    expect([40, 328, 656]).toContain(createSampleDecoder(interval)(16400).size)
  })

  it('returns at once for products no sample at this interval can have (no endless search)', () => {
    const decode = createSampleDecoder(interval)
    expect(decode(24)).toEqual({ size: 24, count: 1 })
    expect(decode(0)).toEqual({ size: 1, count: 1 })
  })
})
