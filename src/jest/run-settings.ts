import type { Attribution } from '../core/attribution.js'
import type { ResolvedHeapmarkOptions } from '../core/options.js'
import type { TestState } from '../core/report/model.js'
import type { TestRecord } from '../core/test-result.js'
import type { TestIdentity } from '../core/worker-session.js'

/** What the reporter (main process) hands every worker through the result channel. */
export interface JestRunSettings {
  options: ResolvedHeapmarkOptions
  jestVersion: string
}

/** One test file's results, sent by the worker when the file ends: one line in the channel. */
export interface JestFileBatch {
  /** Absolute path of the test file, to tell which files ran without heapmark's environment. */
  testPath: string
  tests: Array<{ identity: TestIdentity & { state: TestState }; record: TestRecord; attribution?: Attribution }>
}
