import type { PeakMeasure } from '../config/limit-text.js'
import { allowedIncrease, type IncreaseTolerance } from '../history/increase.js'
import type { LivePeakKind } from '../measure/live-peak.js'
import type { IncreaseResult, MemoryReport, TestMemoryResult } from './model.js'

/** How far a side's live figure can be trusted; "missing": a report of a heapmark without live peaks. */
export type LiveFigureKind = LivePeakKind | 'missing'

/** One test's figure in two reports; `before` or `after` is undefined for added/removed tests. */
export interface PeakChange {
  name: string
  /** The figure compared (used or live peak); undefined when the test is not in that report, or (live) that report has no live peaks. */
  before: number | undefined
  after: number | undefined
  /** Live comparisons only: what each side's figure is (see TestMemoryResult.livePeakKind). */
  beforeKind?: LiveFigureKind
  afterKind?: LiveFigureKind
  /** after - before; undefined unless the test is in both and was compared. */
  change: number | undefined
  /** The growth allowed before `grew` is true. */
  allowedBytes: number | undefined
  /** Grew past the tolerance. */
  grew: boolean
  /**
   * In both reports, but not compared (the same codes as --fail-on-increase's): "live-not-precise",
   * a side's live peak is a lower bound, unknown or missing; "young-generation-changed", one side's
   * used peak was measured with livePeak's 1 MiB young generation and the other without.
   */
  notJudged?: NonNullable<IncreaseResult['notJudged']>
}

export interface ReportComparison {
  measure: PeakMeasure
  /** Tests in both reports that were compared, largest growth first. */
  changed: PeakChange[]
  /** Tests in both reports whose figures cannot be compared fairly (see PeakChange.notJudged). */
  notJudged: PeakChange[]
  added: PeakChange[]
  removed: PeakChange[]
  grewCount: number
}

interface Figure {
  bytes: number | undefined
  kind?: LiveFigureKind
  /** The used peak came from precise mode's 1 MiB young generation (its live peak is an estimate). */
  smallYoungGeneration: boolean
}

/** The figure compared for one test. A live figure of kind "unknown" is the used peak: an upper bound, kept for display. */
export function figureOf(test: Pick<TestMemoryResult, 'peakBytes' | 'livePeakBytes' | 'livePeakKind'>, measure: PeakMeasure): Figure {
  const smallYoungGeneration = test.livePeakKind === 'estimate'
  if (measure === 'used') return { bytes: test.peakBytes, smallYoungGeneration }
  if (test.livePeakBytes === undefined || test.livePeakKind === undefined) return { bytes: undefined, kind: 'missing', smallYoungGeneration }
  return { bytes: test.livePeakBytes, kind: test.livePeakKind, smallYoungGeneration }
}

/**
 * Per-test differences between two reports, matched by test name (ids differ between runners and
 * shards; names are what a history of the same suite shares). The same rules as --fail-on-increase
 * (history/increase.ts): live peaks are compared only when both are precise estimates (a lower bound
 * moves with when V8 happens to collect, so growth between bounds means nothing), and used peaks
 * only when both were measured with the same young generation.
 */
export function compareReports(before: MemoryReport, after: MemoryReport, tolerance: IncreaseTolerance, measure: PeakMeasure = 'used'): ReportComparison {
  const old = new Map(before.tests.map((test) => [test.name, figureOf(test, measure)]))
  const now = new Map(after.tests.map((test) => [test.name, figureOf(test, measure)]))
  const kinds = (a: Figure | undefined, b: Figure | undefined) => (measure === 'live' ? { beforeKind: a?.kind, afterKind: b?.kind } : {})
  const row = (name: string, a: Figure | undefined, b: Figure | undefined): PeakChange => ({ name, before: a?.bytes, after: b?.bytes, ...kinds(a, b), change: undefined, allowedBytes: undefined, grew: false })
  const changed: PeakChange[] = []
  const notJudged: PeakChange[] = []
  const added: PeakChange[] = []
  for (const [name, figure] of now) {
    const previous = old.get(name)
    if (previous === undefined) {
      added.push(row(name, undefined, figure))
      continue
    }
    const reason = whyNotJudged(previous, figure, measure)
    if (reason) {
      notJudged.push({ ...row(name, previous, figure), notJudged: reason })
      continue
    }
    const allowedBytes = allowedIncrease(previous.bytes!, tolerance)
    const change = figure.bytes! - previous.bytes!
    changed.push({ ...row(name, previous, figure), change, allowedBytes, grew: change > allowedBytes })
  }
  const removed = [...old].filter(([name]) => !now.has(name)).map(([name, figure]) => row(name, figure, undefined))
  const size = (value: number | undefined) => value ?? -1
  changed.sort((a, b) => b.change! - a.change! || (a.name < b.name ? -1 : 1))
  notJudged.sort((a, b) => size(b.after) - size(a.after) || (a.name < b.name ? -1 : 1))
  added.sort((a, b) => size(b.after) - size(a.after))
  removed.sort((a, b) => size(b.before) - size(a.before))
  return { measure, changed, notJudged, added, removed, grewCount: changed.filter((change) => change.grew).length }
}

function whyNotJudged(before: Figure, after: Figure, measure: PeakMeasure): PeakChange['notJudged'] {
  if (measure === 'live') return before.kind === 'estimate' && after.kind === 'estimate' ? undefined : 'live-not-precise'
  return before.smallYoungGeneration === after.smallYoungGeneration ? undefined : 'young-generation-changed'
}
