/**
 * heapmark in a node:test test process (worker side): measures each test body through the core's
 * WorkerSession and sends the results to the reporting process through the run's result channel.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ActiveTest } from '../core/measure/test-measurement.js'
import { joinResultChannel, sendResults } from '../core/run/result-channel.js'
import type { StreamedBatch, StreamedRunSettings } from '../core/run/streamed-results.js'
import type { TestState } from '../core/report/model.js'
import { RUN_MARKER_ENV } from '../core/run/run-marker.js'
import type { TestRecord } from '../core/worker/test-result.js'
import { WorkerSession, workerSessionSettings, type TestIdentity } from '../core/worker/worker-session.js'
import { getWorkerState } from '../core/worker/worker-state.js'
import type { ResolvedHeapmarkOptions } from '../core/config/options.js'
import { interceptTestBodies, parentOf, type NodeTestObject, type TestBody } from './intercept.js'
import { createSourceMapMapper } from './source-map.js'
import { RUNNER_NAME } from './meta.js'

/** The public TestContext members heapmark reads (all present from Node 20.16 on; filePath from 22.6). */
interface TestContextLike {
  name: string
  fullName?: string
  filePath?: string
  passed?: boolean
  signal: AbortSignal
}

type Callback = (error?: unknown) => void

export class NodeTestWorker {
  private session: WorkerSession | undefined
  /** Tests whose body is running, by node:test's test object: a subtest finds its parent here. */
  private readonly running = new WeakMap<NodeTestObject, ActiveTest>()
  /** Finished tests of this process, for finishFile (captures) at the end. */
  private finished: Array<{ identity: TestIdentity; record: TestRecord }> = []
  private readonly seenNames = new Map<string, number>()
  /** Tests with a failed subtest (node:test fails them too). */
  private readonly failedChildren = new WeakSet<ActiveTest>()
  /** The run's result channel (opened by heapmark's reporter or `heapmark run`); null: none. */
  private channel: { dir: string; settings: StreamedRunSettings } | null | undefined
  private finishing = false

  constructor(
    private readonly options: ResolvedHeapmarkOptions,
    private readonly rootDir: string,
  ) {}

  /** Starts measuring every test constructed from now on. */
  install(): void {
    // Limit wrappers running outside a test body (in hooks) must find heapmark on to report misuse.
    getWorkerState().enabled = true
    interceptTestBodies((test, body) => this.wrap(test, body))
    // After the last test, before node:test's own end-of-process work (its handler comes later).
    process.once('beforeExit', () => void this.finish())
  }

  private wrap(test: NodeTestObject, body: TestBody): TestBody {
    const worker = this
    // node:test passes a `done` callback only to bodies declaring exactly two parameters.
    const wrapped: TestBody =
      body.length === 2
        ? function (this: unknown, context: unknown, done: unknown) {
            return worker.runWithCallback(test, body, this, context as TestContextLike, done as Callback)
          }
        : function (this: unknown, ...args: unknown[]) {
            return worker.run(test, body, this, args)
          }
    Object.defineProperty(wrapped, 'length', { value: body.length })
    Object.defineProperty(wrapped, 'name', { value: body.name })
    return wrapped
  }

