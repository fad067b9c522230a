import type { MemoryReport, TestMemoryResult } from '../../src/core/report/model.js'
import type { FixtureRun } from './run-fixture.js'

export const MiB = 1024 * 1024

/** The JSON report of a fixture run, with a by-test-name lookup that fails loudly. */
export function readReport(run: FixtureRun, file = 'report.json'): MemoryReport & { test(nameEnd: string): TestMemoryResult } {
  if (!run.exists(file)) throw new Error(`no ${file} was written; output:\n${run.output}`)
  const report = run.readJson(file) as MemoryReport
  return {
    ...report,
    test(nameEnd) {
      const found = report.tests.find((t) => t.name.endsWith(nameEnd))
      if (!found) throw new Error(`no test named "...${nameEnd}" in report: ${report.tests.map((t) => t.name).join(', ')}`)
      return found
    },
  }
}

/**
 * heapmark's accuracy promise for one peak reading (docs/measuring.md, "Accuracy"): a test that
 * allocates N MiB reads N within max(5%, 1 MiB).
 */
export function promiseSlackMiB(expectedMiB: number): number {
  return Math.max(0.05 * expectedMiB, 1)
}

/**
 * A regular-expression fragment matching every one-decimal "x.y" a report may print for a reading
 * of `expectedMiB` within the promise, so text assertions hold to the promise and no tighter:
 * 12 gives 11.0 to 13.0.
 */
export function mibPattern(expectedMiB: number): string {
  const slack = promiseSlackMiB(expectedMiB)
  const values: string[] = []
  // The epsilon keeps binary rounding (24 - 1.2 = 22.799999...) from dropping an end of the range.
  for (let tenths = Math.ceil((expectedMiB - slack) * 10 - 1e-9); tenths <= Math.floor((expectedMiB + slack) * 10 + 1e-9); tenths++) {
    values.push((tenths / 10).toFixed(1).replace('.', '\\.'))
  }
  return `(?:${values.join('|')})`
}
