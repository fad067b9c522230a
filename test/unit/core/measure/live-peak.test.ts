/**
 * The live peak from recorded GCProfiler statistics (fixtures/record-gc-statistics.mjs, Node 20,
 * default young generation and --max-semi-space-size=1): real GC sequences, replayed.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { computeLivePeak, withSmallYoungGeneration, youngGenerationSmall, type GcStatistic, type LiveLevel, type LivePeakInput } from '../../../../src/core/measure/live-peak.js'

const MiB = 1024 * 1024

interface RecordedCase {
  base: LiveLevel
  end: LiveLevel
  statistics: GcStatistic[]
}

function load(name: 'default' | 'small-young' | 'floating'): Record<string, RecordedCase> {
  const url = new URL(`./fixtures/gc-statistics-${name}.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: Record<string, RecordedCase> }).cases
}

const recorded = { default: load('default'), small: load('small-young'), floating: load('floating') }

/** The used peak as memory-meter.ts computes it: before each GC and at the end. */
function usedPeak({ base, end, statistics }: RecordedCase): number {
  let peak = end.heap + end.external - base.heap - base.external
  for (const gc of statistics) {
    const before = gc.beforeGC.heapStatistics
    peak = Math.max(peak, before.usedHeapSize + before.externalMemory - base.heap - base.external)
  }
  return Math.max(0, peak)
}

function input(recordedCase: RecordedCase, precise: boolean, overrides: Partial<LivePeakInput> = {}): LivePeakInput {
  return { ...recordedCase, usedPeakBytes: usedPeak(recordedCase), knownGarbage: 0, precise, ...overrides }
}

describe('default mode: a lower bound from the GCs the test saw', () => {
  test('churn keeping ~0.05 MiB: the used peak is young garbage, the bound says so', () => {
    const churn = recorded.default.churn!
    const live = computeLivePeak(input(churn, false))
    expect(usedPeak(churn)).toBeGreaterThan(2 * MiB) // the young generation had not grown to its 16 MiB yet
    expect(live.livePeakKind).toBe('lower-bound')
    expect(live.livePeakBytes).toBeLessThan(0.1 * MiB)
  })

  test('churn holding an 8 MiB array: at least 8 MiB live, while the used peak reads far more', () => {
    const holding = recorded.default.churnHolding8!
    const live = computeLivePeak(input(holding, false))
    expect(usedPeak(holding)).toBeGreaterThan(12 * MiB)
    expect(live.livePeakBytes / MiB).toBeGreaterThanOrEqual(8)
    expect(live.livePeakBytes / MiB).toBeLessThan(8.5)
  })

  test('floating garbage: a mark-compact that moved a young generation of churn into the old one is no proof of life', () => {
    // Recorded on Node 24 (new space grown to 8 MiB, as precise mode's fallback there does): V8 ended
    // an incremental marking cycle with a mark-compact that freed 0.2 MiB and moved 7.4 MiB of young
    // churn into the old generation. Read from the level after it, the bound said 19.4 MiB for a test
    // keeping a 12 MiB array (and a 1000-object ring).
    const holding = recorded.floating.floatingHolding12!
    const mark = holding.statistics.find((gc) => gc.gcType === 'MarkSweepCompact')!
    expect((mark.beforeGC.heapStatistics.usedHeapSize - mark.afterGC.heapStatistics.usedHeapSize) / MiB).toBeLessThan(0.5)
    const live = computeLivePeak(input(holding, false))
    expect(live.livePeakKind).toBe('lower-bound')
    expect(live.livePeakBytes / MiB).toBeGreaterThanOrEqual(11.5)
    expect(live.livePeakBytes / MiB).toBeLessThanOrEqual(12.1)
  })

  test('a full GC while 10 MiB is held beside 10 MiB of garbage: the bound is the 10 MiB', () => {
    const full = recorded.default.fullGcHolding10!
    expect(full.statistics.some((gc) => gc.gcType === 'MarkSweepCompact')).toBe(true)
    const live = computeLivePeak(input(full, false))
    expect(usedPeak(full) / MiB).toBeGreaterThan(19.5)
    expect(live.livePeakBytes / MiB).toBeGreaterThanOrEqual(9.9)
    expect(live.livePeakBytes / MiB).toBeLessThan(10.5)
  })

  test('no GC during the test: unknown, and the figure is the used peak', () => {
    const nothing = recorded.default.nothing!
    expect(computeLivePeak(input(nothing, false))).toEqual({ livePeakBytes: Math.round(usedPeak(nothing)), livePeakKind: 'unknown' })
  })

  test('a baseline holding garbage (no settle before the test) only lowers the bound', () => {
    for (const recordedCase of Object.values(recorded.default)) {
      const settled = computeLivePeak(input(recordedCase, false)).livePeakBytes
      const stale = { ...recordedCase.base, heap: recordedCase.base.heap + 3 * MiB, young: recordedCase.base.young + 3 * MiB }
      const unsettled = computeLivePeak(input({ ...recordedCase, base: stale }, false)).livePeakBytes
      expect(unsettled).toBeLessThanOrEqual(settled)
    }
  })

  test('never above the used peak', () => {
    for (const set of [recorded.default, recorded.small]) {
      for (const recordedCase of Object.values(set)) {
        for (const precise of [false, true]) expect(computeLivePeak(input(recordedCase, precise)).livePeakBytes).toBeLessThanOrEqual(usedPeak(recordedCase))
      }
    }
  })
})

