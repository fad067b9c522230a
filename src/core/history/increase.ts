import { MemoryIncreaseError } from '../../errors.js'
import type { Attribution } from '../attribution/attribution.js'
import type { HistoryEntry } from './history.js'
import { formatSites } from '../report/site-text.js'
import { formatSize, parseSize } from '../config/size.js'
import type { IncreaseResult } from '../report/model.js'

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

export function increaseFailure(
  record: { peakBytes: number },
  check: IncreaseCheck,
  tolerance: IncreaseTolerance,
  historyFile: string,
  attribution: Attribution | undefined,
  stacks: number,
): MemoryIncreaseError {
  const growth = record.peakBytes - check.previousPeakBytes
  const share = check.previousPeakBytes > 0 ? ` (+${Math.round((growth / check.previousPeakBytes) * 100)}%)` : ''
  const summary =
    `Peak memory grew from ${formatSize(check.previousPeakBytes)} in the last run where this test passed (${check.previousRecordedAt}) ` +
    `to ${formatSize(record.peakBytes)}${share}; --fail-on-increase allows +${formatSize(check.allowedBytes)} (tolerance ${formatTolerance(tolerance)}, never under ${formatSize(INCREASE_NOISE_FLOOR_BYTES)}).`
  const lines: string[] = []
  const sites = attribution?.sites ?? []
  if (sites.length > 0) lines.push(formatSites(sites.slice(0, 3), stacks).replace(/^ +/gm, (m) => m.slice(4)))
  lines.push(`History: ${historyFile}. A passing run records the new peak as the baseline.`)
  return new MemoryIncreaseError(summary, lines.join('\n'))
}
