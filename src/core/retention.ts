import { threadId } from 'node:worker_threads'

/**
 * Memory a test left reachable after it finished: the growth of live memory (measured right after
 * a full GC, so garbage never counts) from the test's start to the next test's start.
 *
 * It costs no GC of its own by default. The memory meter already runs a full GC before a test when
 * more than 1 MiB may be stale, and those are the exact points used here: growth between two of
 * them belongs to the tests that ran in between (a "window"). A test that keeps 1 MiB or more
 * alive always closes its window by itself, since the next settle sees it as possibly stale; tests
 * that keep less are grouped until their growth adds up. Precise mode runs a full GC before every
 * test, so every window is one test.
 */
export interface TestRetention {
  /** Growth of live memory over the window this test closed (negative: memory was released). */
  retainedBytes: number
  /** Tests in the window: 1 means this test alone; n means this one and the n-1 before it. */
  acrossTests: number
}

/** Live memory of this worker after a test (upper bound unless `exact`). */
export interface RetentionPoint {
  /** The test that ended just before this point; absent at a file's start. */
  after?: string
  bytes: number
  exact: boolean
}

/** What a worker sends with each file. */
export interface FileRetention {
  /** "pid" or "pid/threadId": tests with the same worker share a heap across files. */
  worker: string
  tests: Record<string, TestRetention>
  timeline: RetentionPoint[]
}

export class RetentionTracker {
  private lastExact: number | undefined
  /** Tests that ended since the last exact point. */
  private window: string[] = []
  private tests: Record<string, TestRetention> = {}
  private timeline: RetentionPoint[] = []
  private readonly worker = threadId === 0 ? String(process.pid) : `${process.pid}/${threadId}`

  /** Some test ended since the last exact point. */
  get windowOpen(): boolean {
    return this.window.length > 0
  }

  /** A test finished (its window now waits for the next exact point). */
  ended(key: string): void {
    this.window.push(key)
  }

  /** A settled level of live memory, before a test starts or as a file ends. */
  observe(level: { bytes: number; exact: boolean }): void {
    const last = this.window.at(-1)
    this.timeline.push({ ...(last !== undefined ? { after: last } : {}), bytes: level.bytes, exact: level.exact })
    if (!level.exact) return
    if (this.lastExact !== undefined && last !== undefined) {
      this.tests[last] = { retainedBytes: level.bytes - this.lastExact, acrossTests: this.window.length }
    }
    this.lastExact = level.bytes
    this.window = []
  }

  /**
   * The file's retention, for its results. Windows still open (nothing exact since) are dropped:
   * the next file's imports would otherwise count as the last tests' retention.
   */
  takeFile(): FileRetention {
    const file = { worker: this.worker, tests: this.tests, timeline: this.timeline }
    this.tests = {}
    this.timeline = []
    this.window = []
    this.lastExact = undefined
    return file
  }
}
