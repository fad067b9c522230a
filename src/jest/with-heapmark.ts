import type { EnvironmentContext, JestEnvironment, JestEnvironmentConfig } from '@jest/environment'
import type { Circus } from '@jest/types'
import { shareWorkerState } from '../core/worker/worker-state.js'
import { HeapmarkError } from '../errors.js'
import { JestTestFile } from './test-file.js'
import { joinJestRun } from './worker.js'

/** A Jest test environment class, as `testEnvironment` modules export them. */
export type JestEnvironmentClass = new (config: JestEnvironmentConfig, context: EnvironmentContext) => JestEnvironment

/** circus' handler type is overloaded by event kind; heapmark passes every event through. */
type AnyEventHandler = (event: Circus.Event, state: Circus.State) => unknown

const WRAPPED = Symbol.for('heapmark.jest.environment')
const MEASURED = Symbol.for('heapmark.jest.measured-environment')
/** The circus events JestTestFile.handle acts on. */
const MEASURED_EVENTS = new Set<string>(['test_fn_start', 'test_fn_success', 'test_fn_failure', 'test_done'])

/**
 * Adds heapmark to a Jest test environment class (or a module exporting one as `TestEnvironment`
 * or `default`). For your own environment module:
 * `module.exports = require('heapmark/jest').withHeapmark(require('./my-environment'))`.
 * With heapmark off (no heapmark reporter switched it on for this run) the environment is the
 * base one: no event handler is added.
 */
export function withHeapmark<Base extends JestEnvironmentClass>(environment: Base | { TestEnvironment: Base } | { default: Base }): Base {
  const BaseEnvironment = environmentClassOf(environment, 'withHeapmark(Environment): the argument') as Base
  if ((BaseEnvironment as unknown as Record<symbol, unknown>)[WRAPPED]) return BaseEnvironment

  class HeapmarkEnvironment extends (BaseEnvironment as JestEnvironmentClass) {
    static readonly [WRAPPED] = true
    /** This test file's measurements; undefined while heapmark is off. */
    private readonly heapmarkFile: JestTestFile | undefined

    constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
      super(config, context)
      this.heapmarkFile = measureEnvironment(this, config, context.testPath)
    }

    override async teardown(): Promise<void> {
      try {
        await this.heapmarkFile?.finish()
      } finally {
        await super.teardown()
      }
    }
  }
  Object.defineProperty(HeapmarkEnvironment, 'name', { value: `Heapmark${BaseEnvironment.name || 'Environment'}` })
  return HeapmarkEnvironment as unknown as Base
}

/**
 * Adds heapmark to one environment instance for its test file: the body of each test is measured
 * through circus' events, which the environment receives in `handleTestEvent`. Undefined while
 * heapmark is off (no run opened a result channel). The caller ends the file with `finish()`
 * before the environment is torn down. Used by withHeapmark's constructor and by the test runner
 * `heapmark run -- jest` installs (which gets environments of any class, docblock ones included).
 */
export function measureEnvironment(environment: JestEnvironment, config: JestEnvironmentConfig, testPath: string): JestTestFile | undefined {
  const worker = joinJestRun(config)
  // Off: the environment stays the base one, without an event handler of ours.
  if (!worker) return undefined
  worker.sourceMaps.useProject({ config: config.projectConfig, globalConfig: config.globalConfig })
  const file = new JestTestFile(worker, testPath)
  // Test files get their own copy of `process`; limit wrappers there look for heapmark on it.
  const testProcess = (environment.global as { process?: object } | undefined)?.process
  if (testProcess) shareWorkerState(testProcess)
  // The base environment's own handler (a method or an instance property) keeps running. The
  // body's window opens after it and closes before it, so its work is not the test's.
  const baseHandler = environment.handleTestEvent?.bind(environment) as AnyEventHandler | undefined
  const handleMeasured = async (event: Circus.Event, state: Circus.State): Promise<void> => {
    if (event.name === 'test_fn_start') {
      await baseHandler?.(event, state)
      await file.handle(event)
    } else {
      await file.handle(event)
      await baseHandler?.(event, state)
    }
  }
  environment.handleTestEvent = ((event: Circus.Event, state: Circus.State) => {
    // Most of circus' ~12 events per test are not heapmark's: they go straight to the base handler,
    // without an async function's promise each.
    if (!MEASURED_EVENTS.has(event.name)) return baseHandler?.(event, state)
    return handleMeasured(event, state)
  }) as JestEnvironment['handleTestEvent']
  ;(environment as unknown as Record<symbol, unknown>)[MEASURED] = true
  return file
}

/** Whether heapmark already measures this environment instance (its class is withHeapmark's). */
export function isMeasured(environment: JestEnvironment): boolean {
  return (environment as unknown as Record<symbol, unknown>)[MEASURED] === true
}

/** The class in an environment module: its export itself, or its `TestEnvironment` or `default` export. */
export function environmentClassOf(module: unknown, name: string): JestEnvironmentClass {
  const candidate = typeof module === 'function' ? module : ((module as { TestEnvironment?: unknown } | null)?.TestEnvironment ?? (module as { default?: unknown } | null)?.default)
  if (typeof candidate !== 'function') throw new HeapmarkError('HEAPMARK_JEST_ENVIRONMENT', `${name} is not a Jest test environment class (nor a module exporting one as TestEnvironment or default): got ${describeValue(module)}`)
  return candidate as JestEnvironmentClass
}

/** What was given instead of an environment class, for the message. */
function describeValue(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value)
  return `an object with ${Object.keys(value).length > 0 ? `exports ${Object.keys(value).map((key) => JSON.stringify(key)).join(', ')}` : 'no exports'}`
}
