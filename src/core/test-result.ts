import type { Attribution } from './attribution.js'
import type { MemoryLimit, TestMeasurement } from './test-measurement.js'
import type { WorkerThreadsUsage } from './worker-threads.js'
import type { LeakCheck } from './leaks.js'
import type { IncreaseCheck } from './increase.js'
import type { TestMemoryResult, TestState } from './report/model.js'

/**
 * What a worker sends about one test as soon as it ends: plain JSON, small, runner-agnostic.
 * Attribution (sites, histogram) follows separately, once per file: see TestMeasurer.collect().
 */
export interface TestRecord {
  /** This thread's peak plus the peaks of worker_threads the test started. */
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  /** The peak may read high by up to this much (a full GC ran during the test); see TestMemoryResult. */
  peakUncertaintyBytes?: number
  allocatedBytes: number
  overlapping: number
  durationMs: number
  workerThreads?: WorkerThreadsUsage
  leaks?: LeakCheck
  limit?: { spec: string; bytes: number; currentThreadOnly: boolean; exceeded: boolean }
  /** --fail-on-increase compared the peak with the test's history. */
  increase?: IncreaseCheck
}

/** The peak a limit is judged on: all threads by default, as pytest-memray counts all threads. */
export function limitedPeak(record: Pick<TestRecord, 'peakBytes' | 'workerThreads'>, limit: Pick<MemoryLimit, 'currentThreadOnly'>): number {
  return limit.currentThreadOnly ? record.peakBytes - (record.workerThreads?.peakBytes ?? 0) : record.peakBytes
}

export function toTestRecord(measurement: TestMeasurement, limit?: MemoryLimit, leaks?: LeakCheck): TestRecord {
  const { reading, workerThreads } = measurement
  const record: TestRecord = {
    peakBytes: reading.peakBytes + (workerThreads?.peakBytes ?? 0),
    heapPeakBytes: reading.heapPeakBytes,
    externalPeakBytes: reading.externalPeakBytes,
    ...(reading.uncertaintyBytes > 0 ? { peakUncertaintyBytes: reading.uncertaintyBytes } : {}),
    // Exact for the JS heap and external memory (growth plus what GCs freed meanwhile), unlike the sampled sum.
    allocatedBytes: reading.heapAllocatedBytes + reading.externalAllocatedBytes,
    overlapping: measurement.overlapping,
    durationMs: Math.round(measurement.durationMs * 100) / 100,
    ...(workerThreads ? { workerThreads } : {}),
    ...(leaks ? { leaks } : {}),
  }
  if (limit) record.limit = { ...limit, exceeded: limitedPeak(record, limit) >= limit.bytes }
  return record
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
    ...(record.peakUncertaintyBytes ? { peakUncertaintyBytes: record.peakUncertaintyBytes } : {}),
    totalBytes: record.allocatedBytes,
    allocationCount: attribution?.allocationCount ?? 0,
    sampled: attribution !== undefined,
    ...(attribution?.incomplete ? { sampledIncomplete: true } : {}),
    histogram: attribution?.histogram ?? [],
    sites: attribution?.sites ?? [],
    ...(record.limit ? { limit: { kind: 'memory' as const, ...record.limit } } : {}),
    ...(record.workerThreads ? { workerThreads: record.workerThreads } : {}),
    ...(record.leaks ? { leaks: record.leaks } : {}),
    ...(record.increase ? { increase: record.increase } : {}),
    ...(record.overlapping > 0 ? { shared: { overlapping: record.overlapping } } : {}),
    durationMs: record.durationMs,
  }
}
