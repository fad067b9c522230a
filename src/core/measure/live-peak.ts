import v8 from 'node:v8'
import { isYoungSpace } from './heap-level.js'

/**
 * The live peak: the most memory a test kept reachable at one time, beside the used peak (which
 * also counts garbage V8 had not collected yet). Computed from what the test's GCProfiler saw, so
 * it costs nothing by default. See docs/measuring.md ("Live peak").
 *
 * It assumes nothing about how the heap was settled before the test: the baseline is only taken
 * to be an upper bound of what was live then (it may hold garbage of earlier tests).
 */

/**
 * - `lower-bound`: at least this much was live at once (read after a GC during the test).
 * - `estimate`: precise mode with a small young generation: within max(5%, 1 MiB) on the shapes
 *   docs/measuring.md lists (not for large temporaries that outlive a scavenge).
 * - `unknown`: no GC ran during the test, so nothing told garbage from live data: the figure is
 *   the used peak (an upper bound).
 */
export type LivePeakKind = 'lower-bound' | 'estimate' | 'unknown'

export interface LivePeak {
  livePeakBytes: number
  livePeakKind: LivePeakKind
}

/** One entry of `GCProfiler.stop().statistics`: only the fields read here. */
export interface GcStatistic {
  gcType: string
  beforeGC: GcSnapshot
  afterGC: GcSnapshot
}

interface GcSnapshot {
  heapStatistics: { usedHeapSize: number; externalMemory: number }
  heapSpaceStatistics: ReadonlyArray<{ spaceName: string; spaceSize: number; spaceUsedSize: number }>
}

/** Heap, young generation and external memory at one moment. */
export interface LiveLevel {
  heap: number
  /** Used bytes of the young generation (new space + new large-object space). */
  young: number
  /**
   * Used bytes of new space alone: bounded by one semi-space, unlike new large-object space, where
   * one large object of any size always fits.
   */
  newSpace: number
  external: number
}

export interface LivePeakInput {
  statistics: readonly GcStatistic[]
  base: LiveLevel
  end: LiveLevel
  /** The used peak already computed (heap + external above the baseline): the upper bound. */
  usedPeakBytes: number
  /** heapmark's own young garbage in the baseline, freed by the test's first GC (see memory-meter.ts). */
  knownGarbage: number
  /** Precise mode is on in this worker. */
  precise: boolean
}

/**
 * The most new space may hold at any reading (before a GC, at the end) for precise mode's estimate
 * to hold: V8 collects it when it fills, so this bounds the young garbage in every reading. With
 * `--max-semi-space-size=1` it fills at ~1 MiB (Node 24 in the forks pool reported up to 4 MiB of
 * new space capacity while a test built 50 MiB of small objects, so capacity is not the test);
 * with the default young generation it fills at 2 MiB in a fresh process, then 4 to 16 MiB.
 */
export const PRECISE_NEW_SPACE_BYTES = 1.5 * 1024 * 1024

const FULL_GC = new Set(['MarkSweepCompact'])
/** Names V8 versions give their young-generation collections. */
const YOUNG_GC = new Set(['Scavenge', 'MinorMarkSweep', 'MinorMarkCompact'])

function youngOf(spaces: GcSnapshot['heapSpaceStatistics']): { used: number; newSpace: number } {
  let used = 0
  let newSpace = 0
  for (const space of spaces) {
    if (!isYoungSpace(space.spaceName)) continue
    used += space.spaceUsedSize
    if (space.spaceName === 'new_space') newSpace = space.spaceUsedSize
  }
  return { used, newSpace }
}

/** The old generation in a GC snapshot: the heap less the young generation. */
function oldGeneration(snapshot: GcSnapshot): number {
  return snapshot.heapStatistics.usedHeapSize - youngOf(snapshot.heapSpaceStatistics).used
}

/** The live level now, for the baseline and the end of a test (~10 µs: heap space statistics). */
export function readLiveLevel(heap: number, external: number): LiveLevel {
  let young = 0
  let newSpace = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    if (!isYoungSpace(space.space_name)) continue
    young += space.space_used_size
    if (space.space_name === 'new_space') newSpace = space.space_used_size
  }
  return { heap, young, newSpace, external }
}

/**
 * Lower bound, from each GC the test saw:
 * - after a mark-compact the heap holds live data plus floating garbage: what was allocated while
 *   V8 marked (an incremental cycle) counts as live until the next one. That can be a whole young
 *   generation moved into the old one: on Node 24 in 200 MiB of churn, new space held 7.6 MiB before
 *   a mark-compact, the old generation grew by 7.4 MiB across it and 0.2 MiB was freed, and the bound
 *   read 19.4 MiB for a test keeping 12 (unit test live-peak.test.ts, recorded). So what the old
 *   generation grew by across the collection is left out (live young objects it promoted included:
 *   the bound stays a bound), and the baseline is at least what was live before the test, so the
 *   rest minus the baseline <= what the test kept;
 * - after a scavenge the old generation still holds its garbage, so only the scavenge's survivors
 *   count (young objects still reachable, including those it promoted), minus the young
 *   generation at the start, which held whatever of them predates the test.
 * External memory counts only after mark-compacts: stores of dead Buffers are released by them.
 */
