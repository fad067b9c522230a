import type { Attribution, AttributionSettings } from '../attribution/attribution.js'
import type { CaptureBuilder } from '../capture/builder.js'
import { createFrameResolver, type PositionMapper } from '../attribution/frames.js'
import { GapAttribution } from '../attribution/gap-attribution.js'
import { LeakWindow } from '../assertions/leak-window.js'
import { MemoryMeter } from './memory-meter.js'
import { nowMs } from './clock.js'
import { RetentionTracker, type FileRetention, type TestRetention } from '../retention/retention.js'
import { RetainedSitesWindow } from '../retention/retention-window.js'
import { createSampleDecoder } from '../attribution/sample-size.js'
import { setLivePeakPrecise } from './live-peak.js'
import { SamplerArbiter } from '../attribution/sampler-arbiter.js'
import { createOwnAllocationCheck } from '../attribution/survivors.js'
import { isAncestor, type ActiveTest, type LeakedLocation, type TestMeasurement } from './test-measurement.js'
import { WorkerThreadsMeter } from './worker-threads.js'

export type { ActiveTest, LeakedLocation, MemoryLimit, TestMeasurement } from './test-measurement.js'
export { isAncestor } from './test-measurement.js'

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
   * The old exact settle before every test instead of the cheap default: a full GC whenever the
   * heap grew 1 MiB since the last one, and at every file's first test (see docs/measuring.md).
   */
  precise?: boolean
  /** Precise live peaks: a minor GC before every test, so no earlier young garbage is in the baseline. */
  livePeak?: boolean
  /** Files of the runner itself: what they keep alive is not a test's. */
  isRunnerFile?: (file: string) => boolean
  /** Whether V8's sampler may pause where no sample is used (see GapAttribution.fileEnded()): not once the near-limit watcher wants one. */
  mayPauseSampling?: () => boolean
  /**
   * Sample allocations at all. False when something else owns V8's one sampling heap profiler
   * (Node's --heap-prof): starting or reading ours would silently take Node's data.
   */
  sampling?: boolean
}

/**
 * Measures tests in this isolate: each test's lifecycle, its peak and totals right away at its end
 * (memory-meter.ts), what it left alive (retention.ts), and, through the modules it composes,
 * attribution across sampling gaps (gap-attribution.ts), limitLeaks' windows (leak-window.ts) and
 * precise retention's windows (retention-window.ts). V8's one sampler goes to one of them
 * (sampler-arbiter.ts).
 */
export class TestMeasurer {
  /** The earlier test whose retention the last begin() (or takeFileRetention()) measured. */
  closedRetention: { key: string; retention: TestRetention } | undefined
  private readonly meter = new MemoryMeter()
  private readonly retention = new RetentionTracker()
  /** No test of the current file has started yet. */
  private fileStart = true
  private readonly preciseRetention: boolean
  private readonly precise: boolean
  private readonly livePeak: boolean
  private readonly arbiter: SamplerArbiter
  private readonly attribution: GapAttribution
  private readonly leakWindow: LeakWindow
  private readonly retainedWindow: RetainedSitesWindow | undefined
  private readonly workerThreads = new WorkerThreadsMeter()
  private readonly active = new Set<ActiveTest>()

