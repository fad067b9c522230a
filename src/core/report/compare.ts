import { allowedIncrease, type IncreaseTolerance } from '../history/increase.js'
import type { MemoryReport } from './model.js'

/** One test's peak in two reports; `before` or `after` is undefined for added/removed tests. */
export interface PeakChange {
  name: string
  before: number | undefined
  after: number | undefined
  /** after - before; undefined unless the test is in both. */
  change: number | undefined
  /** The growth allowed before `grew` is true. */
  allowedBytes: number | undefined
  /** Grew past the tolerance. */
  grew: boolean
}

export interface ReportComparison {
  /** Tests in both reports, largest growth first. */
  changed: PeakChange[]
  added: PeakChange[]
  removed: PeakChange[]
  grewCount: number
}

/**
 * Per-test peak differences between two reports, matched by test name (ids differ between
 * runners and shards; names are what a history of the same suite shares).
 */
export function compareReports(before: MemoryReport, after: MemoryReport, tolerance: IncreaseTolerance): ReportComparison {
  const old = new Map(before.tests.map((test) => [test.name, test.peakBytes]))
  const now = new Map(after.tests.map((test) => [test.name, test.peakBytes]))
  const changed: PeakChange[] = []
  const added: PeakChange[] = []
  for (const [name, peak] of now) {
    const previous = old.get(name)
    if (previous === undefined) {
      added.push({ name, before: undefined, after: peak, change: undefined, allowedBytes: undefined, grew: false })
      continue
    }
    const allowedBytes = allowedIncrease(previous, tolerance)
    changed.push({ name, before: previous, after: peak, change: peak - previous, allowedBytes, grew: peak - previous > allowedBytes })
  }
  const removed = [...old].filter(([name]) => !now.has(name)).map(([name, peak]) => ({ name, before: peak, after: undefined, change: undefined, allowedBytes: undefined, grew: false }))
  changed.sort((a, b) => b.change! - a.change! || (a.name < b.name ? -1 : 1))
  added.sort((a, b) => b.after! - a.after!)
  removed.sort((a, b) => b.before! - a.before!)
  return { changed, added, removed, grewCount: changed.filter((row) => row.grew).length }
}
