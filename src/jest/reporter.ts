/**
 * `reporters: ['default', 'heapmark/jest/reporter']` (main process). Resolves heapmark's options
 * (reporter options < HEAPMARK_* environment < `heapmark run` flags), opens the result channel
 * the test environments write to, and prints the end-of-run report after Jest's summary.
 */
import { rmSync, writeFileSync, writeSync } from 'node:fs'
import type { AggregatedResult, Reporter, Test, TestResult } from '@jest/reporters'
import type { Config } from '@jest/types'
import pc from 'picocolors'
import { resolveOptions, type HeapmarkOptions, type ResolvedHeapmarkOptions } from '../core/config/options.js'
import { ReportCollector } from '../core/run/collector.js'
import { closeResultChannel, openResultChannel, ResultChannelReader } from '../core/run/result-channel.js'
import { RUN_MARKER_ENV } from '../core/run/run-marker.js'
import { prepareCaptureDir } from '../core/capture/writer.js'
import { historyPathFor } from '../core/history/history.js'
import { prepareOutputFile } from '../core/run/output-file.js'
import { isHeapmarkError } from '../errors.js'
import { usesNodeHeapProf } from '../core/attribution/node-flags.js'
import { loadedJestModule } from './jest-modules.js'
import type { JestFileBatch, JestRunSettings } from './run-settings.js'

/** How many unmeasured files the set-up hint names before "and N more". */
const LISTED_FILES = 3

export default class HeapmarkJestReporter implements Pick<Reporter, 'onRunStart' | 'onTestResult' | 'onRunComplete'> {
  private readonly options: ResolvedHeapmarkOptions
  private readonly watching: boolean
  private readonly channel: string | undefined
  private readonly reader: ResultChannelReader<JestFileBatch> | undefined
  private readonly collector: ReportCollector | undefined
  /** Test files whose environment sent results: the others ran without heapmark's environment. */
  private readonly measuredFiles = new Set<string>()

  constructor(globalConfig: Config.GlobalConfig, reporterOptions?: HeapmarkOptions) {
    // Validated even while heapmark is off, so a typo fails loudly; a bad value stops Jest here,
    // before any test runs (reporters are created before the workers).
    this.options = withoutStack(() => resolveOptions(reporterOptions ?? {}, process.env))
    this.watching = globalConfig.watch || globalConfig.watchAll
    const jestVersion = loadedJestModule<{ getVersion?: () => string }>('@jest/core')?.getVersion?.() ?? 'unknown'
    if (!this.options.enabled) return
    const rootDir = globalConfig.rootDir
    const collector = (this.collector = new ReportCollector(this.options, () => ({ name: 'jest', version: jestVersion }), () => rootDir))
    const options = this.options
    withoutStack(() => {
      // Unusable output paths stop the run here, before any test, rather than after the last.
      if (options.binPath) options.binPath = prepareCaptureDir(options.binPath)
      // Checked, not replaced: messages keep showing the path as the user wrote it.
      if (options.json) prepareOutputFile(options.json, 'JSON report (json)')
      // The default history file is best effort; one the user named or relies on must work.
      if (options.historyPath || options.failOnIncrease) {
        options.historyPath = prepareOutputFile(historyPathFor(options.historyPath, rootDir), 'history file (historyPath)')
      }
    })
    if (usesNodeHeapProf()) {
      console.warn(
        "heapmark: --heap-prof is on. V8 has one sampling heap profiler per process and Node's --heap-prof uses it, so heapmark leaves it alone: " +
          'peaks and totals are measured, allocation sites are not, and limitLeaks cannot run.',
      )
    }
    // Workers inherit the environment when Jest starts them, which is after reporters are created.
    const settings: JestRunSettings = { options, jestVersion, journalDir: collector.journalDir }
    const channel = (this.channel = openResultChannel(settings))
    this.reader = new ResultChannelReader(channel)
    removeAtExit(channel)
    const marker = process.env[RUN_MARKER_ENV]
    if (marker) writeFileSync(marker, 'jest\n')
  }

  onRunStart(): void {
    this.collector?.reset()
    this.measuredFiles.clear()
  }

  onTestResult(_test: Test, _result: TestResult): void {
    this.collect()
  }

  async onRunComplete(_contexts: unknown, results: AggregatedResult): Promise<void> {
    if (!this.channel || !this.collector) return
    this.collect()
    const lines: string[] = []
    const hint = this.unmeasuredHint(results)
    if (hint) lines.push(hint)
    await this.collector.finish({ log: (text) => lines.push(text), color: pc.isColorSupported })
    const text = lines.join('\n') + '\n'
    // Jest prints its summary after every custom reporter's onRunComplete, and nothing runs after
    // it but process exit: a report printed here would sit above the summary. On stderr, like
    // Jest's own output (stdout may carry --json). In watch mode the process stays: print now.
    if (this.watching) printReport(text)
    else {
      process.once('exit', () => printReport(text))
      closeResultChannel(this.channel)
    }
  }

  private collect(): void {
    const collector = this.collector
    if (!collector) return
    for (const batch of this.reader?.readNew() ?? []) {
      this.measuredFiles.add(batch.testPath)
      for (const { identity, record, attribution } of batch.tests) collector.add(identity, record, attribution)
      collector.addRetention(batch.file, batch.retention)
    }
  }

  /** Files whose tests ran but were not measured: their environment was not heapmark's. */
  private unmeasuredHint(results: AggregatedResult): string | undefined {
    const unmeasured = results.testResults
      .filter((file) => file.numPassingTests + file.numFailingTests > 0 && !this.measuredFiles.has(file.testFilePath))
      .map((file) => file.testFilePath)
    if (unmeasured.length === 0) return undefined
    const listed = unmeasured.slice(0, LISTED_FILES).join(', ') + (unmeasured.length > LISTED_FILES ? ` and ${unmeasured.length - LISTED_FILES} more` : '')
    const all = unmeasured.length === results.testResults.length
    return [
      `heapmark: ${all ? 'no test was measured' : `${unmeasured.length} test file(s) ran without heapmark's test environment, so their tests were not measured`} (${listed}).`,
      "  Set testEnvironment: 'heapmark/jest/environment' (or 'heapmark/jest/jsdom', or withHeapmark(YourEnvironment) from 'heapmark/jest') in jest.config;",
      "  a file's `@jest-environment` docblock replaces it: write `@jest-environment heapmark/jest/jsdom` there.",
    ].join('\n')
  }
}

/** A set-up error is the user's to fix, not a crash: Jest prints its stack, so the stack is the message. */
function withoutStack<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (isHeapmarkError(error)) error.stack = `${error.name}: ${error.message}`
    throw error
  }
}

const channelsToRemove = new Set<string>()

/** One exit listener for every channel of the process (watch mode makes a reporter per run). */
function removeAtExit(dir: string): void {
  if (channelsToRemove.size === 0) process.once('exit', () => channelsToRemove.forEach((path) => rmSync(path, { recursive: true, force: true })))
  channelsToRemove.add(dir)
}

/** Writes the whole report to stderr from an exit handler, where only synchronous writes happen. */
function printReport(text: string): void {
  const buffer = Buffer.from(text)
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let offset = 0; offset < buffer.length; ) {
    try {
      offset += writeSync(2, buffer, offset)
    } catch (error) {
      // A full non-blocking pipe: wait for its reader. Anything else (stderr closed): nobody reads.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return
      Atomics.wait(pause, 0, 0, 5)
    }
  }
}
