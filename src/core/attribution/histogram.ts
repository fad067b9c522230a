import { HeapmarkError } from '../../errors.js'
import { HISTOGRAM_BOUNDS, type SizeHistogramBucket } from '../report/model.js'

/**
 * Allocation-size histograms over the fixed HISTOGRAM_BOUNDS. Fixed bounds are what make
 * histograms of different tests and shards addable. While counting, a histogram is dense (one
 * bucket per bound plus the open-ended one, in order); for storage it is compacted to the
 * non-empty buckets, and everything here accepts either form as input.
 */

/** Index of the bucket a size falls in: bounds are inclusive upper bounds. */
export function bucketIndex(size: number): number {
  const index = HISTOGRAM_BOUNDS.findIndex((bound) => size <= bound)
  return index === -1 ? HISTOGRAM_BOUNDS.length : index
}

export function createHistogram(): SizeHistogramBucket[] {
  return [...HISTOGRAM_BOUNDS, null].map((upTo) => ({ upTo, count: 0, bytes: 0 }))
}

/** Adds `count` allocations totalling `bytes`, each of `size` bytes, to a dense histogram (in place). */
export function addToHistogram(hist: SizeHistogramBucket[], size: number, count: number, bytes: number): void {
  const bucket = hist[bucketIndex(size)]
  if (!bucket || hist.length !== HISTOGRAM_BOUNDS.length + 1) {
    throw new HeapmarkError('HEAPMARK_INTERNAL', `addToHistogram needs a dense histogram of ${HISTOGRAM_BOUNDS.length + 1} buckets, got ${hist.length}`)
  }
  bucket.count += count
  bucket.bytes += bytes
}

/** The non-empty buckets, for storing in reports. */
export function compactHistogram(hist: readonly SizeHistogramBucket[]): SizeHistogramBucket[] {
  return hist.filter((bucket) => bucket.count !== 0 || bucket.bytes !== 0).map((bucket) => ({ ...bucket }))
}

/** A dense copy of a dense or compact histogram. */
export function expandHistogram(hist: readonly SizeHistogramBucket[]): SizeHistogramBucket[] {
  return mergeHistograms(hist, [])
}

/** Bucket-wise sum of two histograms (dense or compact); the result is dense. */
export function mergeHistograms(a: readonly SizeHistogramBucket[], b: readonly SizeHistogramBucket[]): SizeHistogramBucket[] {
  const merged = createHistogram()
  for (const bucket of [...a, ...b]) {
    const target = merged[indexOfBound(bucket.upTo)]!
    target.count += bucket.count
    target.bytes += bucket.bytes
  }
  return merged
}

function indexOfBound(upTo: number | null): number {
  if (upTo === null) return HISTOGRAM_BOUNDS.length
  const index = HISTOGRAM_BOUNDS.indexOf(upTo)
  if (index === -1) {
    // Only a report from an incompatible heapmark version could carry other bounds.
    throw new HeapmarkError('HEAPMARK_INTERNAL', `Histogram bucket upTo ${JSON.stringify(upTo)} is not one of heapmark's bounds (${HISTOGRAM_BOUNDS.join(', ')})`)
  }
  return index
}
