import { AttributionAccumulator, type Attribution, type AttributionSettings } from './attribution.js'
import { HeapSampler } from './heap-sampler.js'
import { MemoryMeter, type ActiveReading, type MemoryReading } from './memory-meter.js'
import { WorkerThreadsMeter, type WorkerThreadsUsage } from './worker-threads.js'
import { createFrameResolver, isHeapmarkUrl, type PositionMapper } from './frames.js'
import type { CollectedSamples, ProfileCallFrame, ProfileNode } from './heap-sampler.js'
import type { SourceFrame } from './report/model.js'
import { getGc, type GcFunction } from './gc.js'
import { HeapmarkError } from '../errors.js'
import type { LeakCheck } from './leaks.js'
import type { CaptureBuilder } from './capture/builder.js'
import { createSampleDecoder } from './sample-size.js'
import { RetentionTracker, type FileRetention, type TestRetention } from './retention.js'

/**
 * Reading a profile costs a forced full GC (~10-15 ms on a test worker's heap), so it is only
 * worth it when some test in the batch used enough memory for its allocation sites to matter: at a
 * 16 KiB interval a test under 1 MiB gets a few dozen samples, mostly the runner's own.
 */
export const ATTRIBUTION_MIN_PEAK_BYTES = 1024 * 1024
export const ATTRIBUTION_MIN_ALLOCATED_BYTES = 4 * 1024 * 1024
/**
 * The profile is read at least once this much was allocated (about 32k samples at the default
 * interval, a few MB of V8's sample store), so the store cannot grow without bound. Counted in
 * bytes, not files: a read is a forced full GC, and with isolate: false a read every 10 small
 * files was 12 of the 13 full GCs heapmark added to a suite of 2000 tiny tests.
 */
const MAX_UNREAD_ALLOCATION_BYTES = 512 * 1024 * 1024

export interface MeasurerOptions {
  samplingInterval: number
  /** Frames per allocation site. */
  stacks: number
  rootDir: string
  mapPosition?: PositionMapper
  /** Sites kept per test. */
  maxSites?: number
  /** Keep each test's samples with full stacks, for capture files. */
  captures?: boolean
  /**
   * Run a full GC before every test, so each test's retained memory is measured on its own, and
   * sample each test in a live-only window to name the allocation sites still holding it. V8 has
   * one sampling profiler, so allocation sites of what tests allocated are then not read.
   */
  preciseRetention?: boolean
  /**
   * Today's exact settle before every test instead of the cheap default: a full GC whenever the
   * heap grew 1 MiB since the last one, and at every file's first test (see docs/measuring.md).
   */
  precise?: boolean
  /** Files of the runner itself: what they keep alive is not a test's. */
  isRunnerFile?: (file: string) => boolean
  /**
   * Sample allocations at all. False when something else owns V8's one sampling heap profiler
   * (Node's --heap-prof): starting or reading ours would silently take Node's data.
   */
  sampling?: boolean
}

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
  leakCheck?: LeakCheck
  /** @internal */ reading: ActiveReading
}

