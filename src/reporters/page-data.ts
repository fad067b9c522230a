import type { TestState, WorkerIncident } from '../core/report/model.js'

/**
 * The data contract between the server side (flamegraph.ts, timeline.ts build it and
 * html-page.ts writes it into the page's JSON island #heapmark-data) and the page scripts in
 * client/ (which read it back). Types only, so the browser code can share them without pulling in
 * Node modules: client/tsconfig.json checks this file with the DOM library.
 */

/** The flamegraph page's data. */
export interface FlamegraphData {
  root: FlamegraphNode
}

/** Compact keys: a page may carry thousands of nodes. */
export interface FlamegraphNode {
  /** Function name. */
  n: string
  /** "file:line", "" for native. */
  f: string
  /** 0 user, 1 dependency, 2 Node internal / native. */
  k: 0 | 1 | 2
  /** Total bytes (self + callees). */
  v: number
  /** Self bytes. */
  s: number
  /** Estimated allocations, total. */
  a: number
  c: FlamegraphNode[]
}

/** Per test on the timeline page, what the page shows on hover and click. Compact keys: a page may carry thousands. */
export interface TimelineTest {
  /** Display name ("file > describe > test"). */
  n: string
  /** Index into `files`. */
  f: number
  /** 'running': the test a dead worker was running; 'lost': only its worker's journal knows it. */
  s: TestState | 'running' | 'lost'
  /** Peak bytes; null when unknown. */
  p: number | null
  /** Retained bytes; null when not measured (it kept under 1 MiB, or its results were lost). */
  r: number | null
  /** The retained figure is exact (else a lower bound). */
  x: boolean
  /** Allocation sites were read for this test (false: its file allocated too little, see docs/measuring.md). */
  m: boolean
  /** Allocation sites, biggest first: [bytes, estimated count, frame indexes innermost first]. */
  a: Array<[number, number, number[]]>
}

/** One worker's line, as columns: one entry per point, in run order. */
export interface TimelineWorker {
  id: string
  /** Live bytes (heap + external) after the point's test; null when not recorded (journal-only tests of a dead worker). */
  b: Array<number | null>
  /** 1: right after a full GC (garbage-free); 0: an upper bound. */
  e: Array<0 | 1>
  /** Index into `tests` of the test that just ended; -1 at a file's start. */
  t: number[]
  /** Index into `files`. */
  f: number[]
  incident?: TimelineIncident
}

export interface TimelineIncident {
  kind: WorkerIncident['kind']
  heapLimitBytes: number
  /** For a worker that died in a test: index into `tests`; that test is also the worker's last point, at its live memory when it started. */
  running: number | null
  maxLive: { bytes: number; beforeTest: string }
  resultsLost: number
}

export interface TimelineData {
  /** Tests that retained at least this many bytes are highlighted. */
  hot: number
  files: string[]
  /** Deduplicated frames: [function name, "file:line", kind: 0 your code, 1 node_modules, 2 Node internals]. */
  frames: Array<[string, string, 0 | 1 | 2]>
  tests: TimelineTest[]
  workers: TimelineWorker[]
}