  constructor(options: MeasurerOptions) {
    this.preciseRetention = options.preciseRetention === true
    this.precise = options.precise === true
    this.livePeak = options.livePeak === true
    setLivePeakPrecise(this.livePeak)
    this.arbiter = new SamplerArbiter({ interval: options.samplingInterval, sampling: options.sampling !== false, preciseRetention: this.preciseRetention })
    const settings: AttributionSettings = {
      interval: options.samplingInterval,
      depth: Math.max(1, options.stacks),
      resolveFrame: createFrameResolver({ rootDir: options.rootDir, ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}) }),
      decode: createSampleDecoder(options.samplingInterval),
      isOwnAllocation: createOwnAllocationCheck(),
      ...(options.captures ? { captureRootDir: options.rootDir } : {}),
    }
    this.attribution = new GapAttribution(this.arbiter.attribution, settings, options.maxSites ?? 10, options.captures === true, () => this.activeKeys(), options.mayPauseSampling)
    this.leakWindow = new LeakWindow(this.arbiter, this.attribution, this.workerThreads, settings)
    if (this.arbiter.retained) {
      this.retainedWindow = new RetainedSitesWindow(this.arbiter.retained, this.retention, settings, options.isRunnerFile ?? (() => false))
    }
  }

  /** Why allocation sampling is off in this worker, if it is (besides --heap-prof). */
  get samplingUnavailable(): string | undefined {
    return this.arbiter.unavailable
  }

  /** Whether the current file marks every test's boundaries (isolate: false and Jest: only after a file worth reading). */
  get marksBoundaries(): boolean {
    return this.attribution.marksBoundaries
  }

  /** The current file had a test worth reading but was not sampled (see GapAttribution.fileUnmarked); ask before takeFileRetention(). */
  get fileUnmarked(): boolean {
    return this.attribution.fileUnmarked
  }

  /** Live memory (upper bound) as the last test started. */
  get lastLevelBytes(): number {
    return this.meter.lastLevel.bytes
  }

  /**
   * `sample`: sample this test even if its file's boundaries are off (a test the caller expects to
   * be worth reading); its marker is made here, before the reading starts, like any boundary.
   */
  begin(key: string, parent?: ActiveTest, sample = false): ActiveTest {
    // A file's first test: the heap grew since the last file ended for the runner's set-up.
    if (this.fileStart) this.meter.runnerGrew()
    this.attribution.begin(key)
    if (sample) this.attribution.ensureSampled(key, true)
    this.retainedWindow?.read()
    // The boundary markers made since the last settle are garbage heapmark made, not the tests'.
    // Precise policy: a file's first test starts on a full GC, so whatever the previous file
    // released does not sit in its start level (an upper bound), hiding what the test keeps.
    const knownGarbage = this.meter.settle({
      knownYoungGarbage: this.attribution.takeMarkerGarbage(),
      strict: this.livePeak,
      full: this.preciseRetention || (this.precise && this.fileStart),
      precise: this.precise,
    })
    this.fileStart = false
    this.closedRetention = this.retention.observe(this.meter.lastLevel)
    this.retention.started(key, this.meter.lastLevel)
    if (this.active.size === 0) this.retainedWindow?.open(key)
    let overlapping = 0
    for (const other of this.active) {
      if (isAncestor(other, parent)) continue
      other.overlapping++
      overlapping++
    }
    this.workerThreads.begin(key)
    // Last, so heapmark's own bookkeeping above is not part of the test's reading.
    const test: ActiveTest = { key, parent, overlapping, startedAt: nowMs(), reading: this.meter.start(knownGarbage) }
    this.active.add(test)
    return test
  }

  /**
   * Starts a test's reading again on a fully settled heap. A limit wrapper calls it as the body
   * begins: the default settle leaves earlier tests' garbage that a GC during the test may free
   * (corrected, within a stated uncertainty), and a limit verdict must not flip on that.
   * `full: false` (the run's default limit, on every test): a minor GC only, see WorkerSession.
   */
  rebaseline(test: ActiveTest, { full = true }: { full?: boolean } = {}): void {
    this.meter.discard(test.reading)
    // A limit failure shows allocation sites: sample this test even where boundaries are off.
    this.attribution.ensureSampled(test.key)
    this.attribution.takeMarkerGarbage()
    this.meter.settle({ strict: true, full })
    test.reading = this.meter.start(0)
  }

  end(test: ActiveTest): TestMeasurement {
    // The reading goes to the meter as it is, liveAtStart included (no rest and spread per test:
    // see ActiveReading.stop()); TestMeasurement's type does not show that field to anyone else.
    const reading = test.reading.stop()
    const durationMs = nowMs() - test.startedAt
    this.meter.observe(reading)
    const workerThreads = this.workerThreads.end(test.key)
    this.active.delete(test)
    this.retention.ended(test.key)
    this.attribution.end(test.key, reading)
    return { key: test.key, reading, workerThreads, overlapping: test.overlapping, durationMs }
  }

  /**
   * Reads the profile when a test since the last read was big enough to be worth it (or `force`),
   * unless none of them can be shown (see shown-peaks.ts); otherwise drops the finished tests' attribution.
   */
  collectIfWorthwhile(force: boolean, shown = true): boolean {
    return this.attribution.collectIfWorthwhile(force, shown)
  }

  /** Samples allocations again if the sampler was paused (the near-limit read is coming). */
  resumeSampling(): void {
    this.attribution.resume()
  }

  /** Whether collectIfWorthwhile(force) would read the profile now. */
  wouldCollect(force: boolean): boolean {
    return this.attribution.wouldCollect(force)
  }

  /** Reads the sampling profile (a forced full GC inside V8) and hands its samples to their tests. */
  collect(): void {
    this.attribution.collect()
  }

  /**
   * Closes the file's retention windows (settling the heap as before a test) and returns what the
   * file's tests left alive. Call after the file's last test, before its modules are released.
   */
  takeFileRetention(): FileRetention {
    this.closedRetention = undefined
    this.fileStart = true
    this.attribution.fileEnded()
    this.retainedWindow?.read()
    if (this.retention.windowOpen) {
      this.meter.settle({ full: this.preciseRetention, precise: this.precise })
      this.closedRetention = this.retention.observe(this.meter.lastLevel)
    }
    return this.retention.takeFile()
  }

  /** Starts limitLeaks' window (see leak-window.ts). */
  beginLeakWindow(interval: number): void {
    this.leakWindow.begin(interval)
  }

  /** Worker threads started in the leak window and still running, as leaked locations. */
  liveWorkerLeaks(key: string): Promise<LeakedLocation[]> {
    return this.leakWindow.liveWorkerLeaks(key)
  }

  /** What allocated during the leak window is still alive now, by allocating stack, biggest first. */
  endLeakWindow(isRunnerFile: (file: string) => boolean): LeakedLocation[] {
    return this.leakWindow.end(isRunnerFile)
  }

  /** The attribution of a finished test; call collect() first. Forgets it. */
  takeAttribution(key: string): Attribution | undefined {
    return this.attribution.takeAttribution(key)
  }

  /** Attributions of every finished test; call collect() first. */
  takeFinishedAttributions(): Map<string, Attribution> {
    return this.attribution.takeFinishedAttributions()
  }

  /** The capture tree of a test whose attribution was taken. Forgets it. */
  takeCapture(key: string): CaptureBuilder | undefined {
    return this.attribution.takeCapture(key)
  }

  private activeKeys(): string[] {
    return [...this.active].map((t) => t.key)
  }
}
