import v8 from 'node:v8'
import { currentLevel, type Level } from './heap-level.js'
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
  /** GCs V8 ran during the test, and how many of them were full GCs (mark-compacts). */
  gcs: number
  majorGcs: number
  /**
   * How much the peak may read high: garbage of earlier tests that those full GCs may have freed
   * was added back (see ActiveReading), and this is how much of it is not known to be theirs.
   * 0 when no full GC ran during the test (then the figures are as exact as the settle made them).
   */
  uncertaintyBytes: number
}

/** Earlier tests' garbage in a test's baseline, at most: what GCs during the test may free of it. */
export interface Gap extends Level {
  /** The young part of `heap`: all a scavenge can free of it. */
  young: number
}

const isMajor = (gcType: string) => gcType === 'MarkSweepCompact'

/** One test's reading: a GCProfiler sees every GC during it, and stop() turns them into the figures. */
export class ActiveReading {
  private readonly profiler = new v8.GCProfiler()
  private readonly live: LivePeakReading

  constructor(
    private readonly base: Level,
    /** heapmark's own young garbage in the baseline, freed by the test's first GC. */
    private readonly knownGarbage: number,
    /** At most this much of the baseline is earlier tests' garbage a full GC can free. */
    private readonly gap: Gap,
  ) {
    this.live = new LivePeakReading(base.heap, base.external)
    this.profiler.start()
  }

  /**
   * The baseline trap, detected instead of prevented: the baseline holds earlier tests' garbage,
   * and a GC during the test that frees it pulls every later reading down by as much. Young
   * garbage is kept small by the settle's minor GC; old garbage only goes in a full GC, which V8
   * rarely runs. When it does, what it freed (at most the gap above the floor) is added back to
   * the readings after it, and reported as the reading's uncertainty: the truth lies between the
   * reading and the reading minus it. External memory is freed by any GC, so it is treated so at
   * every GC.
   */
  stop(): MemoryReading & { liveAtStart?: Level } {
    const end = currentLevel()
    const gcs = this.profiler.stop()?.statistics ?? []
    const base = this.base
    // heapmark's own young garbage (markers) was in the baseline; the test's first GC freed it, so
    // every later reading is low by exactly that much.
    const restored = gcs.length > 0 ? this.knownGarbage : 0
    let heapGapLeft = this.gap.heap
    let youngGapLeft = this.gap.young
    let externalGapLeft = this.gap.external
    let heapAddedBack = 0
    let externalAddedBack = 0
    let majorGcs = 0
    let heapPeak = 0
    let externalPeak = 0
    let peak = 0
    let heapFreed = 0
    let externalFreed = 0
    gcs.forEach((gc, index) => {
      const before = gc.beforeGC.heapStatistics
      const after = gc.afterGC.heapStatistics
      const beforeHeap = before.usedHeapSize + (index > 0 ? restored : 0) + heapAddedBack
      const beforeExternal = before.externalMemory + externalAddedBack
      heapPeak = Math.max(heapPeak, beforeHeap - base.heap)
      externalPeak = Math.max(externalPeak, beforeExternal - base.external)
      peak = Math.max(peak, beforeHeap + beforeExternal - base.heap - base.external)
      const heapFreedHere = Math.max(0, before.usedHeapSize - after.usedHeapSize)
      const externalFreedHere = Math.max(0, before.externalMemory - after.externalMemory)
      heapFreed += heapFreedHere
      externalFreed += externalFreedHere
      // The markers freed by the first GC are restored above; the rest may be earlier tests' garbage.
      const unknownFreed = Math.max(0, heapFreedHere - (index === 0 ? this.knownGarbage : 0))
      const major = isMajor(gc.gcType)
      if (major) majorGcs++
      const share = Math.min(unknownFreed, major ? heapGapLeft : Math.min(youngGapLeft, heapGapLeft))
      heapGapLeft -= share
      // Earlier tests' young garbage was dead when the test started, so its first GC (a scavenge
      // or a full GC) freed all of it: what later scavenges free is the test's own garbage. (Young
      // objects reachable only from old garbage survive scavenges; they are in the full GC's gap.)
      youngGapLeft = 0
      heapAddedBack += share
      const externalShare = Math.min(externalFreedHere, externalGapLeft)
      externalGapLeft -= externalShare
      externalAddedBack += externalShare
    })
    const endHeap = end.heap + restored + heapAddedBack
    const endExternal = end.external + externalAddedBack
    heapPeak = Math.max(heapPeak, endHeap - base.heap)
    externalPeak = Math.max(externalPeak, endExternal - base.external)
    peak = Math.max(peak, endHeap + endExternal - base.heap - base.external)
    const uncertaintyBytes = heapAddedBack + externalAddedBack
    const live = this.live.finish(gcs, end, Math.max(0, peak), this.knownGarbage)
    // Field by field, no object spread: this runs once per test, and Node 20's V8 builds an object
    // from a spread in ~1-5 µs where a literal takes ~20 ns (docs/measuring.md, fifth pass).
    const reading: MemoryReading & { liveAtStart?: Level } = {
      livePeakBytes: live.livePeakBytes,
      livePeakKind: live.livePeakKind,
      peakBytes: Math.max(0, peak),
      heapPeakBytes: Math.max(0, heapPeak),
      externalPeakBytes: Math.max(0, externalPeak),
      // The markers' garbage is in the baseline and, once collected, in what GCs freed: it cancels out.
      heapAllocatedBytes: Math.max(0, end.heap - base.heap + heapFreed),
      externalAllocatedBytes: Math.max(0, end.external - base.external + externalFreed),
      gcs: gcs.length,
      majorGcs,
      uncertaintyBytes,
    }
    // A full GC during the test: live memory at its start was the baseline minus what was added back.
    if (majorGcs > 0) reading.liveAtStart = { heap: base.heap - heapAddedBack - this.knownGarbage, external: base.external - externalAddedBack }
    return reading
  }
}
