import v8 from 'node:v8'
import { getGc } from './gc.js'
import { LivePeakReading, type LivePeak } from './live-peak.js'

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
  /** The most the test kept live at once, and how well that is known: see live-peak.ts. */
  livePeakBytes: LivePeak['livePeakBytes']
  livePeakKind: LivePeak['livePeakKind']
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

/** Young garbage of earlier tests left in place when the minor GC is skipped (see settle()). */
export const YOUNG_STALE_LIMIT_BYTES = 512 * 1024

function youngBytes(): number {
  let total = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') total += space.space_used_size
  }
  return total
}

/** Measures one test at a time in this isolate. Cheap: a minor GC and a GCProfiler per test. */
export class MemoryMeter {
  /** Heap + external right after our last full GC: an upper bound of live memory. NaN: none yet. */
  private floor = Number.NaN
  /**
   * Heap + external after the last settle. `exact` when a full GC had just run, so it is live
   * memory only; otherwise an upper bound (it may hold up to FULL_GC_THRESHOLD_BYTES of garbage).
   */
  lastLevel: { bytes: number; exact: boolean } = { bytes: 0, exact: false }
  /** External memory right after our last full GC. NaN: none yet (so no second GC on the first). */
  private externalFloor = Number.NaN
  private readonly gc = getGc()

  /** Brings the heap to a comparable state before a test; returns whether a full GC was needed. */
  /**
   * Returns how much known garbage (boundary markers) it left in the young generation: see
   * ActiveReading. `strict` always runs the minor GC: for tests with a limit, whose verdict must
   * not depend on when a GC happens.
   */
  settle(knownYoungGarbage = 0, strict = false, full = false): number {
    // Young garbage of earlier tests, freed by a scavenge during this test, would pull the reading
    // down by as much: a minor GC (~0.5 ms) removes it. It is skipped (1.5-2% of a 201-test suite)
    // when the young generation holds little beyond garbage heapmark just made itself (boundary
    // markers): their size is known exactly, so readings after the test's first GC get it added
    // back (see ActiveReading), and the rest stays under YOUNG_STALE_LIMIT_BYTES.
    let leftGarbage = knownYoungGarbage
    // When a full GC follows anyway (asked for, or no floor yet) it empties the young generation
    // too: a minor GC first would be wasted (~1-8 ms in a fresh process, which node:test starts
    // for every test file).
    const fullGcComing = full || Number.isNaN(this.floor)
    if (strict || (!fullGcComing && youngBytes() - knownYoungGarbage >= YOUNG_STALE_LIMIT_BYTES)) {
      this.gc({ type: 'minor' })
      leftGarbage = 0
    }
    const level = currentLevel()
    const total = level.heap + level.external
    // The floor moves only with a full GC of ours, or down when the heap shrank below it (a GC we did
    // not see): readings between full GCs contain garbage, and a floor taken from them would let
    // stale garbage pile up past the threshold.
    // (With no floor yet, NaN makes both comparisons false: the first test starts on a full GC.)
    this.lastLevel = { bytes: total, exact: false }
    if (!full && total < this.floor) {
      this.floor = total
      return leftGarbage
    }
    if (!full && total - this.floor <= FULL_GC_THRESHOLD_BYTES) return leftGarbage
    this.gc()
    let after = currentLevel()
    // ArrayBuffer/Buffer stores are often released only by the next GC; left alone, an earlier
    // test's 50 MiB Buffer was freed mid-test and a test holding 200 MiB read 150 MiB.
    if (after.external - this.externalFloor > FULL_GC_THRESHOLD_BYTES) {
      this.gc()
      after = currentLevel()
    }
    this.noteFullGc(after)
    return 0
  }

  private noteFullGc(level: Level): void {
    this.floor = level.heap + level.external
    this.externalFloor = level.external
    this.lastLevel = { bytes: this.floor, exact: true }
  }

  /** Stops a reading without using it (a test being re-baselined). */
  discard(reading: ActiveReading): void {
    reading.stop()
  }

  start(knownGarbage: number): ActiveReading {
    return new ActiveReading(currentLevel(), knownGarbage)
  }
}

export class ActiveReading {
  private readonly profiler = new v8.GCProfiler()
  private readonly live: LivePeakReading

  constructor(
    private readonly base: Level,
    /** heapmark's own young garbage in the baseline, freed by the test's first GC. */
    private readonly knownGarbage: number,
  ) {
    this.live = new LivePeakReading(base.heap, base.external)
    this.profiler.start()
  }

  stop(): MemoryReading {
    const end = currentLevel()
    const gcs = this.profiler.stop()?.statistics ?? []
    const base = this.base
    // heapmark's own young garbage (markers) was in the baseline; the test's first GC freed it, so
    // every later reading is low by exactly that much.
    const restored = gcs.length > 0 ? this.knownGarbage : 0
    let peak = end.heap + end.external + restored - base.heap - base.external
    let heapPeak = end.heap + restored - base.heap
    let externalPeak = end.external - base.external
    let heapFreed = 0
    let externalFreed = 0
    gcs.forEach((gc, index) => {
      const before = gc.beforeGC.heapStatistics
      const after = gc.afterGC.heapStatistics
      const beforeHeap = before.usedHeapSize + (index > 0 ? restored : 0)
      heapPeak = Math.max(heapPeak, beforeHeap - base.heap)
      externalPeak = Math.max(externalPeak, before.externalMemory - base.external)
      peak = Math.max(peak, beforeHeap + before.externalMemory - base.heap - base.external)
      heapFreed += Math.max(0, before.usedHeapSize - after.usedHeapSize)
      externalFreed += Math.max(0, before.externalMemory - after.externalMemory)
    })
    return {
      ...this.live.finish(gcs, end, Math.max(0, peak), this.knownGarbage),
      peakBytes: Math.max(0, peak),
      heapPeakBytes: Math.max(0, heapPeak),
      externalPeakBytes: Math.max(0, externalPeak),
      // The markers' garbage is in the baseline and, once collected, in what GCs freed: it cancels out.
      heapAllocatedBytes: Math.max(0, end.heap - base.heap + heapFreed),
      externalAllocatedBytes: Math.max(0, end.external - base.external + externalFreed),
    }
  }
}
