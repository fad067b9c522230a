import pc from 'picocolors'
import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { buildReport } from '../core/report/build.js'
import { writeJsonReport } from '../core/report/json.js'
import { renderTextReport } from '../core/report/render-text.js'
import type { TestMemoryResult, TestState } from '../core/report/model.js'
import type { ResolvedHeapmarkOptions } from '../core/options.js'
import { buildTestResult } from '../core/test-result.js'
import { HEAPMARK_VERSION } from '../version.js'
import './meta.js'

/** Marks our reporter so a config loaded once per project does not add it twice. */
export const REPORTER_MARK = Symbol.for('heapmark.reporter')

/**
 * Main-process side: gathers each file's results as it ends (so memory stays bounded by what the
 * report keeps, not by the whole run) and prints/writes the report when the run ends. It adds to
 * Vitest's reporters; it never replaces them.
 */
export class HeapmarkReporter implements Reporter {
  readonly [REPORTER_MARK] = true
  private vitest: Vitest | undefined
  private results: TestMemoryResult[] = []

  constructor(private readonly options: ResolvedHeapmarkOptions) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest
  }

  onTestRunStart(): void {
    // Watch mode reruns start a fresh report: results of the rerun, not stale ones.
    this.results = []
  }

  onTestModuleEnd(module: TestModule): void {
    const root = this.vitest?.config.root ?? process.cwd()
    const attributions = module.meta().heapmarkAttribution ?? {}
    const file = relativePath(root, module.moduleId)
    for (const test of module.children.allTests()) {
      const record = test.meta().heapmark
      if (!record) continue
      const identity = { id: test.id, name: `${file} > ${test.fullName}`, file, state: toState(test.result().state) }
      this.results.push(buildTestResult(identity, record, attributions[test.id]))
    }
  }

  async onTestRunEnd(): Promise<void> {
    const report = buildReport(this.results, {
      heapmarkVersion: HEAPMARK_VERSION,
      runner: { name: 'vitest', version: this.vitest?.version ?? 'unknown' },
      node: process.version,
      samplingInterval: this.options.samplingInterval,
    })
    const log = (text: string) => (this.vitest ? this.vitest.logger.log(text) : console.log(text))
    if (!this.options.hideSummary) {
      log('\n' + renderTextReport(report, { mostAllocations: this.options.mostAllocations, stacks: this.options.stacks, color: pc.isColorSupported }))
    }
    if (this.options.binPath) log(`heapmark: capture files (.heapprofile, one per test) are in ${this.options.binPath}`)
    if (this.options.json) {
      await writeJsonReport(this.options.json, report)
      log(`heapmark: JSON report written to ${this.options.json}`)
    }
  }
}

function toState(state: string): TestState {
  return state === 'passed' || state === 'failed' || state === 'skipped' ? state : 'unknown'
}

function relativePath(root: string, file: string): string {
  return file.startsWith(root + '/') ? file.slice(root.length + 1) : file
}
