/**
 * heapmark's Vitest test runner class (worker side), built on the runner the user's project has.
 * runner.ts loads this module as a CommonJS bundle with a code cache (core/load/cached-bundle.ts):
 * it is what a worker would otherwise compile afresh, so it imports nothing from Vitest itself;
 * runner.ts hands it Vitest's runner class and the run's settings.
 *
 * runTask is the only hook that wraps exactly the test body (hooks and fixtures teardown
 * excluded), so the measurement covers what the test itself did.
 */
import type { TestRunner, RunnerTestCase as Test, RunnerTestFile as File, RunnerTestSuite as Suite } from 'vitest'
import path from 'node:path'
import { WorkerSession, workerSessionSettings, type TestIdentity } from '../core/worker/worker-session.js'
import { createModuleGraphMapper, loadSourceMapSupport, type EvaluatedModulesLike } from './source-map.js'
import type { ProvidedSettings } from './meta.js'
import { testName } from './test-names.js'
import type { TestRecord } from '../core/worker/test-result.js'
import { memoryFacts, memoryFactsLine } from '../core/report/memory-facts.js'

export interface RunnerParts {
  /** The class heapmark's runner extends: the user's own runner, or Vitest's. */
  BaseRunner: typeof TestRunner
  /** Vitest's runner (its static getTestFn runs a test body when the base has no runTask). */
  VitestRunner: typeof TestRunner
  settings: ProvidedSettings
  /** Called when each test file is done (the code cache is written after the first). */
  onFileDone: () => void
}

export function createHeapmarkRunner({ BaseRunner, VitestRunner, settings, onFileDone }: RunnerParts): typeof TestRunner {
  const names = new TestNames(settings)
  return class HeapmarkRunner extends BaseRunner {
    // Created with the runner, not at the first test: limit wrappers in a file's hooks must already
    // find heapmark switched on, so misuse there is reported rather than ignored.
    private readonly session = this.createSession()

    async runTask(test: Test): Promise<void> {
      const identity = names.identify(test)
      const active = this.session.startTest(test.id, identity)
      let record: TestRecord | undefined
      try {
        try {
          const parentRunTask = (BaseRunner.prototype as { runTask?: (test: Test) => Promise<void> }).runTask
          if (parentRunTask) await parentRunTask.call(this, test)
          else await VitestRunner.getTestFn(test)()
        } finally {
          record = test.meta.heapmark = this.session.endTest(active)
        }
        await this.session.checkTest(identity, active, record)
      } finally {
        // Here, not in a hook: Vitest accepts annotations only while the test's state is still
        // "run", and sets it right after runTask (before afterEach). Failing tests get theirs too.
        if (record && settings.annotate) await test.context.annotate(memoryFactsLine(memoryFacts(record)), 'heapmark')
      }
    }

    override async onAfterRunSuite(suite: Suite): Promise<void> {
      if (isFile(suite)) {
        const tests = [...testsOf(suite)].flatMap((test) => (test.meta.heapmark ? [{ identity: names.identify(test), record: test.meta.heapmark }] : []))
        const { attributions, retention } = await this.session.finishFile(tests)
        if (Object.keys(attributions).length > 0) suite.meta.heapmarkAttribution = attributions
        suite.meta.heapmarkRetention = retention
        onFileDone()
      }
      await super.onAfterRunSuite?.(suite)
    }

    private createSession(): WorkerSession {
      const workerState = (this as unknown as { workerState?: { evaluatedModules?: EvaluatedModulesLike } }).workerState
      return new WorkerSession({
        settings: workerSessionSettings(settings, settings.rootDir, { name: 'vitest', version: settings.vitestVersion }, settings.journalDir),
        mapPosition: createModuleGraphMapper(() => workerState?.evaluatedModules),
        loadSourceMaps: loadSourceMapSupport,
        isRunnerFile,
      })
    }
  }
}

/** The names the report shows: the same as the main process builds from Vitest's fullName. */
class TestNames {
  /** The last file's relative path: computed once per file, not per test (path.relative is ~5 µs). */
  private lastFile = { filepath: '', relative: '' }

  constructor(private readonly settings: ProvidedSettings) {}

  identify(test: Test): TestIdentity {
    const file = this.relativeFile(test.file.filepath)
    return { id: test.id, name: testName(this.settings.projectName, file, [...suiteNames(test), test.name]), file }
  }

  private relativeFile(filepath: string): string {
    if (this.lastFile.filepath !== filepath) this.lastFile = { filepath, relative: path.relative(this.settings.rootDir, filepath).split(path.sep).join('/') }
    return this.lastFile.relative
  }
}

/** Vitest's own packages: what they keep alive (assertion state, results) is not the test's leak. */
const RUNNER_FILE = /(^|\/)node_modules\/(vitest|@vitest\/[^/]+|chai|tinyspy|tinyrainbow|tinybench|expect-type)\//

function isRunnerFile(file: string): boolean {
  return RUNNER_FILE.test(file)
}

function* testsOf(suite: Suite): Generator<Test> {
  for (const task of suite.tasks) {
    if (task.type === 'test') yield task
    else if (task.type === 'suite') yield* testsOf(task)
  }
}

/** Names of the describe blocks around a test, outermost first (not the file). */
function suiteNames(test: Test): string[] {
  const names: string[] = []
  for (let suite = test.suite; suite && suite !== test.file; suite = suite.suite) names.unshift(suite.name)
  return names
}

function isFile(suite: Suite): suite is File {
  return 'filepath' in suite && suite.file === suite
}
