import type { AttributionOutcome } from '../core/attribution/attribution.js'
import type { ResolvedHeapmarkOptions } from '../core/config/options.js'
import type { TestRecord } from '../core/worker/test-result.js'
import type { FileRetention } from '../core/retention/retention.js'
import type { MemoryFacts } from '../core/report/memory-facts.js'

/** What the plugin hands to every worker through Vitest's provide/inject. */
export interface ProvidedSettings extends ResolvedHeapmarkOptions {
  /** The run's root (Vitest's root), for every project: test names and the history file hang on it. */
  rootDir: string
  /** The project name test names start with, in configs with projects (see test-names.ts). */
  projectName: string | undefined
  vitestVersion: string
  /** The run's journal folder (ReportCollector.journalDir). */
  journalDir: string
  /** The user's own test runner, which heapmark's runner extends. */
  userRunner: string | undefined
  /** Vitest's UI or HTML reporter is on: annotate each test with its memory. */
  annotate: boolean
}

declare module 'vitest' {
  interface ProvidedContext {
    heapmark: ProvidedSettings
  }
  interface TaskMeta {
    /** Per-test measurement, set when the test body ends. */
    heapmark?: TestRecord
    /** Per-file attribution keyed by test id, set when the file ends (a profile read costs a forced GC before Node 26). */
    heapmarkAttribution?: Record<string, AttributionOutcome>
    /** What the file's tests left alive, and the worker's live memory test by test. */
    heapmarkRetention?: FileRetention
    /** The test's memory in words, for Vitest's UI and HTML reporter (set in the main process, only when one of them is on). */
    heapmarkMemory?: MemoryFacts
  }
}
