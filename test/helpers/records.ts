import type { AllocationSite, SizeHistogramBucket, SourceFrame, TestMemoryResult } from '../../src/core/report/model.js'

/** Fake report records for renderer and report tests: no capture or runner involved. */

const MiB = 1024 * 1024

export function makeFrame(overrides: Partial<SourceFrame> = {}): SourceFrame {
  return { functionName: 'allocate', file: 'src/allocate.ts', line: 10, column: 3, kind: 'user', ...overrides }
}

export function makeSite(bytes: number, frames: Array<Partial<SourceFrame>> = [{}], count = 100): AllocationSite {
  return { frames: frames.map((frame) => makeFrame(frame)), bytes, count }
}

export function makeHistogram(buckets: Array<[upTo: number | null, count: number, bytes: number]>): SizeHistogramBucket[] {
  return buckets.map(([upTo, count, bytes]) => ({ upTo, count, bytes }))
}

/** A test result; `name` defaults from `id`, peak splits 90/10 between heap and external. */
export function makeTestResult(overrides: Partial<TestMemoryResult> & { id: string }): TestMemoryResult {
  const peakBytes = overrides.peakBytes ?? 10 * MiB
  return {
    name: `src/example.test.ts > ${overrides.id}`,
    file: 'src/example.test.ts',
    state: 'passed',
    peakBytes,
    heapPeakBytes: Math.round(peakBytes * 0.9),
    externalPeakBytes: Math.round(peakBytes * 0.1),
    totalBytes: peakBytes * 2,
    allocationCount: 1200,
    sampled: true,
    histogram: makeHistogram([[64, 1000, 32_000], [1024, 200, 100_000]]),
    sites: [makeSite(peakBytes)],
    durationMs: 12,
    ...overrides,
  }
}
