import { isNotSampled, type AttributionOutcome } from '../attribution/attribution.js'
import type { MemoryLimit, TestMeasurement } from '../measure/test-measurement.js'
import type { WorkerThreadsUsage } from '../measure/worker-threads.js'
import type { LeakCheck } from '../assertions/leaks.js'
import type { IncreaseCheck } from '../history/increase.js'
import type { MemoryLimitResult, TestMemoryResult, TestState } from '../report/model.js'
import type { LivePeakKind } from '../measure/live-peak.js'

/**
 * What a worker sends about one test as soon as it ends: plain JSON, small, runner-agnostic.
 * Attribution (sites, histogram) follows separately, once per file: see TestMeasurer.collect().
 */
export interface TestRecord {
  /** This thread's peak plus the peaks of worker_threads the test started. */
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  /**
   * This thread's live peak (see live-peak.ts); worker_threads the test started are not in it.
   * Absent for browser-mode tests, whose page heap is read once per test (no GC readings).
   */
  livePeakBytes?: number
  livePeakKind?: LivePeakKind
  /** The peak may read high by up to this much (a full GC ran during the test); see TestMemoryResult. */
  peakUncertaintyBytes?: number
  allocatedBytes: number
  overlapping: number
  durationMs: number
  workerThreads?: WorkerThreadsUsage
  leaks?: LeakCheck
  /** The report's limit result, less its kind (see MemoryLimitResult). */
  limit?: Omit<MemoryLimitResult, 'kind'>
  /** --fail-on-increase compared the peak with the test's history. */
  increase?: IncreaseCheck
  /** Set by the browser-mode hook: the browser the page ran in. */
  browser?: string
}

/**
 * The peak a limit is judged on: all threads by default, as pytest-memray counts all threads; the
 * used peak by default, the live peak with `measure: 'live'` (plus worker_threads' used peaks).
 */
export function limitedPeak(
  record: Pick<TestRecord, 'peakBytes' | 'workerThreads'> & Partial<Pick<TestRecord, 'livePeakBytes'>>,
  limit: Pick<MemoryLimit, 'currentThreadOnly' | 'measure'>,
): number {
  const threads = record.workerThreads?.peakBytes ?? 0
  if (limit.measure === 'live' && record.livePeakBytes !== undefined) return record.livePeakBytes + (limit.currentThreadOnly ? 0 : threads)
  return limit.currentThreadOnly ? record.peakBytes - threads : record.peakBytes
}

export function toTestRecord(measurement: TestMeasurement, limit?: MemoryLimit, leaks?: LeakCheck): TestRecord {
  const { reading, workerThreads } = measurement
  // Optional fields are assigned, not spread in: this runs once per test, and Node 20's V8 builds
  // an object with spreads in microseconds (docs/measuring.md, fifth pass).
  const record: TestRecord = {
    peakBytes: reading.peakBytes + (workerThreads?.peakBytes ?? 0),
    heapPeakBytes: reading.heapPeakBytes,
    externalPeakBytes: reading.externalPeakBytes,
    livePeakBytes: reading.livePeakBytes,
    livePeakKind: reading.livePeakKind,
    // Exact for the JS heap and external memory (growth plus what GCs freed meanwhile), unlike the sampled sum.
    allocatedBytes: reading.heapAllocatedBytes + reading.externalAllocatedBytes,
    overlapping: measurement.overlapping,
    durationMs: Math.round(measurement.durationMs * 100) / 100,
  }
  if (reading.uncertaintyBytes > 0) record.peakUncertaintyBytes = reading.uncertaintyBytes
  if (workerThreads) record.workerThreads = workerThreads
  if (leaks) record.leaks = leaks
  if (limit) record.limit = { ...limit, exceeded: limitedPeak(record, limit) >= limit.bytes }
  return record
}

export function buildTestResult(
  identity: { id: string; name: string; file: string; state: TestState },
  record: TestRecord,
  outcome: AttributionOutcome | undefined,
): TestMemoryResult {
  const attribution = isNotSampled(outcome) ? undefined : outcome
  // Nothing at all arrived for the test's file: its worker stopped before the file ended.
  const notSampled = isNotSampled(outcome) ? outcome.notSampled : outcome === undefined ? 'file-unfinished' as const : undefined
  // Once per test in the main process: built field by field, in the JSON report's key order, with
  // no object spread (Node 20's V8 took 8-10 µs per call with them, 0.1 µs without). The cast
  // stands for the required fields assigned below; test/unit/core/worker/test-result.test.ts pins them.
  const result = { id: identity.id, name: identity.name, file: identity.file, state: identity.state } as TestMemoryResult
  result.peakBytes = record.peakBytes
  result.heapPeakBytes = record.heapPeakBytes
  result.externalPeakBytes = record.externalPeakBytes
  if (record.livePeakBytes !== undefined && record.livePeakKind !== undefined) {
    result.livePeakBytes = record.livePeakBytes
    result.livePeakKind = record.livePeakKind
  }
  if (record.peakUncertaintyBytes) result.peakUncertaintyBytes = record.peakUncertaintyBytes
  result.totalBytes = record.allocatedBytes
  result.allocationCount = attribution?.allocationCount ?? 0
  result.sampled = attribution !== undefined
  if (notSampled) result.notSampled = notSampled
  if (attribution?.incomplete) result.sampledIncomplete = true
  result.histogram = attribution?.histogram ?? []
  result.sites = attribution?.sites ?? []
  if (record.limit) result.limit = { kind: 'memory', ...record.limit }
  if (record.workerThreads) result.workerThreads = record.workerThreads
  if (record.leaks) result.leaks = record.leaks
  if (record.increase) result.increase = record.increase
  if (record.overlapping > 0) result.shared = { overlapping: record.overlapping }
  if (record.browser) result.browser = record.browser
  result.durationMs = record.durationMs
  return result
}
