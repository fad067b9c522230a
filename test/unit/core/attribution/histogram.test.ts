import { describe, expect, it } from 'vitest'
import { HISTOGRAM_BOUNDS } from '../../../../src/core/report/model.js'
import {
  addToHistogram,
  bucketIndex,
  compactHistogram,
  createHistogram,
  expandHistogram,
  mergeHistograms,
} from '../../../../src/core/attribution/histogram.js'

const OPEN_BUCKET = HISTOGRAM_BOUNDS.length

describe('bucketIndex', () => {
  it.each([
    [0, 0], [1, 0], [64, 0], // bounds are inclusive
    [65, 1], [256, 1], [257, 2],
    [1024, 2], [67108864, OPEN_BUCKET - 1],
    [67108865, OPEN_BUCKET], [2 ** 40, OPEN_BUCKET],
  ])('puts %d bytes in bucket %d', (size, index) => {
    expect(bucketIndex(size)).toBe(index)
  })
})

describe('createHistogram', () => {
  it('has one empty bucket per bound plus an open-ended one', () => {
    const hist = createHistogram()
    expect(hist).toHaveLength(HISTOGRAM_BOUNDS.length + 1)
    expect(hist.map((bucket) => bucket.upTo)).toEqual([...HISTOGRAM_BOUNDS, null])
    expect(hist.every((bucket) => bucket.count === 0 && bucket.bytes === 0)).toBe(true)
  })

  it('returns independent histograms', () => {
    const a = createHistogram()
    addToHistogram(a, 10, 1, 10)
    expect(createHistogram()[0]!.count).toBe(0)
  })
})

describe('addToHistogram', () => {
  it('adds counts and bytes to the bucket of the size', () => {
    const hist = createHistogram()
    addToHistogram(hist, 32, 10, 320)
    addToHistogram(hist, 64, 1, 64)
    addToHistogram(hist, 100 * 1024 * 1024, 1, 100 * 1024 * 1024)
    expect(hist[0]).toEqual({ upTo: 64, count: 11, bytes: 384 })
    expect(hist[OPEN_BUCKET]).toEqual({ upTo: null, count: 1, bytes: 100 * 1024 * 1024 })
    expect(hist.slice(1, OPEN_BUCKET).every((bucket) => bucket.count === 0)).toBe(true)
  })

  it('refuses a compact histogram, which would put sizes in the wrong bucket', () => {
    expect(() => addToHistogram([{ upTo: 64, count: 1, bytes: 1 }], 10, 1, 10)).toThrowError(/dense histogram/)
  })
})

describe('compactHistogram and expandHistogram', () => {
  it('keeps only non-empty buckets and restores the dense form', () => {
    const hist = createHistogram()
    addToHistogram(hist, 100, 2, 200)
    addToHistogram(hist, 10 ** 9, 1, 10 ** 9)
    const compact = compactHistogram(hist)
    expect(compact).toEqual([{ upTo: 256, count: 2, bytes: 200 }, { upTo: null, count: 1, bytes: 10 ** 9 }])
    expect(expandHistogram(compact)).toEqual(hist)
  })

  it('copies rather than aliasing buckets', () => {
    const hist = createHistogram()
    addToHistogram(hist, 1, 1, 1)
    compactHistogram(hist)[0]!.count = 99
    expect(hist[0]!.count).toBe(1)
  })
})

describe('mergeHistograms', () => {
  it('adds bucket by bucket, accepting dense and compact inputs', () => {
    const dense = createHistogram()
    addToHistogram(dense, 64, 3, 150)
    const compact = [{ upTo: 64, count: 2, bytes: 100 }, { upTo: null, count: 1, bytes: 10 ** 8 }]
    const merged = mergeHistograms(dense, compact)
    expect(merged).toHaveLength(OPEN_BUCKET + 1)
    expect(merged[0]).toEqual({ upTo: 64, count: 5, bytes: 250 })
    expect(merged[OPEN_BUCKET]).toEqual({ upTo: null, count: 1, bytes: 10 ** 8 })
    expect(dense[0]!.count).toBe(3) // inputs untouched
  })

  it('rejects buckets with bounds heapmark does not use', () => {
    expect(() => mergeHistograms([{ upTo: 100, count: 1, bytes: 1 }], [])).toThrowError(/upTo 100 is not one of heapmark's bounds/)
  })
})
