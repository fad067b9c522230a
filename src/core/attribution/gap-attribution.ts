import { AttributionAccumulator, SiteTable, type Attribution, type AttributionSettings } from './attribution.js'
import type { CaptureBuilder } from '../capture/builder.js'
import type { CollectedSamples, HeapSampler } from './heap-sampler.js'
import type { MemoryReading } from '../measure/active-reading.js'
import { currentLevel, youngBytes } from '../measure/heap-level.js'
import { ATTRIBUTION_MIN_ALLOCATED_BYTES, ATTRIBUTION_MIN_PEAK_BYTES } from './thresholds.js'

/**
 * The profile is read at least once this much was allocated (about 32k samples at the default
 * interval, a few MB of V8's sample store), so the store cannot grow without bound. Counted in
 * bytes, not files: a read is a forced full GC, and with isolate: false a read every 10 small
 * files was 12 of the 13 full GCs heapmark added to a suite of 2000 tiny tests.
 */
const MAX_UNREAD_ALLOCATION_BYTES = 512 * 1024 * 1024

/**
 * A test that starts right after another one ended, with the JS heap grown by less than this many
 * sampling intervals in between and no GC seen, needs no start marker of its own: its window opens
 * at the ended test's end marker. What ran in between (the runner's bookkeeping, light hooks) then
 * counts in the test's sites: at most ~4 samples' worth, ~1.5 on average (measured between two
 * Vitest 4.1 tests: 16-40 KiB in 9 of 10 gaps, heapmark's own ~5 KiB included, whose samples are
 * dropped anyway). It saves one marker (16 intervals of young garbage) per test.
 */
export const QUIET_GAP_INTERVALS = 4

/** JS heap in use, and the young generation's part (which shrinks only in a GC). */
function heapLevel(): { heap: number; young: number } {
  return { heap: currentLevel().heap, young: youngBytes() }
}

/**
 * Who allocated what, per test, from one sampling session that spans many tests: each test start
 * and end is a numbered boundary (heap-sampler.ts), the session is read now and then (a forced
 * full GC inside V8), and each sample goes to the tests that were running in its gap.
 */
export class GapAttribution {
  /** Tests running in each gap between boundaries of the current sampling session. */
  private gapTests: string[][] = [[]]
  private readonly accumulators = new Map<string, AttributionAccumulator>()
  private readonly captures = new Map<string, CaptureBuilder>()
  /** Finished tests all of whose samples have been read. */
  private readonly readKeys = new Set<string>()
  /** A test since the last read used enough memory to make reading the profile worthwhile. */
  private worthReading = false
  /** Bytes tests allocated (markers included) since the last read: what V8's sample store holds. */
  private allocatedSinceRead = 0
  /**
   * Mark test boundaries (and so attribute allocations) in the current file. Each boundary
   * allocates 16 sampling intervals (256 KiB) of young garbage, which on a suite of 1 ms tests
   * doubled the scavenges. A worker's first file is marked; a later file (isolate: false) only
   * when the file before it had a test that reached the attribution thresholds, or with captures.
   * Tests in unmarked files read as not sampled; one with a limit is still sampled (rebaseline()).
   */
  private marking = true
  private fileWorthMarking = false
  /** Boundary marker bytes made since the last settle. */
  private markerGarbage = 0
  /**
   * The last boundary, when it was a test's end with no test running after it: the heap then, so
   * the next test can start on it if nothing happened in between (see QUIET_GAP_INTERVALS).
   */
  private openEnd: { boundary: number; heap: number; young: number } | undefined
  /** Every test's sites come from the same reads: each profile node's site is worked out once. */
  private readonly siteTable: SiteTable

  constructor(
    /** The session's sampler; undefined when attribution does not have V8's sampler. */
    private readonly sampler: HeapSampler | undefined,
    private readonly settings: AttributionSettings,
    private readonly maxSites: number,
    /** Mark every file (captures need every test's samples). */
    private readonly alwaysMark: boolean,
    /** Keys of the tests running now. */
    private readonly activeKeys: () => string[],
    /** Whether V8's sampler may be paused between files (not once the near-limit watcher wants samples). */
    private readonly mayPause: () => boolean = () => true,
  ) {
    this.siteTable = new SiteTable(settings)
    // Nothing is attributed before a test starts: the worker's start-up and the file's imports and
    // collection would only cost samples (see HeapSampler.pause()). The first marked test resumes it.
    if (this.mayPause()) this.pause()
  }

