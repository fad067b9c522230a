/**
 * The report model: plain JSON data that travels from test workers to the main process
 * (inside the runner's own per-test metadata) and is what the JSON report file contains.
 * Bump REPORT_VERSION on any incompatible change and document it in docs/json-report.md.
 */
export const REPORT_VERSION = 1

/** Where a frame's code lives; used to fold frames the user did not write. */
export type FrameKind = 'user' | 'dependency' | 'node' | 'heapmark'

export interface SourceFrame {
  /** Function name as V8 reports it; "(anonymous)" when it has none. */
  functionName: string
  /** Project-relative path with "/" separators for files under the root; absolute path or URL otherwise; "node:…" for Node internals. */
  file: string
  /** 1-based. For sampled allocations this is where the allocating function starts (V8 resolves per function). */
  line: number
  /** 1-based. */
  column: number
  kind: FrameKind
}

export interface AllocationSite {
  /** Innermost (the allocating function) first. */
  frames: SourceFrame[]
  /** Estimated bytes allocated at this site during the test. */
  bytes: number
  /** Estimated number of allocations at this site. */
  count: number
}

/**
 * Allocation sizes in fixed power-of-four buckets so that histograms of different tests
 * (and of different shards) can be added together. `upTo` is the inclusive upper bound in
 * bytes; `null` marks the open-ended last bucket.
 */
export interface SizeHistogramBucket {
  upTo: number | null
  /** Estimated number of allocations in this bucket. */
  count: number
  /** Estimated bytes allocated in this bucket. */
  bytes: number
}

export const HISTOGRAM_BOUNDS: readonly number[] = [
  64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]

export type TestState = 'passed' | 'failed' | 'skipped' | 'unknown'

/**
 * Why a test's allocation sites were not read. `below-threshold`: no test in its file peaked at
 * 1 MiB or allocated 4 MiB (reading costs a full GC); `not-shown`: no test in its file peaked as
 * high as the smallest of the `mostAllocations` largest peaks seen when it ended, so the summary
 * could not show it (see shown-peaks.ts); `unmarked`: its file had such a test, but ran in a worker
 * right after a file with none, and such files are not sampled (isolate: false, Jest's workers:
 * see GapAttribution.fileEnded()); `file-unfinished`: its file's results never
 * arrived (the worker stopped first); `heap-prof`: Node's --heap-prof held V8's one sampling heap
 * profiler; `precise-retention`: precise retention used it; `sampler-unavailable`: it could not be
 * opened in that worker.
 */
export type NotSampledReason = 'below-threshold' | 'not-shown' | 'unmarked' | 'file-unfinished' | 'heap-prof' | 'precise-retention' | 'sampler-unavailable'

export interface MemoryLimitResult {
  kind: 'memory'
  /** The limit as the user wrote it, e.g. "24 MB". */
  spec: string
  bytes: number
  /** The limit ignored worker_threads the test started. */
  currentThreadOnly: boolean
  /** Set when the limit judged the live peak (`measure: 'live'`); absent: the used peak. */
  measure?: 'live'
  /** Peak reached or exceeded the limit (always false when `notJudged`). */
  exceeded: boolean
  /**
   * Absent for a limitMemory limit. `default`: the run's `limit` option; `file`: the test file's
   * `@heapmark-limit` comment. Both apply to tests without limitMemory.
   */
  origin?: 'default' | 'file'
  /** Where that limit was set: "HEAPMARK_LIMIT", `heapmark option "limit"`, "@heapmark-limit at <file>:<line>". */
  from?: string
  /** A default or file limit was not judged: the test ran concurrently with others (see `shared`). */
  notJudged?: 'concurrent'
}

/** A location that kept memory alive after the test (or grew per iteration). */
export interface LeakLocationResult {
  /** Innermost first; empty for external memory. */
  frames: SourceFrame[]
  /** Bytes still alive (plain mode) or growth per iteration (iteration mode). */
  bytes: number
  count: number
  /** Buffer/ArrayBuffer contents, measured as a whole. */
  external: boolean
  /** Set when this is a worker thread the test started and left running (its thread id). */
  workerThread?: number
}

export interface LeakCheckResult {
  /** The limit as written, e.g. "1 MB". */
  spec: string
  bytes: number
  /** 1 in plain mode. */
  iterations: number
  warmup: number
  exceeded: boolean
  /** Offending locations (or the biggest ones when none offended), biggest first. */
  locations: LeakLocationResult[]
  /** Browser tests: what the test left in the DOM (per iteration in iteration mode). */
  dom?: DomLeakResult
}

