import { AttributionAccumulator, type Attribution, type AttributionSettings } from './attribution.js'
import { HeapSampler } from './heap-sampler.js'
import { MemoryMeter, type ActiveReading, type MemoryReading } from './memory-meter.js'
import { WorkerThreadsMeter, type WorkerThreadsUsage } from './worker-threads.js'
import { createFrameResolver, isHeapmarkUrl, type PositionMapper } from './frames.js'
import type { ProfileNode } from './heap-sampler.js'
import type { CaptureBuilder } from './capture/builder.js'
import { createSampleDecoder } from './sample-size.js'

/**
 * Reading a profile costs a forced full GC (~10-15 ms on a test worker's heap), so it is only
 * worth it when some test in the batch used enough memory for its allocation sites to matter: at a
 * 16 KiB interval a test under 1 MiB gets a few dozen samples, mostly the runner's own.
 */
export const ATTRIBUTION_MIN_PEAK_BYTES = 1024 * 1024
export const ATTRIBUTION_MIN_ALLOCATED_BYTES = 4 * 1024 * 1024
/** Even small batches are read this often, so V8's sample store cannot grow without bound. */
const MAX_SKIPPED_READS = 10

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
}

/** A test being measured. Runner adapters hold it between begin() and end(). */
export interface ActiveTest {
  readonly key: string
  /** How many other tests were running in this isolate while this one ran. */
  overlapping: number
  readonly startedAt: number
  /** Set by a limit wrapper inside the test body. */
  limit?: MemoryLimit
  /** @internal */ reading: ActiveReading
}

export interface MemoryLimit {
  spec: string
  bytes: number
  /** Judge only this thread's peak, not worker_threads the test started. */
  currentThreadOnly: boolean
}

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
  private readonly meter = new MemoryMeter()
  private readonly workerThreads = new WorkerThreadsMeter()
  private readonly sampler: HeapSampler
  private readonly settings: AttributionSettings
  private readonly active = new Set<ActiveTest>()
  /** Tests running in each gap between boundaries of the current sampling session. */
  private gapTests: string[][] = [[]]
  private readonly accumulators = new Map<string, AttributionAccumulator>()
  private readonly captures = new Map<string, CaptureBuilder>()
  private readonly maxSites: number
  /** A test since the last read used enough memory to make reading the profile worthwhile. */
  private worthReading = false
  private skippedReads = 0
  /** Finished tests all of whose samples have been read. */
  private readonly readKeys = new Set<string>()

  constructor(options: MeasurerOptions) {
    this.sampler = new HeapSampler(options.samplingInterval)
    this.maxSites = options.maxSites ?? 10
    this.settings = {
      interval: options.samplingInterval,
      depth: Math.max(1, options.stacks),
      resolveFrame: createFrameResolver({ rootDir: options.rootDir, ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}) }),
      decode: createSampleDecoder(options.samplingInterval),
      isOwnAllocation: createOwnAllocationCheck(),
      ...(options.captures ? { captureRootDir: options.rootDir } : {}),
    }
  }

  get activeCount(): number {
    return this.active.size
  }

  begin(key: string): ActiveTest {
    this.accumulators.set(key, new AttributionAccumulator(this.settings))
    const boundary = this.sampler.mark()
    const settledWithFullGc = this.meter.settle()
    const test: ActiveTest = { key, overlapping: 0, startedAt: performance.now(), reading: undefined as unknown as ActiveReading }
    for (const other of this.active) {
      other.overlapping++
      test.overlapping++
    }
    this.active.add(test)
    this.workerThreads.begin(key)
    this.gapTests[boundary + 1] = this.activeKeys()
    test.reading = this.meter.start(settledWithFullGc)
    return test
  }

  end(test: ActiveTest): TestMeasurement {
    const reading = test.reading.stop()
    const durationMs = performance.now() - test.startedAt
    if (reading.peakBytes >= ATTRIBUTION_MIN_PEAK_BYTES || reading.heapAllocatedBytes + reading.externalAllocatedBytes >= ATTRIBUTION_MIN_ALLOCATED_BYTES) {
      this.worthReading = true
    }
    const workerThreads = this.workerThreads.end(test.key)
    this.active.delete(test)
    const boundary = this.sampler.mark()
    this.gapTests[boundary + 1] = this.activeKeys()
    return { key: test.key, reading, workerThreads, overlapping: test.overlapping, durationMs }
  }

  /**
   * Reads the profile when a test since the last read was big enough to be worth it (or `force`);
   * otherwise drops the finished tests' attribution. Returns whether it read.
   */
  collectIfWorthwhile(force: boolean): boolean {
    if (force || this.worthReading || this.skippedReads >= MAX_SKIPPED_READS) {
      this.collect()
      return true
    }
    this.skippedReads++
    // Finished tests whose samples are still in the unread profile get no attribution; those whose
    // window ended before an earlier read (e.g. a limit failure's) keep theirs.
    for (const key of [...this.accumulators.keys()]) {
      if (!this.isActive(key) && !this.readKeys.has(key)) this.accumulators.delete(key)
    }
    return false
  }

  /** Reads the sampling profile (a forced full GC inside V8) and hands its samples to their tests. */
  collect(): void {
    this.worthReading = false
    this.skippedReads = 0
    const { samples, parents, confirmedBoundaries } = this.sampler.collect()
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

  private isActive(key: string): boolean {
    for (const test of this.active) if (test.key === key) return true
    return false
  }

  private activeKeys(): string[] {
    return [...this.active].map((t) => t.key)
  }
}

/**
 * heapmark's bookkeeping runs inside each test's window (reading heap statistics, stopping the GC
 * profiler). Its allocations are recognised by the innermost frame outside Node's internals: the
 * test body itself is called from heapmark's runner, so "heapmark anywhere on the stack" would
 * wrongly drop the test's own synchronous allocations.
 */
function createOwnAllocationCheck(): (node: ProfileNode, parents: Map<number, ProfileNode>) => boolean {
  const verdicts = new Map<number, boolean>()
  return (node, parents) => {
    let verdict = verdicts.get(node.id)
    if (verdict === undefined) {
      let current: ProfileNode | undefined = node
      while (current && (current.callFrame.url === '' || current.callFrame.url.startsWith('node:'))) current = parents.get(current.id)
      verdict = current !== undefined && isHeapmarkUrl(current.callFrame.url)
      verdicts.set(node.id, verdict)
    }
    return verdict
  }
}