function lowerBound(input: LivePeakInput): { bytes: number; collected: boolean } {
  const { base, knownGarbage } = input
  let bytes = 0
  let collected = false
  for (const gc of input.statistics) {
    const full = FULL_GC.has(gc.gcType)
    if (!full && !YOUNG_GC.has(gc.gcType)) continue
    collected = true
    const after = gc.afterGC.heapStatistics
    const oldBefore = oldGeneration(gc.beforeGC)
    if (full) {
      const floating = Math.max(0, oldGeneration(gc.afterGC) - oldBefore)
      bytes = Math.max(bytes, after.usedHeapSize - floating + knownGarbage - base.heap + Math.max(0, after.externalMemory - base.external))
    } else {
      const survivors = after.usedHeapSize - oldBefore
      bytes = Math.max(bytes, survivors - (base.young - knownGarbage))
    }
  }
  return { bytes: Math.max(0, bytes), collected }
}

/**
 * Precise mode's estimate, valid while the young generation is small (it bounds the garbage a
 * reading can hold): the level after each collection (live data plus the test's garbage that
 * reached the old generation), and the level at the end minus half of new space then (it is
 * garbage, live data or a mix: half is the midpoint, off by at most half a semi-space). Large
 * objects count as live: they are not bounded by the semi-space, so they cannot be told apart.
 */
function preciseEstimate(input: LivePeakInput, floor: number): number {
  const { base, end, knownGarbage } = input
  const restored = input.statistics.length > 0 ? knownGarbage : 0
  let bytes = Math.max(floor, end.heap + end.external + restored - base.heap - base.external - end.newSpace / 2)
  for (const gc of input.statistics) {
    if (!FULL_GC.has(gc.gcType) && !YOUNG_GC.has(gc.gcType)) continue
    const after = gc.afterGC.heapStatistics
    bytes = Math.max(bytes, after.usedHeapSize + after.externalMemory + knownGarbage - base.heap - base.external)
  }
  return Math.max(0, bytes)
}

/** The most new space held at a reading of the test: before each GC, and at its end. */
export function newSpaceSeen(input: Pick<LivePeakInput, 'statistics' | 'end'>): number {
  let seen = input.end.newSpace
  for (const gc of input.statistics) seen = Math.max(seen, youngOf(gc.beforeGC.heapSpaceStatistics).newSpace)
  return seen
}

/** Whether the young generation stayed small enough for precise mode during the whole test. */
export function youngGenerationSmall(input: Pick<LivePeakInput, 'statistics' | 'end'>): boolean {
  return newSpaceSeen(input) <= PRECISE_NEW_SPACE_BYTES
}

export function computeLivePeak(input: LivePeakInput): LivePeak {
  const lower = lowerBound(input)
  const clamp = (bytes: number): number => Math.round(Math.min(input.usedPeakBytes, bytes))
  if (input.precise && youngGenerationSmall(input)) {
    return { livePeakBytes: clamp(preciseEstimate(input, lower.bytes)), livePeakKind: 'estimate' }
  }
  if (!lower.collected) return { livePeakBytes: Math.round(input.usedPeakBytes), livePeakKind: 'unknown' }
  return { livePeakBytes: clamp(lower.bytes), livePeakKind: 'lower-bound' }
}

/** The V8 flag precise mode needs in test processes: new space of 2 x 1 MiB semi-spaces. */
export const SMALL_YOUNG_GENERATION_FLAG = '--max-semi-space-size=1'

/** NODE_OPTIONS with the small young generation added (Node accepts this V8 flag there). */
export function withSmallYoungGeneration(nodeOptions: string | undefined): string {
  const current = (nodeOptions ?? '').trim()
  if (/--max-semi-space-size[= ]/.test(current)) return current
  return current === '' ? SMALL_YOUNG_GENERATION_FLAG : `${current} ${SMALL_YOUNG_GENERATION_FLAG}`
}

/** Precise mode for this worker: set once by the worker session from the run's options. */
let preciseMode = false

export function setLivePeakPrecise(on: boolean): void {
  preciseMode = on
}

export function livePeakPrecise(): boolean {
  return preciseMode
}

let warnedNotSmall = false

/** One test's live peak: the young generation at its start, then the GCs it saw and its end. */
export class LivePeakReading {
  private readonly base: LiveLevel

  constructor(heap: number, external: number) {
    this.base = readLiveLevel(heap, external)
  }

  finish(statistics: readonly GcStatistic[], end: { heap: number; external: number }, usedPeakBytes: number, knownGarbage: number): LivePeak {
    const input: LivePeakInput = { statistics, base: this.base, end: readLiveLevel(end.heap, end.external), usedPeakBytes, knownGarbage, precise: preciseMode }
    if (preciseMode && !warnedNotSmall && !youngGenerationSmall(input)) {
      // Never silently wrong: the figures stay lower bounds, and the run says why once.
      warnedNotSmall = true
      const seen = newSpaceSeen(input) / (1024 * 1024)
      console.warn(
        `heapmark: livePeak is on but this worker's young generation is not limited (new space held ${seen.toFixed(1)} MiB before a GC; start it with --max-semi-space-size=1; ` +
          'heapmark does that for Vitest pools and `heapmark run`): live peaks here are lower bounds, not precise figures.',
      )
    }
    return computeLivePeak(input)
  }
}