describe('precise mode: an estimate when the young generation was small', () => {
  test('the recordings with --max-semi-space-size=1 qualify, the default ones do not', () => {
    for (const recordedCase of Object.values(recorded.small)) expect(youngGenerationSmall(recordedCase)).toBe(true)
    expect(youngGenerationSmall(recorded.default.churn!)).toBe(false)
  })

  test('churn keeping ~0.05 MiB reads under 1 MiB', () => {
    const live = computeLivePeak(input(recorded.small.churn!, true))
    expect(live.livePeakKind).toBe('estimate')
    expect(live.livePeakBytes).toBeLessThanOrEqual(MiB)
  })

  test('churn holding 8 MiB reads 8 ± 1 MiB', () => {
    const live = computeLivePeak(input(recorded.small.churnHolding8!, true))
    expect(Math.abs(live.livePeakBytes / MiB - 8)).toBeLessThanOrEqual(1)
  })

  test('10 MiB of objects held to the end reads 10 ± 1 MiB, with no full GC to go by', () => {
    const live = computeLivePeak(input(recorded.small.objects10!, true))
    expect(Math.abs(live.livePeakBytes / MiB - 10)).toBeLessThanOrEqual(1)
  })

  test('asked for but the young generation was not small: a lower bound, not an estimate', () => {
    expect(computeLivePeak(input(recorded.default.churnHolding8!, true)).livePeakKind).toBe('lower-bound')
  })

  test('heapmark\'s own garbage in the baseline (markers) is added back after the first GC', () => {
    const holding = recorded.small.churnHolding8!
    const plain = computeLivePeak(input(holding, true)).livePeakBytes
    const marked = { ...holding, base: { ...holding.base, heap: holding.base.heap + 256 * 1024 } }
    expect(computeLivePeak(input(marked, true, { knownGarbage: 256 * 1024 })).livePeakBytes).toBe(plain)
  })
})

test('NODE_OPTIONS gain the small young generation once', () => {
  expect(withSmallYoungGeneration(undefined)).toBe('--max-semi-space-size=1')
  expect(withSmallYoungGeneration('--enable-source-maps')).toBe('--enable-source-maps --max-semi-space-size=1')
  expect(withSmallYoungGeneration('--max-semi-space-size=4')).toBe('--max-semi-space-size=4')
})