  /** A test starts (call before it joins the running tests). */
  begin(key: string): void {
    // A retry or repeat of the same test: report the last attempt only, so earlier attempts'
    // samples (still unread) must not flow into the new accumulator.
    if (this.accumulators.has(key)) this.forgetAttempt(key)
    if (!this.marking) return
    this.resume()
    if (this.startsOnLastEnd()) {
      // One marker for two boundaries: the ended test's window closed at it, this one opens there.
      this.accumulators.set(key, new AttributionAccumulator(this.settings, this.siteTable))
      this.gapTests[this.openEnd!.boundary + 1] = [key]
      this.openEnd = undefined
      return
    }
    const boundary = this.open(key)
    if (boundary !== undefined) this.gapTests[boundary + 1] = [...this.activeKeys(), key]
  }

  /**
   * Samples a test from now on even where boundaries are off: a running test with a limit, or
   * (`starting`) one that begins now and is not among the running tests yet.
   */
  ensureSampled(key: string, starting = false): void {
    if (this.accumulators.has(key)) return
    this.resume()
    const boundary = this.open(key)
    if (boundary !== undefined) this.gapTests[boundary + 1] = starting ? [...this.activeKeys(), key] : this.activeKeys()
  }

  /** A test ended (call after it left the running tests). */
  end(key: string, reading: MemoryReading): void {
    const marked = this.accumulators.has(key)
    this.allocatedSinceRead += reading.heapAllocatedBytes
    if (reading.peakBytes >= ATTRIBUTION_MIN_PEAK_BYTES || reading.heapAllocatedBytes + reading.externalAllocatedBytes >= ATTRIBUTION_MIN_ALLOCATED_BYTES) {
      if (marked) this.worthReading = true
      this.fileWorthMarking = true
    }
    if (marked && this.sampler) {
      const boundary = this.mark()
      const running = this.activeKeys()
      this.gapTests[boundary + 1] = running
      if (running.length === 0) {
        const level = heapLevel()
        this.openEnd = { boundary, heap: level.heap, young: level.young }
      }
    }
  }

  /**
   * Whether the test starting now can open its window at the last test's end marker: nothing ran
   * since (no other boundary, no test), no GC (young memory only shrinks in one), and the heap grew
   * by less than QUIET_GAP_INTERVALS intervals. A GC in between goes unseen only if the young
   * generation refilled to within those bytes of its level at the end marker: then the gap's
   * allocations count in this test's sites (never in its peak or totals, which are measured apart).
   */
  private startsOnLastEnd(): boolean {
    if (!this.openEnd || !this.sampler || this.activeKeys().length > 0) return false
    const now = heapLevel()
    const grown = now.heap - this.openEnd.heap
    return now.young >= this.openEnd.young && grown >= 0 && grown < QUIET_GAP_INTERVALS * this.settings.interval
  }

  /** Whether the current file marks every test's boundaries (see fileEnded()). */
  get marksBoundaries(): boolean {
    return this.marking
  }

  /**
   * The current file had a test worth reading, but its boundaries were off (the file before it in
   * this worker had none): its tests were not sampled. Ask before fileEnded().
   */
  get fileUnmarked(): boolean {
    return !this.marking && this.fileWorthMarking
  }

  /** A file ended: the next one marks test boundaries only if this one had a test worth reading. */
  fileEnded(): void {
    this.marking = this.alwaysMark || this.fileWorthMarking
    this.fileWorthMarking = false
    // The file's samples are read (or dropped) by now, and no sample is used until a marked test
    // starts: V8's sampler pauses through the next file's imports and collection, and through a
    // whole unmarked file (its tests read as not sampled): with isolate: false, most files of a
    // suite of small tests.
    if (this.mayPause()) this.pause()
  }

  /** Pauses V8's sampler (see HeapSampler.pause()): what it sampled and not read is dropped. */
  pause(): void {
    if (!this.sampler || this.sampler.paused) return
    this.sampler.pause()
    this.gapTests = [this.activeKeys()]
    this.openEnd = undefined
    this.allocatedSinceRead = 0
  }

  /** Samples again after pause(), in a new session. */
  resume(): void {
    if (!this.sampler?.paused) return
    this.sampler.resume()
    this.gapTests = [this.activeKeys()]
    this.openEnd = undefined
    this.allocatedSinceRead = 0
  }