  private run(test: NodeTestObject, body: TestBody, self: unknown, args: unknown[]): unknown {
    const measured = this.begin(test, args[0] as TestContextLike)
    let result: unknown
    try {
      result = body.apply(self, args)
    } catch (error) {
      measured.end()
      throw error
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        async (value) => {
          await measured.check(measured.end())
          return value
        },
        (error: unknown) => {
          measured.end()
          throw error
        },
      )
    }
    return measured.check(measured.end())
  }

  private runWithCallback(test: NodeTestObject, body: TestBody, self: unknown, context: TestContextLike, done: Callback): unknown {
    const measured = this.begin(test, context)
    const measuredDone: Callback = (error) => {
      const record = measured.end()
      if (error !== undefined && error !== null) return done(error)
      measured.check(record).then(() => done(), done)
    }
    try {
      return body.call(self, context, measuredDone)
    } catch (error) {
      measured.end()
      throw error
    }
  }

  /** Starts measuring one test body; `end` stops it once (later calls return undefined). */
  private begin(test: NodeTestObject, context: TestContextLike) {
    const session = (this.session ??= this.createSession())
    const identity = this.identify(context)
    const parent = this.parentActive(test)
    const active = session.startTest(identity.id, identity, parent)
    this.running.set(test, active)
    let record: TestRecord | undefined
    let ended = false
    const end = (): TestRecord | undefined => {
      if (ended) return undefined
      ended = true
      this.running.delete(test)
      record = session.endTest(active)
      return record
    }
    // node:test aborts a test's signal when the test is over, hooks included, whether it passed,
    // failed or timed out: the test's final state is known then. A body abandoned by a timeout
    // never ended, so its measurement ends here.
    context.signal.addEventListener(
      'abort',
      () => {
        end()
        if (!record) return
        // node:test fails a parent for its failed subtests only after aborting its signal, so
        // heapmark tells it from its subtests' states itself: the record must be written now,
        // synchronously, or a process that dies in its next test (out of memory) loses it.
        const failed = context.passed === false || this.failedChildren.has(active)
        const state: TestState = context.passed === undefined ? 'unknown' : failed ? 'failed' : 'passed'
        if (failed && parent) this.failedChildren.add(parent)
        this.report(identity, state, record)
      },
      { once: true },
    )
    return {
      end,
      check: async (ended: TestRecord | undefined): Promise<void> => {
        if (ended) await session.checkTest(identity, active, ended)
      },
    }
  }

  /** The nearest enclosing test whose body is running (a subtest's parent), if any. */
  private parentActive(test: NodeTestObject): ActiveTest | undefined {
    for (let parent = parentOf(test); parent; parent = parentOf(parent)) {
      const active = this.running.get(parent)
      if (active) return active
    }
    return undefined
  }

  private identify(context: TestContextLike): TestIdentity {
    // With process isolation (Node 20's only mode) each test file has its own process, started
    // as `node <file>`; TestContext.filePath (Node 22.6+) also covers --test-isolation=none.
    const absolute = context.filePath ?? process.argv[1] ?? ''
    const file = path.relative(this.rootDir, absolute.startsWith('file:') ? new URL(absolute).pathname : absolute).split(path.sep).join('/')
    const name = `${file} > ${context.fullName ?? context.name}`
    const seen = (this.seenNames.get(name) ?? 0) + 1
    this.seenNames.set(name, seen)
    return { id: seen === 1 ? name : `${name} #${seen}`, name, file }
  }

  private report(identity: TestIdentity, state: TestState, record: TestRecord): void {
    this.finished.push({ identity, record })
    // A literal, not a spread of the identity: once per test (Node 20 builds spreads slowly).
    this.send({ test: { id: identity.id, name: identity.name, file: identity.file, state }, record })
  }

  /** Reads the attribution of this process's tests (and writes captures) once they are all over. */
  private async finish(): Promise<void> {
    if (this.finishing || !this.session) return
    this.finishing = true
    const tests = this.finished
    this.finished = []
    const { attributions, retention } = await this.session.finishFile(tests)
    // One "file" per process: with process isolation it is the file; with --test-isolation=none
    // the whole run's files share the process, heap and results (named after the first file).
    const file = tests[0]?.identity.file ?? ''
    this.send({ file, attributions, retention })
  }

  /** Sends a batch to the reporting process, if one opened a channel (with --import alone, none did). */
  private send(batch: StreamedBatch): void {
    const channel = this.joinChannel()
    if (!channel) return
    try {
      sendResults(channel.dir, batch)
    } catch (error) {
      // The report is lost, but a test that passed must not fail for it: say so once.
      this.channel = null
      console.error(`heapmark: cannot send results to the reporting process (${(error as Error).message}); this process's tests will be missing from the report.`)
    }
  }

  private joinChannel(): { dir: string; settings: StreamedRunSettings } | null {
    // Joined late, at the first test: with --test-isolation=none, the reporter that opens the
    // channel loads after this module.
    if (this.channel === undefined) {
      this.channel = joinResultChannel<StreamedRunSettings>() ?? null
      if (this.channel) sendResults(this.channel.dir, { runner: { name: RUNNER_NAME, version: process.version } } satisfies StreamedBatch)
    }
    return this.channel
  }

  private createSession(): WorkerSession {
    // Tells `heapmark run` that heapmark was loaded in the test processes.
    const marker = process.env[RUN_MARKER_ENV]
    if (marker) writeFileSync(marker, `${RUNNER_NAME}\n`)
    return new WorkerSession({
      settings: workerSessionSettings(this.options, this.rootDir, { name: RUNNER_NAME, version: process.version }, this.joinChannel()?.settings.journalDir),
      mapPosition: createSourceMapMapper(),
      // node:test's own code runs from node: URLs, never from files.
      isRunnerFile: () => false,
    })
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