export interface MemoryLimit {
  spec: string
  bytes: number
  /** Judge only this thread's peak, not worker_threads the test started. */
  currentThreadOnly: boolean
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

/** Allocation sites kept per test in precise retention mode. */
const RETAINED_SITES_KEPT = 5

/** Frames kept per leaked location: enough to tell callers apart and show them. */
const LEAK_STACK_DEPTH = 32

export interface TestMeasurement {
  key: string
  reading: MemoryReading
  workerThreads: WorkerThreadsUsage | undefined
  overlapping: number
  durationMs: number
}

/**
 * Measures tests in this isolate: peak and totals right away at test end (GCProfiler), attribution
 * (who allocated) later, when the runner asks for it with collect(): reading the sampling profile
 * forces a full GC, so adapters do it once per file, or at once for a test with a limit.
 */
export class TestMeasurer {
  /** The earlier test whose retention the last begin() (or takeFileRetention()) measured. */
  closedRetention: { key: string; retention: TestRetention } | undefined
  /** Why allocation sampling is off in this worker, if it is (besides --heap-prof). */
  samplingUnavailable: string | undefined
  private readonly meter = new MemoryMeter()
  private readonly retention = new RetentionTracker()
  /** No test of the current file has started yet. */
  private fileStart = true
  private readonly preciseRetention: boolean
  private readonly precise: boolean
  /** Precise retention: the sampler, used for one live-only window per test instead of attribution. */
  private readonly retainedSampler: HeapSampler | undefined
  /** The test whose live-only window is open. */
  private retainedWindowKey: string | undefined
  private readonly isRunnerFile: (file: string) => boolean
  private readonly gc = getGc()
  private leakExternalBase = 0
  private leakWindowStart = 0
  private readonly workerThreads = new WorkerThreadsMeter()
  private readonly sampler: HeapSampler | undefined = undefined
  private readonly settings: AttributionSettings
  private readonly active = new Set<ActiveTest>()
  /** Tests running in each gap between boundaries of the current sampling session. */
  private gapTests: string[][] = [[]]
  private readonly accumulators = new Map<string, AttributionAccumulator>()
  private readonly captures = new Map<string, CaptureBuilder>()
  private readonly maxSites: number
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
  private readonly alwaysMark: boolean
  private fileWorthMarking = false
  /** Boundary marker bytes made since the last settle. */
  private markerGarbage = 0
  /** Finished tests all of whose samples have been read. */
  private readonly readKeys = new Set<string>()

