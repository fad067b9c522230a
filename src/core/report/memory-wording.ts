import { plainColors } from './colors.js'
import { formatSize } from '../config/size.js'
import { limitedPeak } from '../worker/test-result.js'
import type { Colors } from './colors.js'
import type { IncreaseResult, MemoryLimitResult } from './model.js'
import type { LivePeakKind } from '../measure/live-peak.js'

/**
 * The words for a test's live peak, limit and increase verdicts, shared by every output that shows
 * them (the text report, Vitest's UI and HTML reporter, GitHub annotations, capture reporters), so
 * they never say the same thing two ways. Colors are optional: plain text by default.
 */

export const LIVE_PEAK_UNKNOWN = 'not known (no GC ran during the test)'

/** "8.1 MiB", "at least 8.1 MiB", or "not known (no GC ran during the test)". */
export function livePeakWords(bytes: number, kind: LivePeakKind): string {
  if (kind === 'unknown') return LIVE_PEAK_UNKNOWN
  return `${kind === 'lower-bound' ? 'at least ' : ''}${formatSize(bytes)}`
}

/** What the kind of a live peak means, for outputs with room for a sentence. */
export function livePeakKindNote(kind: LivePeakKind): string {
  switch (kind) {
    case 'estimate':
      return 'precise mode; the rest of the peak was garbage not yet collected'
    case 'lower-bound':
      return 'found reachable by GCs during the test; the rest of the peak may be garbage not yet collected'
    case 'unknown':
      return 'no GC ran during the test, so nothing told garbage from live data; the used peak is the only bound'
  }
}

type LimitFacts = Pick<MemoryLimitResult, 'spec' | 'bytes' | 'currentThreadOnly' | 'exceeded'> & Partial<Pick<MemoryLimitResult, 'measure' | 'from' | 'notJudged'>>

/** "24 MB (24.0 MiB, from HEAPMARK_LIMIT)": the user's spelling, plus the binary form when it differs. */
export function limitSpecWords(limit: Pick<LimitFacts, 'spec' | 'bytes' | 'from'>): string {
  const binary = formatSize(limit.bytes)
  const details = [...(limit.spec === binary ? [] : [binary]), ...(limit.from ? [`from ${limit.from}`] : [])]
  return details.length > 0 ? `${limit.spec} (${details.join(', ')})` : limit.spec
}

/**
 * The verdict on a limit: "ok, live peak is 50% of it", "EXCEEDED by 6.0 MiB (peak is 125% of
 * it)", or "not judged (...)" for a default limit on a test that shared its worker.
 */
export function limitVerdictWords(
  test: Parameters<typeof limitedPeak>[0],
  limit: LimitFacts,
  c: Colors = plainColors(),
  others = 'other tests',
): string {
  if (limit.notJudged) return `${c.yellow('not judged')} ${c.dim(`(ran concurrently with ${others}, whose memory counts in its peak)`)}`
  const peak = limitedPeak(test, limit)
  const percent = limit.bytes > 0 ? Math.round((peak / limit.bytes) * 100) : 0
  const what = limit.measure === 'live' ? 'live peak' : 'peak'
  if (!limit.exceeded) return `${c.green('ok')}, ${c.dim(`${what} is ${percent}% of it`)}`
  return `${c.red(c.bold('EXCEEDED'))} ${c.red(`by ${formatSize(Math.max(0, peak - limit.bytes))} (${what} is ${percent}% of it)`)}`
}

type IncreaseFacts = Pick<IncreaseResult, 'previousPeakBytes' | 'allowedBytes' | 'exceeded'> & Partial<Pick<IncreaseResult, 'measure' | 'notJudged'>>

/** "Peak increase" or "Live peak increase": what --fail-on-increase compared. */
export function increaseLabel(increase: Pick<IncreaseFacts, 'measure'>): string {
  return increase.measure === 'live' ? 'Live peak increase' : 'Peak increase'
}

/** The figure --fail-on-increase compared for this test: its live peak or its used peak. */
export function increaseFigure(test: { peakBytes: number; livePeakBytes?: number }, increase: Pick<IncreaseFacts, 'measure'>): number {
  return increase.measure === 'live' ? (test.livePeakBytes ?? test.peakBytes) : test.peakBytes
}

const NOT_JUDGED_INCREASE: Record<NonNullable<IncreaseResult['notJudged']>, string> = {
  'live-not-precise': 'its live peak is only a bound in this run: precise mode fell back, see docs/measuring.md',
  'young-generation-changed': 'its last passing peak was measured with livePeak on and this one without, or the reverse (different young generations)',
}

/** "+2.0 MiB since the last passing run (8.0 MiB): ok, +1.0 MiB allowed", or why it was not judged. */
export function increaseVerdictWords(test: { peakBytes: number; livePeakBytes?: number }, increase: IncreaseFacts, c: Colors = plainColors()): string {
  if (increase.notJudged) return `${c.yellow('not judged')} ${c.dim(`(${NOT_JUDGED_INCREASE[increase.notJudged]})`)}`
  const growth = increaseFigure(test, increase) - increase.previousPeakBytes
  const change = `${growth >= 0 ? '+' : '-'}${formatSize(Math.abs(growth))} since the last passing run (${formatSize(increase.previousPeakBytes)})`
  return increase.exceeded
    ? `${change}: ${c.red(c.bold('EXCEEDED'))} ${c.red(`the allowed +${formatSize(increase.allowedBytes)}`)}`
    : `${change}: ${c.green('ok')}, ${c.dim(`+${formatSize(increase.allowedBytes)} allowed`)}`
}
