import type { Attribution } from './attribution.js'
import type { TestMeasurement } from './measurer.js'
import type { TestMemoryResult, TestState } from './report/model.js'

/**
 * What a worker sends about one test as soon as it ends: plain JSON, small, runner-agnostic.
 * Attribution (sites, histogram) follows separately, once per file: see TestMeasurer.collect().
 */
export interface TestRecord {
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  allocatedBytes: number
  overlapping: number
  durationMs: number
  limit?: { spec: string; bytes: number; exceeded: boolean }
}

export function toTestRecord(measurement: TestMeasurement, limit?: { spec: string; bytes: number }): TestRecord {
  const { reading } = measurement
  return {
    peakBytes: reading.peakBytes,
    heapPeakBytes: reading.heapPeakBytes,
    externalPeakBytes: reading.externalPeakBytes,
    // Exact for the JS heap and external memory (growth plus what GCs freed meanwhile), unlike the sampled sum.
    allocatedBytes: reading.heapAllocatedBytes + reading.externalAllocatedBytes,
    overlapping: measurement.overlapping,
    durationMs: Math.round(measurement.durationMs * 100) / 100,
    ...(limit ? { limit: { ...limit, exceeded: reading.peakBytes >= limit.bytes } } : {}),
  }
}

export function buildTestResult(
  identity: { id: string; name: string; file: string; state: TestState },
  record: TestRecord,
  attribution: Attribution | undefined,
): TestMemoryResult {
  return {
    ...identity,
    peakBytes: record.peakBytes,
    heapPeakBytes: record.heapPeakBytes,
    externalPeakBytes: record.externalPeakBytes,
    totalBytes: record.allocatedBytes,
    allocationCount: attribution?.allocationCount ?? 0,
    histogram: attribution?.histogram ?? [],
    sites: attribution?.sites ?? [],
    ...(record.limit ? { limit: { kind: 'memory' as const, ...record.limit } } : {}),
    ...(record.overlapping > 0 ? { shared: { overlapping: record.overlapping } } : {}),
    durationMs: record.durationMs,
  }
}
