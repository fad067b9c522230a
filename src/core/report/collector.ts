import type { Attribution } from '../attribution.js'
import type { ResolvedHeapmarkOptions } from '../options.js'
import { buildTestResult, type TestRecord } from '../test-result.js'
import type { TestIdentity } from '../worker-session.js'
import { HEAPMARK_VERSION } from '../../version.js'
import { buildReport } from './build.js'
import { writeJsonReport } from './json.js'
import type { MemoryReport, TestMemoryResult, TestState } from './model.js'
import { renderTextReport } from './render-text.js'

/** Where the end-of-run output goes: the runner's own logger, so it interleaves with its output. */
export interface RunOutput {
  log(text: string): void
  color: boolean
}

/**
 * The main-process side of a run, runner-agnostic: takes each test's record as its file ends (so
 * memory stays bounded by what the report keeps, not by the whole run) and produces the
 * end-of-run report, JSON file and history when the run ends.
 */
export class ReportCollector {
  private results: TestMemoryResult[] = []

  constructor(
    private readonly options: ResolvedHeapmarkOptions,
    private readonly runner: () => { name: string; version: string },
  ) {}

  /** Forget earlier results: a watch-mode rerun reports the rerun, not stale tests. */
  reset(): void {
    this.results = []
  }

  add(identity: TestIdentity & { state: TestState }, record: TestRecord, attribution: Attribution | undefined): void {
    this.results.push(buildTestResult(identity, record, attribution))
  }

  async finish(output: RunOutput): Promise<MemoryReport> {
    const report = buildReport(this.results, {
      heapmarkVersion: HEAPMARK_VERSION,
      runner: this.runner(),
      node: process.version,
      samplingInterval: this.options.samplingInterval,
    })
    if (!this.options.hideSummary) {
      output.log('\n' + renderTextReport(report, { mostAllocations: this.options.mostAllocations, stacks: this.options.stacks, color: output.color }))
    }
    if (this.options.binPath) output.log(`heapmark: capture files (.heapprofile, one per test) are in ${this.options.binPath}`)
    if (this.options.json) {
      await writeJsonReport(this.options.json, report)
      output.log(`heapmark: JSON report written to ${this.options.json}`)
    }
    return report
  }
}
