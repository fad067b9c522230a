import { appendFile } from 'node:fs/promises'
import type { AttributionOutcome } from '../attribution/attribution.js'
import { historyPathFor, readHistory, updateHistory, type HistoryRecord } from '../history/history.js'
import { measuredSmall } from '../history/increase.js'
import { JournalDir } from '../oom/journal.js'
import { ShownPeaks } from '../attribution/shown-peaks.js'
import type { ResolvedHeapmarkOptions } from '../config/options.js'
import type { FileRetention } from '../retention/retention.js'
import { buildTestResult, type TestRecord } from '../worker/test-result.js'
import type { TestIdentity } from '../worker/worker-session.js'
import { heapmarkVersion } from '../../version.js'
import { buildReport } from '../report/build.js'
import { findWorkerIncidents } from '../oom/crashes.js'
import { githubAnnotations, type TestLocation } from '../report/github-annotations.js'
import { writeJsonReport } from '../report/json.js'
import { renderMarkdownReport } from '../report/markdown.js'
import type { MemoryReport, TestMemoryResult, TestState, TimelinePoint } from '../report/model.js'
import { plural } from '../report/numbers.js'
import { renderTextReport } from '../report/render-text.js'

/** Where the end-of-run output goes: the runner's own logger, so it interleaves with its output. */
export interface RunOutput {
  log(text: string): void
  /** Problems that do not fail the run; defaults to log. */
  warn?(text: string): void
  color: boolean
}

/**
 * The main-process side of a run, runner-agnostic: takes each test's record as its file ends (so
 * memory stays bounded by what the report keeps, not by the whole run) and produces the
 * end-of-run report, JSON file and history when the run ends.
 */
export class ReportCollector {
  private results: TestMemoryResult[] = []
  private readonly byId = new Map<string, TestMemoryResult>()
  /** Where tests are declared, when the runner says (for GitHub annotations at the test's line). */
  private readonly locations = new Map<string, TestLocation>()
  private workers = new Map<string, TimelinePoint[]>()
  private readonly journals: JournalDir
  /** Tells workers which files can hold a test the summary shows (see shown-peaks.ts). */
  private readonly shownPeaks: ShownPeaks

  constructor(
    private readonly options: ResolvedHeapmarkOptions,
    private readonly runner: () => { name: string; version: string },
    /** The project root: the default history file lives under it. */
    private readonly rootDir: () => string = () => process.cwd(),
    /** An existing folder the workers were told to keep their journals in (default: a new one). */
    journalDir?: string,
  ) {
    this.journals = new JournalDir(journalDir)
    this.shownPeaks = new ShownPeaks(this.journals.path, () => this.options.mostAllocations)
    process.once('exit', () => this.journals.remove())
  }

  /** For `heapmark run`, should this process die before it reports (see journal-report.ts). */
  private describeRun(): void {
    this.journals.describeRun({ options: this.options, runner: this.runner(), rootDir: this.rootDir() })
  }

  /** Hand this to every WorkerSession (workerSessionSettings), so workers that die leave a trace. */
  get journalDir(): string {
    return this.journals.path
  }

  /** Forget earlier results: a watch-mode rerun reports the rerun, not stale tests. */
  reset(): void {
    this.results = []
    this.byId.clear()
    this.locations.clear()
    this.workers = new Map()
    this.journals.clear()
    this.shownPeaks.reset()
    // Here, not at construction: by a run's start the runner is known and the options final
    // (adapters make paths absolute after constructing the collector).
    this.describeRun()
  }

  add(identity: TestIdentity & { state: TestState; location?: TestLocation }, record: TestRecord, attribution: AttributionOutcome | undefined): TestMemoryResult {
    // buildTestResult copies the identity's fields it reports (location is kept apart, here).
    const result = buildTestResult(identity, record, attribution)
    this.results.push(result)
    this.byId.set(result.id, result)
    this.shownPeaks.add(result.peakBytes)
    if (identity.location) this.locations.set(result.id, identity.location)
    return result
  }

  /** A test's result as added so far (retention included once its file's retention is in). */
  result(id: string): TestMemoryResult | undefined {
    return this.byId.get(id)
  }

  /** A file's retention; call after add() for its tests. `file` is project-relative. */
  addRetention(file: string, retention: FileRetention): void {
    for (const [id, retained] of Object.entries(retention.tests)) {
      const result = this.byId.get(id)
      if (result) result.retained = { bytes: retained.retainedBytes, exact: retained.exact, ...(retained.window ? { window: { tests: retained.window.tests, bytes: retained.window.retainedBytes } } : {}), ...(retained.sites ? { sites: retained.sites } : {}) }
    }
    let points = this.workers.get(retention.worker)
    if (!points) this.workers.set(retention.worker, (points = []))
    for (const point of retention.timeline) {
      const test = point.after === undefined ? undefined : this.byId.get(point.after)?.name
      points.push(test !== undefined ? { test, file, bytes: point.bytes, exact: point.exact } : { file, bytes: point.bytes, exact: point.exact })
    }
  }

