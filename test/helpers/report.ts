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
