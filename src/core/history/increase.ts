import type { PeakMeasure } from '../config/limit-text.js'
import { MemoryIncreaseError } from '../../errors.js'
import type { Attribution } from '../attribution/attribution.js'
import type { HistoryEntry } from './history.js'
import { formatSites } from '../report/site-text.js'
import { formatSize, parseSize } from '../config/size.js'
import type { IncreaseResult } from '../report/model.js'
import type { LivePeakKind } from '../measure/live-peak.js'

/**
 * Growth below this never counts as an increase: it is within what heapmark promises to measure
 * (max(5%, 1 MiB), docs/measuring.md), so a verdict on it would flip from run to run.
 */
export const INCREASE_NOISE_FLOOR_BYTES = 1024 * 1024

/** How much a test's peak may grow over its history: a share of the old peak, or a size. */
export type IncreaseTolerance = { percent: number } | { bytes: number }

/** "10%" or a size ("2 MB", or a number of bytes). Throws a plain Error naming what is accepted. */
export function parseTolerance(input: string | number): IncreaseTolerance {
  if (typeof input === 'string') {
    const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(input)
    if (percent) return { percent: Number(percent[1]) }
  }
  return { bytes: parseSize(input) }
}

export function formatTolerance(tolerance: IncreaseTolerance): string {
  return 'percent' in tolerance ? `${tolerance.percent}%` : formatSize(tolerance.bytes)
}

/** The growth over `previousPeak` a test may have before it fails. */
export function allowedIncrease(previousPeak: number, tolerance: IncreaseTolerance): number {
  const allowed = 'percent' in tolerance ? (previousPeak * tolerance.percent) / 100 : tolerance.bytes
  return Math.max(allowed, INCREASE_NOISE_FLOOR_BYTES)
}

/** What --fail-on-increase found for one test, kept in its record for the report. */
export type IncreaseCheck = IncreaseResult

export function compareWithHistory(record: { peakBytes: number }, previous: HistoryEntry, tolerance: IncreaseTolerance): IncreaseCheck {
  const allowedBytes = allowedIncrease(previous.peakBytes, tolerance)
  return {
    previousPeakBytes: previous.peakBytes,
    previousRecordedAt: previous.recordedAt,
    allowedBytes,
    exceeded: record.peakBytes - previous.peakBytes > allowedBytes,
  }
}

/** How a run compares: which figure, and whether its used peaks come from livePeak's small young generation. */
export interface IncreaseMode {
  measure: PeakMeasure
  /** livePeak is on (each test's own reading says whether its young generation stayed small). */
  smallYoungGeneration: boolean
}

/**
 * The --fail-on-increase verdict on one test, or undefined when its history has no baseline for
 * the figure compared (the run records one). Live comparisons judge only precise estimates
 * against precise estimates: a lower bound moves with when V8 happens to collect, so a verdict on
 * it would flip from run to run. Used peaks are compared only when both were measured with the
 * same young generation (livePeak's 1 MiB one shrinks them).
 */
export function checkIncrease(
  record: { peakBytes: number; livePeakBytes?: number; livePeakKind?: LivePeakKind },
  previous: HistoryEntry,
  tolerance: IncreaseTolerance,
  mode: IncreaseMode,
): IncreaseCheck | undefined {
  if (mode.measure === 'live') {
    if (previous.livePeakBytes === undefined) return undefined
    const baseline = { peakBytes: previous.livePeakBytes, recordedAt: previous.liveRecordedAt ?? previous.recordedAt }
    if (record.livePeakKind !== 'estimate' || record.livePeakBytes === undefined) {
      return { ...compareWithHistory({ peakBytes: 0 }, baseline, tolerance), measure: 'live', notJudged: 'live-not-precise' }
    }
    return { ...compareWithHistory({ peakBytes: record.livePeakBytes }, baseline, tolerance), measure: 'live' }
  }
  if ((previous.smallYoungGeneration === true) !== measuredSmall(record, mode.smallYoungGeneration)) {
    return { ...compareWithHistory({ peakBytes: 0 }, previous, tolerance), notJudged: 'young-generation-changed' }
  }
  return compareWithHistory(record, previous, tolerance)
}

/**
 * Whether a test's used peak was measured with the 1 MiB young generation: livePeak was on and the
 * worker's young generation did stay small (its live peak is then an estimate; a worker without
 * the flag, or Node 24's fallback, reports a bound). The history records the same (collector.ts).
 */
export function measuredSmall(record: { livePeakKind?: LivePeakKind }, livePeak: boolean): boolean {
  return livePeak && record.livePeakKind === 'estimate'
}

export function increaseFailure(
  record: { peakBytes: number; livePeakBytes?: number },
  check: IncreaseCheck,
  tolerance: IncreaseTolerance,
  historyFile: string,
  attribution: Attribution | undefined,
  stacks: number,
): MemoryIncreaseError {
  const live = check.measure === 'live'
  const now = live ? record.livePeakBytes ?? record.peakBytes : record.peakBytes
  const growth = now - check.previousPeakBytes
  const share = check.previousPeakBytes > 0 ? ` (+${Math.round((growth / check.previousPeakBytes) * 100)}%)` : ''
  const summary =
    `${live ? 'Live peak (precise mode)' : 'Peak memory'} grew from ${formatSize(check.previousPeakBytes)} in the last run where this test passed (${check.previousRecordedAt}) ` +
    `to ${formatSize(now)}${share}; --fail-on-increase allows +${formatSize(check.allowedBytes)} (tolerance ${formatTolerance(tolerance)}, never under ${formatSize(INCREASE_NOISE_FLOOR_BYTES)}).`
  const lines: string[] = []
  const sites = attribution?.sites ?? []
  if (sites.length > 0) lines.push(formatSites(sites.slice(0, 3), stacks).replace(/^ +/gm, (m) => m.slice(4)))
  lines.push(`History: ${historyFile}. A passing run records the new peak as the baseline.`)
  return new MemoryIncreaseError(summary, lines.join('\n'))
}
