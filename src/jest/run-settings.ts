import type { AttributionOutcome } from '../core/attribution/attribution.js'
import type { ResolvedHeapmarkOptions } from '../core/config/options.js'
import type { TestState } from '../core/report/model.js'
import type { FileRetention } from '../core/retention/retention.js'
import type { TestRecord } from '../core/worker/test-result.js'
import type { TestIdentity } from '../core/worker/worker-session.js'

/**
 * Project id -> the project's own test runner (absolute path), from `jest --showConfig`: how
 * `heapmark run -- jest` tells heapmark's test runner (test-runner.ts) what to wrap.
 */
export const TEST_RUNNERS_ENV = 'HEAPMARK_JEST_TEST_RUNNERS'

/** What the reporter (main process) hands every worker through the result channel. */
export interface JestRunSettings {
  options: ResolvedHeapmarkOptions
  jestVersion: string
  /** The run's journal folder (ReportCollector.journalDir): a worker that dies leaves a trace there. */
  journalDir: string
}

/** One test file's results, sent by the worker when the file ends: one line in the channel. */
export interface JestFileBatch {
  /** Absolute path of the test file, to tell which files ran without heapmark's environment. */
  testPath: string
  /** Relative to the root directory, "/"-separated. */
  file: string
  /** What the file's tests left alive, and the worker's live memory test by test. */
  retention: FileRetention
  tests: Array<{ identity: TestIdentity & { state: TestState }; record: TestRecord; attribution?: AttributionOutcome }>
}
