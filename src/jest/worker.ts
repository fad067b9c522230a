import type { JestEnvironmentConfig } from '@jest/environment'
import { joinResultChannel, RESULT_CHANNEL_ENV } from '../core/run/result-channel.js'
import { WorkerSession, workerSessionSettings } from '../core/worker/worker-session.js'
import type { JestRunSettings } from './run-settings.js'
import { JestSourceMapper } from './source-map.js'

/** heapmark in one Jest worker process: one session for every test file the worker runs. */
export interface JestWorker {
  session: WorkerSession
  /** The result channel's directory. */
  dir: string
  rootDir: string
  sourceMaps: JestSourceMapper
}

let worker: JestWorker | undefined

/**
 * The worker's heapmark session, created with the first test file; undefined when heapmark is off
 * (no reporter opened a result channel for this run). Kept for the worker's lifetime because the
 * measurer owns V8's sampling session; it never holds an environment or its global (--detectLeaks).
 */
export function joinJestRun(config: JestEnvironmentConfig): JestWorker | undefined {
  const current = process.env[RESULT_CHANNEL_ENV]
  if (!current) return undefined
  if (worker) {
    // Watch mode in band: every run has a reporter and a channel of its own; the session stays.
    worker.dir = current
    return worker
  }
  const channel = joinResultChannel<JestRunSettings>()
  if (!channel) return undefined
  const { options, jestVersion, journalDir } = channel.settings
  const rootDir = config.globalConfig.rootDir
  const sourceMaps = new JestSourceMapper()
  const session = new WorkerSession({
    settings: workerSessionSettings(options, rootDir, { name: 'jest', version: jestVersion }, journalDir),
    mapPosition: sourceMaps.mapPosition,
    loadSourceMaps: () => sourceMaps.load(),
    isRunnerFile,
  })
  worker = { session, dir: channel.dir, rootDir, sourceMaps }
  return worker
}

/**
 * Jest's own packages and the transformers it runs: what they keep alive (assertion state,
 * results, transformed modules required during a test) is not the test's leak.
 */
const RUNNER_FILE = /(^|\/)node_modules\/(jest-[^/]+|@jest\/[^/]+|expect|pretty-format|babel-[^/]+|@babel\/[^/]+|ts-jest|graceful-fs|micromatch|picomatch|convert-source-map|collect-v8-coverage|istanbul-lib-[^/]+|@sinonjs\/[^/]+)\//

function isRunnerFile(file: string): boolean {
  return RUNNER_FILE.test(file)
}
