import type { PeakMeasure } from '../config/limit-text.js'
import { formatSize } from '../config/size.js'
import { printablePath } from './printable-path.js'
import { limitedPeak } from '../worker/test-result.js'
import type { MemoryReport, TestMemoryResult } from './model.js'
import { plural } from './numbers.js'

const INCREASES_SHOWN = 10

/**
 * The report as GitHub-flavoured Markdown for a CI job summary ($GITHUB_STEP_SUMMARY): the top
 * tests by peak, every test over its limit, and the biggest increases since the last passing run
 * of the figure the run's `increaseMeasure` names (used peaks by default).
 */
export function renderMarkdownReport(report: MemoryReport, options: { mostAllocations: number; increaseMeasure?: PeakMeasure }): string {
  const { totals } = report
  const lines = [
    '### heapmark memory report',
    '',
    `${plural(totals.tests, 'test')} measured · largest peak **${formatSize(totals.peakBytes)}** · ${formatSize(totals.totalBytes)} allocated in total` +
      (totals.limitFailures > 0 ? ` · **${plural(totals.limitFailures, 'test')} over ${totals.limitFailures === 1 ? 'its' : 'their'} memory limit**` : '') +
      (totals.increaseFailures > 0 ? ` · **${plural(totals.increaseFailures, 'test')} grew past --fail-on-increase**` : ''),
  ]
  const top = options.mostAllocations > 0 ? report.tests.slice(0, options.mostAllocations) : report.tests
  if (top.length > 0) {
    // Live peak last, so tools reading the first columns by position keep working; only when the
    // report has live peaks (reports written before heapmark measured them have none).
    const live = top.some((test) => test.livePeakKind !== undefined)
    lines.push('', `| Test | Peak | Allocated | Biggest allocating function |${live ? ' Live peak |' : ''}`, `|---|--:|--:|---|${live ? '--:|' : ''}`)
    for (const test of top) {
      lines.push(`| ${cell(test.name)} | ${formatSize(test.peakBytes)} | ${formatSize(test.totalBytes)} | ${cell(biggestSite(test))} |${live ? ` ${livePeakCell(test)} |` : ''}`)
    }
    if (live) lines.push('', '_Peak: memory in use, garbage not yet collected included. Live peak: the most the test kept reachable at once (≥: at least that much; ?: no GC ran during the test, so not known)._')
  }
  const overLimit = report.tests.filter((test) => test.limit?.exceeded)
  if (overLimit.length > 0) {
    lines.push('', '#### Over their memory limit', '', '| Test | Limit | Peak |', '|---|--:|--:|')
    for (const test of overLimit) {
      const limit = test.limit!
      const origin = limit.origin ? ` (${limit.origin === 'default' ? 'default' : 'file'})` : ''
      const live = limit.measure === 'live' ? ' (live)' : ''
      lines.push(`| ${cell(test.name)} | ${cell(limit.spec)}${origin} | ${formatSize(limitedPeak(test, limit))}${live} |`)
    }
  }
  lines.push(...increaseSection(report, options.increaseMeasure ?? 'used'))
  return `${lines.join('\n')}\n`
}

/**
 * The biggest increases since each test's last passing run, of the used peaks or (`'live'`) the
 * live peaks. The same rules as --fail-on-increase: live peaks only when this run's is a precise
 * estimate (the history keeps no other kind), used peaks not across young generations; the tests
 * left out are counted in a note, so no figure is compared as if it were exact when it is not.
 */
function increaseSection(report: MemoryReport, measure: PeakMeasure): string[] {
  const live = measure === 'live'
  const rows: Array<{ test: TestMemoryResult; before: number; now: number }> = []
  let notCompared = 0
  for (const test of report.tests) {
    const before = live ? test.previousLivePeakBytes : test.previousPeakBytes
    if (before === undefined) continue
    const comparable = live ? test.livePeakKind === 'estimate' && test.livePeakBytes !== undefined : test.increase?.notJudged !== 'young-generation-changed'
    if (!comparable) {
      notCompared++
      continue
    }
    const now = live ? test.livePeakBytes! : test.peakBytes
    if (now > before) rows.push({ test, before, now })
  }
  rows.sort((a, b) => b.now - b.before - (a.now - a.before))
  if (rows.length === 0 && notCompared === 0) return []
  const lines = ['', `#### Biggest ${live ? 'live peak ' : ''}increases since the last passing run`]
  if (rows.length > 0) {
    lines.push('', '| Test | Before | Now | Change |', '|---|--:|--:|--:|')
    for (const { test, before, now } of rows.slice(0, INCREASES_SHOWN)) {
      const mark = test.increase?.exceeded ? ' ❌' : ''
      lines.push(`| ${cell(test.name)} | ${formatSize(before)} | ${formatSize(now)} | +${formatSize(now - before)}${mark} |`)
    }
  }
  if (notCompared > 0) {
    const why = live
      ? `${notCompared === 1 ? 'its' : 'their'} live peak in this run is only a bound (≥ or ?), and only precise live peaks are compared (see docs/measuring.md)`
      : `${notCompared === 1 ? 'its' : 'their'} last passing peak was measured with livePeak on and this one without, or the reverse (different young generations)`
    lines.push('', `_${plural(notCompared, 'test')} with history not compared: ${why}._`)
  }
  return lines
}

function livePeakCell(test: TestMemoryResult): string {
  if (test.livePeakBytes === undefined || test.livePeakKind === undefined) return ''
  if (test.livePeakKind === 'unknown') return '?'
  return `${test.livePeakKind === 'lower-bound' ? '≥ ' : ''}${formatSize(test.livePeakBytes)}`
}

function biggestSite(test: TestMemoryResult): string {
  const frame = test.sites[0]?.frames[0]
  return frame ? `${frame.functionName} (${printablePath(frame.file)}:${frame.line})` : ''
}

/** Table cells cannot hold pipes or newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}