/** Browser mode: DOM a test left alive, read through the page's DevTools protocol after forced GCs. */
export interface DomLeakResult {
  /** Detached trees (removed from the document, still referenced from JS), grouped by their root element. */
  detached: Array<{ root: string; trees: number; nodes: number }>
  /** Listeners added to the test frame's window or document and never removed. */
  listeners: Array<{ target: 'window' | 'document'; type: string; useCapture: boolean; handler: string; count: number }>
}

/** worker_threads a test started, sampled every 10 ms. */
export interface WorkerThreadsResult {
  count: number
  /** Sum of their heap peaks; included in the test's peakBytes. */
  peakBytes: number
  /** False when the runtime could not read their heaps (Node 20 inside a worker thread). */
  measured: boolean
}

export interface TestMemoryResult {
  /** The runner's unique test id. */
  id: string
  /** Display name: "<file> > <suite> > <test>". */
  name: string
  /** Project-relative test file. */
  file: string
  state: TestState
  /** High watermark above the level at test start: JS heap + external (ArrayBuffer/Buffer) memory, plus worker_threads the test started. */
  peakBytes: number
  /** The JS-heap part of the peak. */
  heapPeakBytes: number
  /** The external (ArrayBuffer/Buffer backing store) part of the peak. */
  externalPeakBytes: number
  /**
   * The most memory the test kept reachable at one time (this thread), unlike peakBytes, which also
   * counts garbage not yet collected. How far to trust it is in livePeakKind. Always written by this
   * version (optional only so reports of earlier versions still read and merge).
   */
  livePeakBytes?: number
  /**
   * "lower-bound": at least this much was live at once (read after GCs during the test);
   * "estimate": precise mode (livePeak on), within max(5%, 1 MiB) on the documented shapes;
   * "unknown": no GC ran during the test: livePeakBytes is the used peak, an upper bound.
   */
  livePeakKind?: 'lower-bound' | 'estimate' | 'unknown'
  /**
   * Set when V8 ran a full GC during the test (default mode): earlier tests' garbage it may have
   * freed was added back to the readings after it, so the peak may read high by up to this much
   * (the truth is between peakBytes minus this and peakBytes). Absent: no such correction.
   */
  peakUncertaintyBytes?: number
  /** Estimated bytes allocated during the test (sampled JS heap allocations + external growth). */
  totalBytes: number
  /** Estimated number of allocations (sampled; scaled to an estimate of the true count). */
  allocationCount: number
  /**
   * Whether allocation sites were read for this test. They are skipped (count, histogram and sites
   * empty) for files where no test peaked at 1 MiB or allocated 4 MiB: see docs/measuring.md.
   */
  sampled: boolean
  /** Why `sampled` is false: the one reason that applied. */
  notSampled?: NotSampledReason
  /** A sampling boundary was missed during the test, so samples after it are missing (rare: e^-16 per boundary). */
  sampledIncomplete?: true
  histogram: SizeHistogramBucket[]
  /** Biggest allocating sites, biggest first; trimmed to a handful. */
  sites: AllocationSite[]
  limit?: MemoryLimitResult
  /** The limitLeaks check, when the test has one. */
  leaks?: LeakCheckResult
  workerThreads?: WorkerThreadsResult
  /** Set when other tests ran in the same isolate at the same time: the numbers include their memory. */
  shared?: { overlapping: number }
  /** The test's peak in the last run where it passed, from the history file (absent: no history). */
  previousPeakBytes?: number
  /**
   * The test's last precise live peak (livePeakKind "estimate") in a run where it passed, from the
   * history file; absent when no run recorded one. The Markdown summary's increases use it with
   * `increaseMeasure: 'live'`.
   */
  previousLivePeakBytes?: number
  /**
   * Memory the test left reachable: live memory (after a full GC) at the next test's start minus
   * the level at this test's start. `exact` false: a lower bound (the start level held the garbage
   * of the tests since the last full GC, see docs/measuring.md). Absent when no full GC ran before
   * the next test (then it kept less than 1 MiB, or it was not the last test before a full GC).
   */
  retained?: {
    bytes: number
    exact: boolean
    /**
     * The full GC that measured it closed a window of several tests: `tests` of them (this one
     * included, the last) kept `bytes` together. This test kept at most that much, unless one of
     * the others freed memory.
     */
    window?: { tests: number; bytes: number }
    /** Precise mode only: where what the test allocated and left alive was allocated, biggest first. */
    sites?: AllocationSite[]
  }
  /** The --fail-on-increase verdict, when that option is on and the test has history. */
  increase?: IncreaseResult
  /**
   * Browser-mode tests: the browser the test ran in ("chromium"). Their peak is the page's JS heap
   * plus ArrayBuffer backing stores, read through the DevTools protocol (see the README).
   */
  browser?: string
  durationMs: number
}

