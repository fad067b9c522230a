/**
 * heapmark's Vitest test runner (worker side). The plugin installs it as `test.runner`: runTask is
 * the only hook that wraps exactly the test body (hooks and fixtures teardown excluded), so the
 * measurement covers what the test itself did. Extends the user's own runner when they have one.
 */
import { TestRunner, inject } from 'vitest'
import type { RunnerTestCase as Test, RunnerTestFile as File, RunnerTestSuite as Suite } from 'vitest'
import { TestMeasurer, type ActiveTest } from '../core/measurer.js'
import { checkMemoryLimit } from '../core/limits.js'
import { toTestRecord } from '../core/test-result.js'
import { getWorkerState } from '../core/worker-state.js'
import type { Attribution } from '../core/attribution.js'
import { HeapmarkError } from '../errors.js'
import { createModuleGraphMapper, loadSourceMapSupport, type EvaluatedModulesLike } from './source-map.js'
import { createCapture } from '../core/capture/create.js'
import { captureFileName, writeCapture } from '../core/capture/writer.js'
import { HEAPMARK_VERSION } from '../version.js'
import path from 'node:path'
import type { ProvidedSettings } from './meta.js'
import './meta.js'

const settings: ProvidedSettings = inject('heapmark')
const BaseRunner: typeof TestRunner = settings?.userRunner
  ? ((await import(settings.userRunner)) as { default: typeof TestRunner }).default
  : TestRunner

// This runner is only installed when heapmark is on: limit wrappers anywhere in this worker
// (hooks included) must know it, so misuse outside a test body is reported, not ignored.
getWorkerState().enabled = true

export default class HeapmarkRunner extends BaseRunner {
  private measurer: TestMeasurer | undefined
  /** Attribution already read for limited tests of the current file, sent with the file. */
  private readonly earlyAttributions = new Map<string, Attribution>()

  async runTask(test: Test): Promise<void> {
    const measurer = (this.measurer ??= this.createMeasurer())
    const state = getWorkerState()
    const active = measurer.begin(test.id)
    state.running++
    state.current = state.running === 1 ? active : undefined
    try {
      const parentRunTask = (BaseRunner.prototype as { runTask?: (test: Test) => Promise<void> }).runTask
      if (parentRunTask) await parentRunTask.call(this, test)
      else await TestRunner.getTestFn(test)()
    } finally {
      state.running--
      if (state.current === active) state.current = undefined
      this.finishTest(test, measurer, active)
    }
    await this.enforceLimit(test, measurer, active)
  }

  override async onAfterRunSuite(suite: Suite): Promise<void> {
    if (this.measurer && isFile(suite)) {
      await loadSourceMapSupport()
      // Captures need every test's samples; otherwise small files skip the forced GC of a read.
      this.measurer.collectIfWorthwhile(settings.binPath !== undefined)
      const attributions = Object.fromEntries([...this.earlyAttributions, ...this.measurer.takeFinishedAttributions()])
      this.earlyAttributions.clear()
      if (Object.keys(attributions).length > 0) suite.meta.heapmarkAttribution = attributions
      if (settings.binPath) this.writeCaptures(suite, attributions)
    }
    await super.onAfterRunSuite?.(suite)
  }

  private writeCaptures(file: File, attributions: Record<string, Attribution>): void {
    const relativeFile = path.relative(settings.rootDir, file.filepath).split(path.sep).join('/')
    const context = { heapmarkVersion: HEAPMARK_VERSION, runner: { name: 'vitest', version: settings.vitestVersion }, samplingInterval: settings.samplingInterval, rootDir: settings.rootDir }
    for (const test of testsOf(file)) {
      const record = test.meta.heapmark
      const builder = record && this.measurer?.takeCapture(test.id)
      if (!record || !builder) continue
      const name = [relativeFile, ...suiteNames(test), test.name].join(' > ')
      const capture = createCapture({ testId: test.id, name, file: relativeFile }, record, attributions[test.id], builder, context)
      try {
        writeCapture(settings.binPath!, captureFileName(settings.binPrefix, name, test.id), capture)
      } catch (error) {
        // A capture that cannot be written must not fail a test that passed: say so and go on.
        console.error(`heapmark: ${(error as Error).message}`)
      }
    }
  }

  private createMeasurer(): TestMeasurer {
    const workerState = (this as unknown as { workerState?: { evaluatedModules?: EvaluatedModulesLike } }).workerState
    const measurer = new TestMeasurer({
      samplingInterval: settings.samplingInterval,
      stacks: settings.stacks,
      rootDir: settings.rootDir,
      mapPosition: createModuleGraphMapper(() => workerState?.evaluatedModules),
      captures: settings.binPath !== undefined,
      sampling: !/--heap-prof\b/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ')),
    })
    getWorkerState().leakProbe = {
      begin: async (interval) => {
        await loadSourceMapSupport()
        measurer.beginLeakWindow(interval)
      },
      end: () => measurer.endLeakWindow(isRunnerFile),
      liveWorkers: () => measurer.liveWorkerLeaks(getWorkerState().current?.key ?? ''),
    }
    getWorkerState().rebaseline = (test) => measurer.rebaseline(test)
    return measurer
  }

  private finishTest(test: Test, measurer: TestMeasurer, active: ActiveTest): void {
    const measurement = measurer.end(active)
    test.meta.heapmark = toTestRecord(measurement, active.limit, active.leakCheck)
  }

  private async enforceLimit(test: Test, measurer: TestMeasurer, active: ActiveTest): Promise<void> {
    const record = test.meta.heapmark
    if (!active.limit || !record?.limit?.exceeded) return
    if (active.overlapping > 0) {
      throw new HeapmarkError(
        'HEAPMARK_LIMIT_MISUSE',
        `limitMemory() cannot be checked: ${active.overlapping} other test(s) ran at the same time in this worker and their memory counted against this test. Run it without .concurrent.`,
      )
    }
    // Only over-limit tests pay for reading the profile now (a forced GC): the message needs the stacks.
    await loadSourceMapSupport()
    measurer.collect()
    const attribution = measurer.takeAttribution(test.id)
    if (attribution) this.earlyAttributions.set(test.id, attribution)
    const failure = checkMemoryLimit(active.limit, record, attribution, settings.stacks)
    if (failure) throw failure
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