  /** `history: false`: a report made without the runner (its tests' states are unknown), which must not touch history. */
  async finish(output: RunOutput, { history = true }: { history?: boolean } = {}): Promise<MemoryReport> {
    this.journals.markReported()
    const warn = (text: string) => (output.warn ?? output.log)(`heapmark: ${text}`)
    const historyFile = historyPathFor(this.options.historyPath, this.rootDir())
    if (history) this.applyHistory(historyFile, warn)
    const report = buildReport(
      this.results,
      { heapmarkVersion: heapmarkVersion(), runner: this.runner(), node: process.version, samplingInterval: this.options.samplingInterval },
      [...this.workers].map(([worker, points]) => ({ worker, points })),
      findWorkerIncidents(this.journals.read(), (id) => this.byId.has(id)),
    )
    await this.publish(report, output, historyFile, warn)
    if (!history) return report
    try {
      await updateHistory(historyFile, { entries: passingPeaks(report.tests, this.options.livePeak), recordedAt: report.createdAt })
    } catch (error) {
      // History is a convenience: failing to keep it must not fail a run whose tests passed.
      warn(`could not update the history file ${historyFile}: ${(error as Error).message}`)
    }
    return report
  }

  /** Gives each test its peak in the last run where it passed, for growth in reports. */
  private applyHistory(historyFile: string, warn: (text: string) => void): void {
    const { history, problem } = readHistory(historyFile)
    if (problem) warn(`the history file ${historyFile} ${problem}. It counts as no history; this run's results replace it (the old file is kept as ${historyFile}.unreadable).`)
    for (const result of this.results) {
      const previous = history.get(result.name)
      if (previous) result.previousPeakBytes = previous.peakBytes
      if (previous?.livePeakBytes !== undefined) result.previousLivePeakBytes = previous.livePeakBytes
    }
  }

  /** The terminal report, then the files asked for: the GitHub step summary and the JSON report. */
  private async publish(report: MemoryReport, output: RunOutput, historyFile: string, warn: (text: string) => void): Promise<void> {
    const { options } = this
    if (!options.hideSummary) {
      output.log('\n' + renderTextReport(report, { mostAllocations: options.mostAllocations, stacks: options.stacks, color: output.color }))
    }
    if (options.binPath) output.log(`heapmark: capture files (.heapprofile, one per test) are in ${options.binPath}`)
    if (options.failOnIncrease) output.log(describeIncreaseCheck(report, historyFile, options))
    const stepSummary = process.env.GITHUB_STEP_SUMMARY
    if (stepSummary) {
      try {
        await appendFile(stepSummary, renderMarkdownReport(report, { mostAllocations: options.mostAllocations || 10, increaseMeasure: options.increaseMeasure }))
      } catch (error) {
        warn(`could not append to GITHUB_STEP_SUMMARY (${stepSummary}): ${(error as Error).message}`)
      }
    }
    // In GitHub Actions, tests that failed on memory are annotated at their line. Written to stdout
    // itself, where workflow commands belong: Jest's output goes to stderr.
    if (process.env.GITHUB_ACTIONS === 'true') {
      const annotations = githubAnnotations(report.tests, this.rootDir(), (test) => this.locations.get(test.id))
      if (annotations.length > 0) process.stdout.write(`${annotations.join('\n')}\n`)
    }
    if (options.json) {
      await writeJsonReport(options.json, report)
      output.log(`heapmark: JSON report written to ${options.json}`)
    }
  }
}

/**
 * Only tests that passed, alone in their worker, set the baseline later runs are judged against;
 * a live peak only when it is a precise estimate (a lower bound moves with V8's GC timing).
 */
function* passingPeaks(tests: readonly TestMemoryResult[], livePeak: boolean): Generator<[string, HistoryRecord]> {
  for (const test of tests) {
    if (test.state !== 'passed' || test.shared) continue
    yield [test.name, { peakBytes: test.peakBytes, smallYoungGeneration: measuredSmall(test, livePeak), livePeakBytes: test.livePeakKind === 'estimate' ? test.livePeakBytes : undefined }]
  }
}

function describeIncreaseCheck(report: MemoryReport, historyFile: string, options: Pick<ResolvedHeapmarkOptions, 'increaseMeasure'>): string {
  const live = options.increaseMeasure === 'live'
  const compared = report.tests.filter((test) => test.increase && !test.increase.notJudged).length
  const grew = report.totals.increaseFailures
  const passed = report.tests.filter((test) => test.state === 'passed' && !test.shared)
  // Without a baseline for the figure compared: a new test, or (live) none with a precise live peak yet.
  const newTests = passed.filter((test) => (live ? test.increase === undefined : test.previousPeakBytes === undefined)).length
  const notPrecise = report.tests.filter((test) => test.increase?.notJudged === 'live-not-precise').length
  const otherMode = report.tests.filter((test) => test.increase?.notJudged === 'young-generation-changed').length
  const parts = [`compared ${live ? 'the live peaks of ' : ''}${plural(compared, 'test')} with their last passing run`]
  if (grew > 0) parts.push(`${plural(grew, 'test')} grew beyond the tolerance`)
  if (newTests > 0) parts.push(`${plural(newTests, 'test')} had no ${live ? 'precise live peak in the history' : 'history'} yet and ${newTests === 1 ? 'was' : 'were'} recorded`)
  if (notPrecise > 0) parts.push(`${plural(notPrecise, 'test')} not judged: ${notPrecise === 1 ? 'its' : 'their'} live peak was only a bound in this run (precise mode fell back; see docs/measuring.md)`)
  if (otherMode > 0) parts.push(`${plural(otherMode, 'test')} not judged: ${otherMode === 1 ? 'its' : 'their'} last peak was measured with a different young generation (livePeak on in one run, off in the other)`)
  return `heapmark: fail-on-increase ${parts.join('; ')} (history: ${historyFile})`
}