  constructor(options: MeasurerOptions) {
    const sampler = options.sampling === false ? undefined : this.openSampler(options.samplingInterval)
    this.preciseRetention = options.preciseRetention === true
    this.precise = options.precise === true
    this.isRunnerFile = options.isRunnerFile ?? (() => false)
    if (this.preciseRetention && sampler) {
      sampler.stop() // the attribution session it opened with: precise mode samples survivors instead
      this.retainedSampler = sampler
    } else {
      this.sampler = sampler
    }
    this.maxSites = options.maxSites ?? 10
    this.alwaysMark = options.captures === true
    this.settings = {
      interval: options.samplingInterval,
      depth: Math.max(1, options.stacks),
      resolveFrame: createFrameResolver({ rootDir: options.rootDir, ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}) }),
      decode: createSampleDecoder(options.samplingInterval),
      isOwnAllocation: createOwnAllocationCheck(),
      ...(options.captures ? { captureRootDir: options.rootDir } : {}),
    }
  }

  /** Live memory (upper bound) as the last test started. */
  get lastLevelBytes(): number {
    return this.meter.lastLevel.bytes
  }

  /**
   * heapmark failing to open the inspector must not fail the user's tests: peaks and totals need
   * no inspector, so it degrades to them, says so once, and limitLeaks refuses loudly.
   */
  private openSampler(interval: number): HeapSampler | undefined {
    try {
      return new HeapSampler(interval)
    } catch (error) {
      this.samplingUnavailable = error instanceof Error ? error.message : String(error)
      console.warn(
        `heapmark: allocation sampling is unavailable in this worker (${this.samplingUnavailable}): ` +
          'peaks, totals and retained memory are measured; allocation sites are not, and limitLeaks cannot run.',
      )
      return undefined
    }
  }

  begin(key: string, parent?: ActiveTest): ActiveTest {
    // A retry or repeat of the same test: report the last attempt only, so earlier attempts'
    // samples (still unread) must not flow into the new accumulator.
    if (this.accumulators.has(key)) this.forgetAttempt(key)
    const boundary = this.marking ? this.openAttribution(key) : undefined
    this.readRetainedSites()
    // Precise policy: a file's first test starts on a full GC, so whatever the previous file
    // released does not sit in its start level (an upper bound), hiding what the test keeps.
    // The boundary markers made since the last settle: garbage heapmark made, not the tests'.
    const knownGarbage = this.meter.settle({
      knownYoungGarbage: this.takeMarkerGarbage(),
      full: this.preciseRetention || (this.precise && this.fileStart),
      precise: this.precise,
    })
    this.fileStart = false
    this.closedRetention = this.retention.observe(this.meter.lastLevel)
    this.retention.started(key, this.meter.lastLevel)
    if (this.retainedSampler && this.active.size === 0) {
      this.retainedSampler.startLiveSession(this.settings.interval)
      this.retainedWindowKey = key
    }
    let overlapping = 0
    for (const other of this.active) {
      if (isAncestor(other, parent)) continue
      other.overlapping++
      overlapping++
    }
    this.workerThreads.begin(key)
    if (boundary !== undefined) this.gapTests[boundary + 1] = [...this.activeKeys(), key]
    // Last, so heapmark's own bookkeeping above is not part of the test's reading.
    const test: ActiveTest = { key, ...(parent ? { parent } : {}), overlapping, startedAt: performance.now(), reading: this.meter.start(knownGarbage) }
    this.active.add(test)
    return test
  }

  /**
   * Starts a test's reading again on a fully settled heap. A limit wrapper calls it as the body
   * begins: the default settle leaves earlier tests' garbage that a GC during the test may free
   * (corrected, within a stated uncertainty), and a limit verdict must not flip on that.
   */
  rebaseline(test: ActiveTest): void {
    this.meter.discard(test.reading)
    // A limit failure shows allocation sites: sample this test even where boundaries are off.
    if (!this.accumulators.has(test.key)) {
      const boundary = this.openAttribution(test.key)
      if (boundary !== undefined) this.gapTests[boundary + 1] = this.activeKeys()
    }
    this.takeMarkerGarbage()
    this.meter.settle({ strict: true, full: true })
    test.reading = this.meter.start(0)
  }

  end(test: ActiveTest): TestMeasurement {
    const { liveAtStart, ...reading } = test.reading.stop()
    const durationMs = performance.now() - test.startedAt
    this.meter.observe({ ...reading, ...(liveAtStart ? { liveAtStart } : {}) })
    const marked = this.accumulators.has(test.key)
    this.allocatedSinceRead += reading.heapAllocatedBytes
    if (reading.peakBytes >= ATTRIBUTION_MIN_PEAK_BYTES || reading.heapAllocatedBytes + reading.externalAllocatedBytes >= ATTRIBUTION_MIN_ALLOCATED_BYTES) {
      if (marked) this.worthReading = true
      this.fileWorthMarking = true
    }
    const workerThreads = this.workerThreads.end(test.key)
    this.active.delete(test)
    this.retention.ended(test.key)
    if (marked && this.sampler) {
      const boundary = this.mark()
      this.gapTests[boundary + 1] = this.activeKeys()
    }
    return { key: test.key, reading, workerThreads, overlapping: test.overlapping, durationMs }
  }

  /**
   * Reads the profile when a test since the last read was big enough to be worth it (or `force`);
   * otherwise drops the finished tests' attribution.
   */
  collectIfWorthwhile(force: boolean): void {
    if (force || this.worthReading || this.allocatedSinceRead >= MAX_UNREAD_ALLOCATION_BYTES) {
      this.collect()
      this.worthReading = false
      return
    }
    // Finished tests whose samples are still in the unread profile get no attribution; those whose
    // window ended before an earlier read (e.g. a limit failure's) keep theirs.
    for (const key of [...this.accumulators.keys()]) {
      if (!this.isActive(key) && !this.readKeys.has(key)) this.accumulators.delete(key)
    }
  }

  /** Starts sampling a test's allocations: a boundary marker and an accumulator. Returns the boundary's index. */
  private openAttribution(key: string): number | undefined {
    this.accumulators.set(key, new AttributionAccumulator(this.settings))
    return this.sampler ? this.mark() : undefined
  }

  private mark(): number {
    this.markerGarbage += this.sampler!.markerBytes
    this.allocatedSinceRead += this.sampler!.markerBytes
    return this.sampler!.mark()
  }

  /** Marker bytes made since the last call: young garbage the settle accounts for. */
  private takeMarkerGarbage(): number {
    const bytes = this.markerGarbage
    this.markerGarbage = 0
    return bytes
  }

  /** Reads the sampling profile (a forced full GC inside V8) and hands its samples to their tests. */
  collect(): void {
    // Not a retention point: the read's full GC ran inside V8, before the profile it returns
    // was built, so the heap after it is not garbage-free.
    this.allocatedSinceRead = 0
    if (this.sampler) this.distribute(this.sampler.collect())
    else this.accumulators.clear()
  }

  /**
   * Closes the file's retention windows (settling the heap as before a test) and returns what the
   * file's tests left alive. Call after the file's last test, before its modules are released.
   */
  takeFileRetention(): FileRetention {
    this.closedRetention = undefined
    this.fileStart = true
    // The next file in this worker marks test boundaries only if this one had a test whose
    // allocation sites are worth reading (see `marking`).
    this.marking = this.alwaysMark || this.fileWorthMarking
    this.fileWorthMarking = false
    this.readRetainedSites()
    if (this.retention.windowOpen) {
      this.meter.settle({ full: this.preciseRetention, precise: this.precise })
      this.closedRetention = this.retention.observe(this.meter.lastLevel)
    }
    return this.retention.takeFile()
  }

  /**
   * Starts a leak window: reads the normal session (its forced GC also clears the garbage made so
   * far) and samples only what will survive, at `interval`. See endLeakWindow().
   */
  beginLeakWindow(interval: number): void {
    if (!this.sampler) {
      throw new HeapmarkError(
        'HEAPMARK_LIMIT_MISUSE',
        this.retainedSampler
          ? "limitLeaks() cannot run with preciseRetention on: both need V8's one sampling heap profiler (precise retention already names what each test keeps alive)."
          : this.samplingUnavailable
            ? `limitLeaks() cannot run: heapmark could not open V8's sampling heap profiler in this worker (${this.samplingUnavailable}).`
            : "limitLeaks() cannot run while Node's --heap-prof uses V8's one sampling heap profiler: remove --heap-prof for this run.",
      )
    }
    this.distribute(this.sampler.stop())
    // Reading the profile just ran a full GC: a good enough baseline for external memory. (Stores
    // freed by it but released later only make the leak look smaller, never invent one.)
    this.leakExternalBase = process.memoryUsage().external
    // Last, so nothing heapmark allocates above (frame caches, source maps) counts as the test's.
    this.sampler.startLiveSession(interval)
    this.leakWindowStart = performance.now()
  }

  /** Worker threads started in the leak window and still running, as leaked locations. */
  async liveWorkerLeaks(key: string): Promise<LeakedLocation[]> {
    const workers = await this.workerThreads.liveWorkersSince(key, this.leakWindowStart)
    return workers.map((worker) => ({ frames: [], bytes: worker.bytes, count: 0, external: false, workerThread: worker.threadId }))
  }

  /** What allocated during the window is still alive now, by allocating stack, biggest first. */
  endLeakWindow(isRunnerFile: (file: string) => boolean): LeakedLocation[] {
    const { samples, parents, interval } = this.sampler!.endLiveSession()
    const decodeLive = createSampleDecoder(interval)
    // The read ran a full GC; ArrayBuffer stores often need a second one to be released, so only
    // pay for it when external memory seems to have grown.
    let externalLeak = process.memoryUsage().external - this.leakExternalBase
    if (externalLeak > 0) externalLeak = settledExternal(this.gc) - this.leakExternalBase
    const result = this.survivorLocations(samples, parents, decodeLive, isRunnerFile)
    // Buffer/ArrayBuffer contents are invisible to the sampler: measured as a whole, after GC.
    if (externalLeak > 0) result.push({ frames: [], bytes: externalLeak, count: 0, external: true })
    return result.sort((a, b) => b.bytes - a.bytes)
  }

  /** Samples still alive after a live-only session's read, grouped by allocating stack. */
  private survivorLocations(
    samples: CollectedSamples['samples'],
    parents: Map<number, ProfileNode>,
    decode: ReturnType<typeof createSampleDecoder>,
    isRunnerFile: (file: string) => boolean,
  ): LeakedLocation[] {
    const locations = new Map<string, LeakedLocation>()
    for (const sample of samples) {
      if (this.settings.isOwnAllocation(sample.node, parents)) continue
      const frames = leakFrames(sample.node, parents, this.settings.resolveFrame)
      const allocator = frames.find((frame) => frame.kind !== 'node')
      // What the runner itself keeps (assertion state, task results) is not the test's leak.
      if (allocator && isRunnerFile(allocator.file)) continue
      const key = frames.map((f) => `${f.file}:${f.line}:${f.column}:${f.functionName}`).join('|')
      const { count } = decode(sample.size)
      const location = locations.get(key)
      if (location) {
        location.bytes += sample.size
        location.count += count
      } else {
        locations.set(key, { frames, bytes: sample.size, count, external: false })
      }
    }
    return [...locations.values()]
  }

  /**
   * Precise retention's live window: what the window's test allocated that is still alive now
   * (the read forces a full GC), by stack. Starts nothing: begin() opens the next window.
   */
  private readRetainedSites(): void {
    const key = this.retainedWindowKey
    if (!this.retainedSampler || key === undefined) return
    this.retainedWindowKey = undefined
    const { samples, parents } = this.retainedSampler.stop()
    const locations = this.survivorLocations(samples, parents, createSampleDecoder(this.settings.interval), this.isRunnerFile)
    const sites = locations.sort((a, b) => b.bytes - a.bytes).slice(0, RETAINED_SITES_KEPT)
    this.retention.setSites(key, sites.map(({ frames, bytes, count }) => ({ frames: frames.slice(0, this.settings.depth), bytes: Math.round(bytes), count: Math.round(count) })))
  }

  private distribute({ samples, parents, confirmedBoundaries }: CollectedSamples): void {
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

  private forgetAttempt(key: string): void {
    this.gapTests = this.gapTests.map((keys) => (keys.includes(key) ? keys.filter((k) => k !== key) : keys))
    this.readKeys.delete(key)
    this.captures.delete(key)
  }

  private isActive(key: string): boolean {
    for (const test of this.active) if (test.key === key) return true
    return false
  }

  private activeKeys(): string[] {
    return [...this.active].map((t) => t.key)
  }
}

