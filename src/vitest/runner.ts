/**
 * heapmark's Vitest test runner (worker side). The plugin installs it as `test.runner`: runTask is
 * the only hook that wraps exactly the test body (hooks and fixtures teardown excluded), so the
 * measurement covers what the test itself did. Extends the user's own runner when they have one.
 */
import { TestRunner, inject } from 'vitest'
import type { RunnerTestCase as Test, RunnerTestFile as File, RunnerTestSuite as Suite } from 'vitest'
import path from 'node:path'
import { WorkerSession, workerSessionSettings, type TestIdentity } from '../core/worker/worker-session.js'
import { createModuleGraphMapper, loadSourceMapSupport, type EvaluatedModulesLike } from './source-map.js'
import type { ProvidedSettings } from './meta.js'
import { testName } from './test-names.js'
import type { TestRecord } from '../core/worker/test-result.js'
import { memoryFacts, memoryFactsLine } from '../core/report/memory-facts.js'
import './meta.js'

const settings: ProvidedSettings = inject('heapmark')
const BaseRunner: typeof TestRunner = settings?.userRunner
  ? ((await import(settings.userRunner)) as { default: typeof TestRunner }).default
  : TestRunner

export default class HeapmarkRunner extends BaseRunner {
  // Created with the runner, not at the first test: limit wrappers in a file's hooks must already
  // find heapmark switched on, so misuse there is reported rather than ignored.
  private readonly session = this.createSession()

  async runTask(test: Test): Promise<void> {
    const identity = identify(test)
    const active = this.session.startTest(test.id, identity)
    let record: TestRecord | undefined
    try {
      try {
        const parentRunTask = (BaseRunner.prototype as { runTask?: (test: Test) => Promise<void> }).runTask
        if (parentRunTask) await parentRunTask.call(this, test)
        else await TestRunner.getTestFn(test)()
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
      const tests = [...testsOf(suite)].flatMap((test) => (test.meta.heapmark ? [{ identity: identify(test), record: test.meta.heapmark }] : []))
      const { attributions, retention } = await this.session.finishFile(tests)
      if (Object.keys(attributions).length > 0) suite.meta.heapmarkAttribution = attributions
      suite.meta.heapmarkRetention = retention
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

/** The name the report shows: the same as the main process builds from Vitest's fullName. */
function identify(test: Test): TestIdentity {
  const file = relativeFile(test.file.filepath)
  return { id: test.id, name: testName(settings.projectName, file, [...suiteNames(test), test.name]), file }
}

/** The last file's relative path: computed once per file, not per test (path.relative is ~5 µs). */
let lastFile = { filepath: '', relative: '' }
function relativeFile(filepath: string): string {
  if (lastFile.filepath !== filepath) lastFile = { filepath, relative: path.relative(settings.rootDir, filepath).split(path.sep).join('/') }
  return lastFile.relative
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
