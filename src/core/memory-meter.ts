import v8 from 'node:v8'
import { getGc } from './gc.js'

/** Memory the test added, from heap statistics at every GC it saw and at its end. */
export interface MemoryReading {
  /** High watermark of JS heap + external memory above the level at test start. */
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  /** Bytes allocated on the JS heap during the test: growth plus everything GC freed meanwhile. */
  heapAllocatedBytes: number
  /** The same for external (ArrayBuffer/Buffer) memory. */
  externalAllocatedBytes: number
  /** A full GC ran before the test to drop garbage left by earlier tests (see settle()). */
  settledWithFullGc: boolean
}

interface Level {
  heap: number
  external: number
}

function currentLevel(): Level {
  const stats = v8.getHeapStatistics() as v8.HeapInfo & { external_memory?: number }
  return { heap: stats.used_heap_size, external: stats.external_memory ?? process.memoryUsage().external }
}

/**
 * How much garbage earlier tests may leave before a test starts on a full GC. A GC during the test
 * that frees older garbage would otherwise pull the reading below the real growth (the "baseline
 * trap" in docs/measuring.md). It bounds that error, so it must not exceed the accuracy promise
 * (max(5%, 1 MiB)). A minor GC before every test is free; a full one costs ~1.45x on
 * small tests, so it runs only when the heap grew this much since the last full collection.
 */
export const FULL_GC_THRESHOLD_BYTES = 1024 * 1024

/** Measures one test at a time in this isolate. Cheap: a minor GC and a GCProfiler per test. */
export class MemoryMeter {
  /** Heap + external right after our last full GC: an upper bound of live memory. NaN: none yet. */
  private floor = Number.NaN
  private externalFloor = 0
  private readonly gc = getGc()

  /** Brings the heap to a comparable state before a test; returns whether a full GC was needed. */
  settle(): boolean {
    this.gc({ type: 'minor' })
    const level = currentLevel()
    const total = level.heap + level.external
    // The floor moves only with a full GC of ours, or down when the heap shrank below it (a GC we did
    // not see): readings between full GCs contain garbage, and a floor taken from them would let
    // stale garbage pile up past the threshold.
    // (With no floor yet, NaN makes both comparisons false: the first test starts on a full GC.)
    if (total < this.floor) {
      this.floor = total
      return false
    }
    if (total - this.floor <= FULL_GC_THRESHOLD_BYTES) return false
    this.gc()
    let after = currentLevel()
    // ArrayBuffer/Buffer stores are often released only by the next GC; left alone, an earlier
    // test's 50 MiB Buffer was freed mid-test and a test holding 200 MiB read 150 MiB.
    if (after.external - this.externalFloor > FULL_GC_THRESHOLD_BYTES) {
      this.gc()
      after = currentLevel()
    }
    this.floor = after.heap + after.external
    this.externalFloor = after.external
    return true
  }

  start(settledWithFullGc: boolean): ActiveReading {
    return new ActiveReading(currentLevel(), settledWithFullGc)
  }
}

export class ActiveReading {
  private readonly profiler = new v8.GCProfiler()

  constructor(
    private readonly base: Level,
    private readonly settledWithFullGc: boolean,
  ) {
    this.profiler.start()
  }

  stop(): MemoryReading {
    const end = currentLevel()
    const gcs = this.profiler.stop()?.statistics ?? []
    const base = this.base
    let peak = end.heap + end.external - base.heap - base.external
    let heapPeak = end.heap - base.heap
    let externalPeak = end.external - base.external
    let heapFreed = 0
    let externalFreed = 0
    for (const gc of gcs) {
      const before = gc.beforeGC.heapStatistics
      const after = gc.afterGC.heapStatistics
      heapPeak = Math.max(heapPeak, before.usedHeapSize - base.heap)
      externalPeak = Math.max(externalPeak, before.externalMemory - base.external)
      peak = Math.max(peak, before.usedHeapSize + before.externalMemory - base.heap - base.external)
      heapFreed += Math.max(0, before.usedHeapSize - after.usedHeapSize)
      externalFreed += Math.max(0, before.externalMemory - after.externalMemory)
    }
    return {
      peakBytes: Math.max(0, peak),
      heapPeakBytes: Math.max(0, heapPeak),
      externalPeakBytes: Math.max(0, externalPeak),
      heapAllocatedBytes: Math.max(0, end.heap - base.heap + heapFreed),
      externalAllocatedBytes: Math.max(0, end.external - base.external + externalFreed),
      settledWithFullGc: this.settledWithFullGc,
    }
  }
}