export interface IncreaseResult {
  previousPeakBytes: number
  /** ISO time of the run that recorded previousPeakBytes. */
  previousRecordedAt: string
  /** Growth over previousPeakBytes the tolerance allowed. */
  allowedBytes: number
  exceeded: boolean
  /**
   * Set when the live peaks were compared (`increaseMeasure: 'live'`): previousPeakBytes is then
   * the last precise live peak. Absent: the used peaks.
   */
  measure?: 'live'
  /**
   * The test was not judged (exceeded is false). "live-not-precise": its live peak in this run is
   * a lower bound or unknown (precise mode fell back, or a runner without the flag), which moves
   * with V8's GC timing. "young-generation-changed": the used peaks were measured one with livePeak
   * (a 1 MiB young generation) and one without.
   */
  notJudged?: 'live-not-precise' | 'young-generation-changed'
}

export interface RunTotals {
  tests: number
  /** Largest per-test peak in the run. */
  peakBytes: number
  /** Sum of per-test allocated bytes. */
  totalBytes: number
  allocationCount: number
  limitFailures: number
  /** Tests whose peak grew past --fail-on-increase's tolerance. */
  increaseFailures: number
}

export interface MemoryReport {
  version: typeof REPORT_VERSION
  heapmarkVersion: string
  runner: { name: string; version: string }
  node: string
  createdAt: string
  /** Sampling interval of the heap profiler in bytes (smaller = more precise attribution, more cost). */
  samplingInterval: number
  /** All measured tests, largest peak first. */
  tests: TestMemoryResult[]
  totals: RunTotals
  /** Each test worker's live memory test by test, in the order it ran them. */
  workers: WorkerTimeline[]
  /** Workers that died before sending their results, or came close to their heap limit. */
  incidents: WorkerIncident[]
}

/** From the worker's journal: what is known about a worker that died or nearly ran out of heap. */
export interface WorkerIncident {
  worker: string
  kind: 'died' | 'near-heap-limit'
  /** The worker's V8 heap limit (--max-old-space-size and friends). */
  heapLimitBytes: number
  /** The test whose body was running when the worker died. */
  runningTest?: { name: string; file: string; liveBytesAtStart: number }
  /** The highest live memory (upper bound) seen at a test's start, and that test. */
  maxLive: { bytes: number; beforeTest: string }
  /** Tests that finished but whose results never reached the main process. */
  resultsLost: number
  /** Every test the worker started, in order, with what is known about it. */
  tests: Array<{ name: string; file: string; peakBytes?: number; retainedBytes?: number }>
  /**
   * Read once as the worker's heap usage crossed the near-limit threshold (core/oom/near-limit-sites.ts):
   * the allocation sites sampled since heapmark last read the profile (usually the file's start),
   * freed ones included, summed by the first frame in the user's code.
   */
  nearLimit?: {
    liveBytes: number
    duringTest?: string
    sites: NearLimitSite[]
    /** How long the worker's profile read took (before Node 26, V8 runs a full GC first): the one cost of this read. */
    profileMs?: number
  }
}

/** An allocation site read near the heap limit. `line`: where its function starts (1-based). */
export interface NearLimitSite {
  functionName: string
  file: string
  line: number
  bytes: number
}

export interface WorkerTimeline {
  /** "pid" (forks) or "pid/threadId" (threads). */
  worker: string
  points: TimelinePoint[]
}

/** The worker's live memory right after a test (or at a file's start, with no test). */
export interface TimelinePoint {
  /** Display name of the test that ended just before; absent at a file's start. */
  test?: string
  file: string
  /** Heap + external memory; garbage-free when `exact` (right after a full GC), else an upper bound. */
  bytes: number
  exact: boolean
}
