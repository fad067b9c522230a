// What a test's measurement is made of, shared by the measurer, the limit wrappers, the worker state
// and the adapters. Types only (and one pure helper), so it imports no module that imports it.
import type { ActiveReading, MemoryReading } from './active-reading.js'
import type { LeakCheckResult, SourceFrame } from '../report/model.js'
import type { WorkerThreadsUsage } from './worker-threads.js'

/** A test being measured. Runner adapters hold it between begin() and end(). */
export interface ActiveTest {
  readonly key: string
  /**
   * The test this one runs inside (a subtest started from its parent's body), if the runner nests
   * tests. A test's ancestors are part of its context, not concurrent with it: neither counts as
   * overlapping the other, and the parent's reading includes its subtests.
   */
  readonly parent?: ActiveTest
  /** How many other tests (not ancestors or descendants) were running in this isolate while this one ran. */
  overlapping: number
  readonly startedAt: number
  /** Set by a limit wrapper inside the test body. */
  limit?: MemoryLimit
  /** Set by limitLeaks when it opens its window (a test takes one). */
  leakCheckStarted?: boolean
  /** What limitLeaks found, for the report. */
  leakCheck?: LeakCheckResult
  /** @internal */ reading: ActiveReading
}

export interface MemoryLimit {
  spec: string
  bytes: number
  /** Judge only this thread's peak, not worker_threads the test started. */
  currentThreadOnly: boolean
  /** Judge the live peak instead of the used peak (see live-peak.ts). */
  measure?: 'live'
}

/** Memory allocated in a leak window and still alive after it, from one allocating stack. */
export interface LeakedLocation {
  /** Innermost first. Empty for external memory. */
  frames: SourceFrame[]
  /** Estimated bytes still alive. */
  bytes: number
  /** Estimated objects still alive. */
  count: number
  /** Buffer/ArrayBuffer contents that stayed alive: measured as a whole, not per stack. */
  external: boolean
  /** A worker thread the test started that was still running, holding this much heap. */
  workerThread?: number
}

export interface TestMeasurement {
  key: string
  reading: MemoryReading
  workerThreads: WorkerThreadsUsage | undefined
  overlapping: number
  durationMs: number
}

/** Whether `candidate` is `test` or one of the tests `test` runs inside. */
export function isAncestor(candidate: ActiveTest, test: ActiveTest | undefined): boolean {
  for (let current = test; current; current = current.parent) if (current === candidate) return true
  return false
}
