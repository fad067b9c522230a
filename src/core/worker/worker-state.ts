import type { ActiveTest, LeakedLocation } from '../measure/test-measurement.js'

/** Lets a leak wrapper inside a test body open and close a leak window on the runner's measurer. */
export interface LeakProbe {
  begin(interval: number): Promise<void>
  end(): LeakedLocation[]
  /** Worker threads started in the window that still run, with their heap (asynchronous reads). */
  liveWorkers(): Promise<LeakedLocation[]>
}

/**
 * What a runner adapter shares with the limit wrappers running inside test bodies. Kept on a
 * `Symbol.for` key of `process` rather than in module scope: the test file and the adapter can
 * load different copies of heapmark (vm pools evaluate test files in their own context, and a
 * project may have two installs), but they always share the process object.
 */
export interface WorkerState {
  /** heapmark is measuring this run. */
  enabled: boolean
  /** The test whose body is running, if exactly one is (a subtest, not the parent it runs in). */
  current: ActiveTest | undefined
  /** Tests running right now in this isolate; a parent and the subtest it runs count once. */
  running: number
  /** Set by the runner adapter once it measures. */
  leakProbe: LeakProbe | undefined
  /** Settles the heap strictly and restarts the running test's reading (limit wrappers). */
  rebaseline: ((test: ActiveTest) => void) | undefined
}

const KEY = Symbol.for('heapmark.worker-state')

export function getWorkerState(): WorkerState {
  const holder = process as unknown as Record<symbol, WorkerState | undefined>
  return (holder[KEY] ??= { enabled: false, current: undefined, running: 0, leakProbe: undefined, rebaseline: undefined })
}

/**
 * For runners that hand test code a `process` object of its own (Jest copies it into every test
 * file's context): makes the limit wrappers running there find this worker's state.
 */
export function shareWorkerState(testProcess: object): void {
  Object.defineProperty(testProcess, KEY, { value: getWorkerState(), configurable: true, writable: true, enumerable: false })
}
