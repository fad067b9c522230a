import { buildReport } from './build.js'
import type { MemoryReport } from './model.js'

/**
 * One report from several (shards of one run, or runs of different runners): all tests, totals
 * recomputed. A test that appears twice (same runner, same id) keeps its last occurrence.
 */
export function mergeReports(reports: readonly MemoryReport[]): MemoryReport {
  const tests = new Map<string, MemoryReport['tests'][number]>()
  for (const report of reports) for (const test of report.tests) tests.set(`${report.runner.name}\0${test.id}`, test)
  const first = reports[0]!
  const runners = [...new Set(reports.map((report) => `${report.runner.name}@${report.runner.version}`))]
  return buildReport([...tests.values()], {
    heapmarkVersion: first.heapmarkVersion,
    runner: runners.length === 1 ? first.runner : { name: [...new Set(reports.map((r) => r.runner.name))].join('+'), version: runners.join(', ') },
    node: first.node,
    samplingInterval: first.samplingInterval,
  }, reports.flatMap((report) => report.workers ?? []), reports.flatMap((report) => report.incidents ?? []))
}