  /** Marker bytes made since the last call: young garbage the settle accounts for. */
  takeMarkerGarbage(): number {
    const bytes = this.markerGarbage
    this.markerGarbage = 0
    return bytes
  }

  /**
   * Reads the profile when a test since the last read was big enough to be worth it (or `force`),
   * unless the caller knows no finished test's sites would be shown (`shown: false`); otherwise
   * drops the finished tests' attribution. Returns whether it read.
   */
  collectIfWorthwhile(force: boolean, shown = true): boolean {
    // The bound on V8's sample store (MAX_UNREAD_ALLOCATION_BYTES) forces a read even when nothing is shown.
    if (shown ? this.wouldCollect(force) : force || this.allocatedSinceRead >= MAX_UNREAD_ALLOCATION_BYTES) {
      this.collect()
      this.worthReading = false
      return true
    }
    // A read skipped because nothing would be shown: the next file must not inherit the wish.
    this.worthReading = false
    // Finished tests whose samples are still in the unread profile get no attribution; those whose
    // window ended before an earlier read (e.g. a limit failure's) keep theirs.
    for (const key of [...this.accumulators.keys()]) {
      if (!this.isActive(key) && !this.readKeys.has(key)) this.accumulators.delete(key)
    }
    return false
  }

  /** Whether collectIfWorthwhile(force) would read the profile now. */
  wouldCollect(force: boolean): boolean {
    return force || this.worthReading || this.allocatedSinceRead >= MAX_UNREAD_ALLOCATION_BYTES
  }

  /** Reads the sampling profile (a forced full GC inside V8) and hands its samples to their tests. */
  collect(): void {
    // Not a retention point: the read's full GC ran inside V8, before the profile it returns
    // was built, so the heap after it is not garbage-free.
    this.allocatedSinceRead = 0
    if (this.sampler) this.distribute(this.sampler.collect())
    else this.accumulators.clear()
  }

  /** Hands a read session's samples to the tests of their gaps. */
  distribute({ samples, parents, confirmedBoundaries }: CollectedSamples): void {
    for (const sample of samples) {
      for (const key of this.gapTests[sample.gap] ?? []) this.accumulators.get(key)?.add(sample, parents)
    }
    // Tests whose window runs past a missed boundary lose the samples after it; say so.
    for (let gap = confirmedBoundaries + 1; gap < this.gapTests.length; gap++) {
      for (const key of this.gapTests[gap] ?? []) {
        const accumulator = this.accumulators.get(key)
        if (accumulator) accumulator.incomplete = true
      }
    }
    this.gapTests = [this.activeKeys()]
    this.openEnd = undefined
    for (const key of this.accumulators.keys()) if (!this.isActive(key)) this.readKeys.add(key)
  }

  /** The attribution of a finished test; call collect() first. Forgets it. */
  takeAttribution(key: string): Attribution | undefined {
    const accumulator = this.accumulators.get(key)
    if (!accumulator || this.isActive(key)) return undefined
    this.accumulators.delete(key)
    this.readKeys.delete(key)
    if (accumulator.capture) this.captures.set(key, accumulator.capture)
    return accumulator.finish(this.maxSites)
  }

  /** Attributions of every finished test; call collect() first. */
  takeFinishedAttributions(): Map<string, Attribution> {
    const result = new Map<string, Attribution>()
    for (const key of [...this.accumulators.keys()]) {
      const attribution = this.takeAttribution(key)
      if (attribution) result.set(key, attribution)
    }
    return result
  }

  /** The capture tree of a test whose attribution was taken. Forgets it. */
  takeCapture(key: string): CaptureBuilder | undefined {
    const capture = this.captures.get(key)
    this.captures.delete(key)
    return capture
  }

  /** Starts sampling a test's allocations: an accumulator and a boundary marker. Returns the boundary's index. */
  private open(key: string): number | undefined {
    this.accumulators.set(key, new AttributionAccumulator(this.settings, this.siteTable))
    return this.sampler ? this.mark() : undefined
  }

  private mark(): number {
    this.openEnd = undefined
    this.markerGarbage += this.sampler!.markerBytes
    this.allocatedSinceRead += this.sampler!.markerBytes
    return this.sampler!.mark()
  }

  private forgetAttempt(key: string): void {
    this.accumulators.delete(key)
    this.gapTests = this.gapTests.map((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : keys))
    this.readKeys.delete(key)
    this.captures.delete(key)
  }

  private isActive(key: string): boolean {
    return this.activeKeys().includes(key)
  }
}
