import { threadId } from 'node:worker_threads'
import type { AllocationSite } from '../report/model.js'

/**
 * Memory a test left reachable after it finished: live memory (measured right after a full GC,
 * so garbage never counts) when the next test starts, minus the level when this test started.
 *
 * It costs no GC of its own by default. Before every test the memory meter settles the heap, and
 * runs a full GC after a test that grew it by 1 MiB or more, once the heap grew by the meter's
 * keeper budget since its last full GC (1 MiB, more while such GCs find only garbage): that gives
 * the exact end point. The start level is exact when a full GC ran before the test too, otherwise
 * an upper bound of live memory (it holds the garbage of the tests since the last full GC): the
 * difference is then a lower bound of what the test kept, and never blames a test for more than
 * it kept. When the window since the last full GC covers several tests, the figure also says what
 * they kept together (`window`): the test kept at most that much, unless one of them freed memory.
 * Tests of a window other than its last stay unmeasured individually; their growth shows in the
 * worker's timeline. Precise mode runs a full GC before every test, making every figure exact.
 */
export interface TestRetention {
  /** Live memory at the next test's start minus the level at this test's start (negative: it freed memory). */
  retainedBytes: number
  /** The start level came from a full GC too (otherwise the figure is a lower bound). */
  exact: boolean
  /**
   * The figure closed a window of several tests since the last full GC: `tests` of them (this one
   * included) kept `retainedBytes` together, measured between two full GCs.
   */
  window?: { tests: number; retainedBytes: number }
  /** Precise mode: the allocation sites of what the test allocated that was still alive, biggest first. */
  sites?: AllocationSite[]
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

type Level = { bytes: number; exact: boolean }

export class RetentionTracker {
  /** Tests that ended since the last exact point, with their start levels. */
  private window: Array<{ key: string; start: Level }> = []
  /** The last exact point of this file: where the open window started. */
  private windowStart: number | undefined
  private readonly starts = new Map<string, Level>()
  private tests: Record<string, TestRetention> = {}
  private timeline: RetentionPoint[] = []
  private readonly worker = threadId === 0 ? String(process.pid) : `${process.pid}/${threadId}`

  /** Some test ended since the last exact point. */
  get windowOpen(): boolean {
    return this.window.length > 0
  }

  /** Sites read for a test's live window (precise mode); they join its retention when it is measured. */
  private readonly pendingSites = new Map<string, AllocationSite[]>()

  setSites(key: string, sites: AllocationSite[]): void {
    this.pendingSites.set(key, sites)
  }

  /** A test starts on this settled level. */
  started(key: string, level: Level): void {
    this.starts.set(key, level)
  }

  /** A test finished; its retention is known at the next exact point. */
  ended(key: string): void {
    const start = this.starts.get(key)
    this.starts.delete(key)
    if (start) this.window.push({ key, start })
  }

  /**
   * A settled level of live memory, before a test starts or as a file ends. Returns the test
   * whose retention it measured, if any.
   */
  observe(level: Level): { key: string; retention: TestRetention } | undefined {
    const last = this.window.at(-1)
    // Two literals, not a conditional spread: once per settle (see ActiveReading.stop()).
    this.timeline.push(last ? { after: last.key, bytes: level.bytes, exact: level.exact } : { bytes: level.bytes, exact: level.exact })
    if (!level.exact) return undefined
    const windowStart = this.windowStart
    this.windowStart = level.bytes
    if (!last) return undefined
    const sites = this.pendingSites.get(last.key)
    this.pendingSites.clear()
    const together = this.window.length > 1 && windowStart !== undefined ? { window: { tests: this.window.length, retainedBytes: level.bytes - windowStart } } : {}
    const retention: TestRetention = { retainedBytes: level.bytes - last.start.bytes, exact: last.start.exact, ...together, ...(sites ? { sites } : {}) }
    this.tests[last.key] = retention
    this.window = []
    return { key: last.key, retention }
  }

  /**
   * The file's retention, for its results. A window still open is dropped: the next file's
   * imports would otherwise count as its last test's retention.
   */
  takeFile(): FileRetention {
    const file = { worker: this.worker, tests: this.tests, timeline: this.timeline }
    this.tests = {}
    this.timeline = []
    this.window = []
    this.windowStart = undefined
    return file
  }
}