/** Whether `candidate` is `test` or one of the tests `test` runs inside. */
export function isAncestor(candidate: ActiveTest, test: ActiveTest | undefined): boolean {
  for (let current = test; current; current = current.parent) if (current === candidate) return true
  return false
}

/**
 * heapmark's bookkeeping runs inside each test's window (reading heap statistics, resolving frames
 * through source-map libraries). An allocation is heapmark's own when, walking out from it past
 * Node internals and dependencies, the first frame reached is heapmark's. "heapmark anywhere on the
 * stack" would be wrong: the test body itself is called from heapmark's runner and wrappers.
 */
function createOwnAllocationCheck(): (node: ProfileNode, parents: Map<number, ProfileNode>) => boolean {
  const verdicts = new Map<ProfileNode, boolean>()
  return (node, parents) => {
    let verdict = verdicts.get(node)
    if (verdict === undefined) {
      let current: ProfileNode | undefined = node
      while (current && !isHeapmarkUrl(current.callFrame.url) && !isUserCode(current.callFrame.url)) current = parents.get(current.id)
      verdict = current !== undefined && isHeapmarkUrl(current.callFrame.url)
      verdicts.set(node, verdict)
    }
    return verdict
  }
}

function isUserCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:') && !url.includes('/node_modules/')
}

function leakFrames(node: ProfileNode, parents: Map<number, ProfileNode>, resolve: (frame: ProfileCallFrame) => SourceFrame): SourceFrame[] {
  const frames: SourceFrame[] = []
  for (let current: ProfileNode | undefined = node; current && frames.length < LEAK_STACK_DEPTH; current = parents.get(current.id)) {
    if (current.callFrame.url !== '') frames.push(resolve(current.callFrame))
  }
  return frames
}

/**
 * External memory once freed stores are really released. Called right after a profile read (which
 * forced one full GC): ArrayBuffer stores often need a second one.
 */
function settledExternal(gc: GcFunction): number {
  gc()
  return process.memoryUsage().external
}
