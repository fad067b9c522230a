import { REPORT_VERSION, type MemoryReport, type RunTotals, type TestMemoryResult, type WorkerIncident, type WorkerTimeline } from './model.js'

export interface ReportMeta {
  heapmarkVersion: string
  runner: { name: string; version: string }
  /** Node version, e.g. process.version. */
  node: string
  samplingInterval: number
  /** ISO timestamp; defaults to now. */
  createdAt?: string
}

/** Assembles the run's report: tests largest peak first (ties by name, so output is stable), plus totals. */
export function buildReport(
  tests: readonly TestMemoryResult[],
  meta: ReportMeta,
  workers: readonly WorkerTimeline[] = [],
  incidents: readonly WorkerIncident[] = [],
): MemoryReport {
  const sorted = [...tests].sort((a, b) => b.peakBytes - a.peakBytes || compareText(a.name, b.name))
  return {
    version: REPORT_VERSION,
    heapmarkVersion: meta.heapmarkVersion,
    runner: { name: meta.runner.name, version: meta.runner.version },
    node: meta.node,
    createdAt: meta.createdAt ?? new Date().toISOString(),
    samplingInterval: meta.samplingInterval,
    tests: sorted,
    totals: computeTotals(sorted),
    workers: [...workers],
    incidents: [...incidents],
  }
}

function computeTotals(tests: readonly TestMemoryResult[]): RunTotals {
  return {
    tests: tests.length,
    peakBytes: tests.reduce((max, test) => Math.max(max, test.peakBytes), 0),
    totalBytes: tests.reduce((sum, test) => sum + test.totalBytes, 0),
    allocationCount: tests.reduce((sum, test) => sum + test.allocationCount, 0),
    limitFailures: tests.filter((test) => test.limit?.exceeded === true).length,
    increaseFailures: tests.filter((test) => test.increase?.exceeded === true).length,
  }
}

/** Locale-independent ordering, so the report reads the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
