import { createColors, plainColors, type Colors } from './colors.js'
import { increaseLabel, increaseVerdictWords, limitSpecWords, limitVerdictWords, livePeakKindNote, livePeakWords } from './memory-wording.js'
import { formatCount, plural } from './numbers.js'
import type { DomLeakResult, LeakCheckResult } from './model.js'
import { formatSize } from '../config/size.js'
import { expandHistogram } from '../attribution/histogram.js'
import { INDENT, renderFrame, renderSites } from './site-text.js'
import {
  HISTOGRAM_BOUNDS,
  type NotSampledReason,
  type MemoryReport,
  type SizeHistogramBucket,
  type TestMemoryResult,
  type WorkerIncident,
} from './model.js'

/**
 * The end-of-run summary, after pytest-memray's: one block per test that allocated most at its
 * high watermark. Tests over their memory limit are always shown, even outside the top N,
 * because those are the ones the reader has to act on.
 */
export interface TextReportOptions {
  /** Tests to show, largest peak first; 0 shows all. */
  mostAllocations: number
  /** Frames per allocating site; the first is the allocating function. */
  stacks: number
  color: boolean
}

const BAR_WIDTH = 30

export function renderTextReport(report: MemoryReport, options: TextReportOptions): string {
  const c = createColors(options.color)
  const incidents = (report.incidents ?? []).map((incident) => renderIncident(incident, options, c))
  if (report.tests.length === 0) return [`${c.bold('heapmark:')} no tests were measured.`, ...incidents].join('\n\n')

  const top = options.mostAllocations > 0 ? report.tests.slice(0, options.mostAllocations) : report.tests
  const overLimit = report.tests.slice(top.length).filter((test) => test.limit?.exceeded === true || test.increase?.exceeded === true)

  const blocks = [
    renderHeading(report, top.length, overLimit.length, c),
    ...top.map((test) => renderTest(test, options, c, '')),
    ...overLimit.map((test) => renderTest(test, options, c, ` (${test.limit?.exceeded ? `over ${limitNoun(test.limit.origin)}` : 'grew past --fail-on-increase'}; outside the top ${top.length})`)),
    renderRetained(report, options, c),
    ...incidents,
    renderTotals(report, c),
  ]
  return blocks.filter((block) => block !== '').join('\n\n')
}

function renderHeading(report: MemoryReport, shown: number, extra: number, c: Colors): string {
  const measured = plural(report.tests.length, 'test')
  const which = shown === report.tests.length ? 'all shown, largest peak first' : `top ${shown} by peak`
  const plus = extra > 0 ? `, plus ${extra} that failed a memory check` : ''
  return `${c.bold('heapmark: memory report')} (${measured} measured; ${which}${plus})`
}

function renderTest(test: TestMemoryResult, options: TextReportOptions, c: Colors, note: string): string {
  const lines = [`Allocation results for ${c.bold(test.name)} at the high watermark${note}`]
  if (test.shared) {
    lines.push(c.yellow(`${INDENT}(shared: ran concurrently with ${plural(test.shared.overlapping, 'other test')}; numbers include theirs)`))
  }
  const parts = test.browser
    ? `${test.browser} page: JS heap ${formatSize(test.heapPeakBytes)}, ArrayBuffer backing stores ${formatSize(test.externalPeakBytes)}`
    : `heap ${formatSize(test.heapPeakBytes)}, external ${formatSize(test.externalPeakBytes)}${renderWorkerThreads(test)}`
  const uncertainty = test.peakUncertaintyBytes ? `; may read up to ${formatSize(test.peakUncertaintyBytes)} high: V8 ran a full GC during the test` : ''
  lines.push(`${INDENT}Peak memory: ${c.bold(formatSize(test.peakBytes))} ${c.dim(`(${parts})${uncertainty}`)}`)
  const live = renderLivePeak(test, c)
  if (live) lines.push(`${INDENT}${live}`)
  if (test.limit) lines.push(`${INDENT}${renderLimit(test, c)}`)
  if (test.increase) lines.push(`${INDENT}${renderIncrease(test, c)}`)
  if (test.leaks) lines.push(...renderLeaks(test.leaks, c))
  lines.push(`${INDENT}Total allocated: ${formatSize(test.totalBytes)}`)
  if (test.browser && test.sampled === false) {
    lines.push(`${INDENT}Allocations: ${c.dim('sites not read: the test peaked under 1 MiB and allocated under 4 MiB (reading them costs a round trip with the page profile)')}`)
  } else if (test.sampled === false) {
    lines.push(`${INDENT}Allocations: ${c.dim(`not sampled: ${NOT_SAMPLED_TEXT[test.notSampled ?? 'file-unfinished']}`)}`)
  } else {
    const incomplete = test.sampledIncomplete ? '; incomplete: a test boundary was missed, later samples are missing' : ''
    lines.push(`${INDENT}Allocations: ~${formatCount(test.allocationCount)} ${c.dim(`(estimated from sampling${incomplete})`)}`)
    lines.push(...renderHistogram(test.histogram, c))
    lines.push(...renderSites(test.sites, options.stacks, c, test.totalBytes))
  }
  return lines.join('\n')
}

/** The one reason a test's allocation sites were not read (older reports carry none: "unfinished"). */
const NOT_SAMPLED_TEXT: Record<NotSampledReason, string> = {
  'below-threshold': 'no test in its file peaked at 1 MiB or allocated 4 MiB (reading sites costs a full GC)',
  'unmarked': 'its worker ran it right after a file with no test worth reading (with isolate: false and in Jest a file is sampled only when the one before it had one)',
  'not-shown': 'no test in its file peaked as high as the tests the summary shows (--most-allocations 0 reads every file)',
  'file-unfinished': "its file's results never arrived (the worker stopped before the file ended)",
  'heap-prof': "Node's --heap-prof was using V8's one sampling heap profiler",
  'precise-retention': "precise retention was on (it uses V8's one sampling heap profiler)",
  'sampler-unavailable': "V8's sampling heap profiler could not be opened in that worker",
}

function limitNoun(origin: 'default' | 'file' | undefined): string {
  return origin === 'default' ? 'the default memory limit' : origin === 'file' ? "its file's memory limit" : 'its memory limit'
}

/**
 * Tests that left memory alive for the tests after them, biggest first. Below 1 MiB it is within
 * measurement noise (and windows of small tests are only closed once they add up to that).
 */
export const RETAINED_REPORT_MIN_BYTES = 1024 * 1024

/**
 * What a line of the retained section is sorted and filtered by: the test's own figure, or, when
 * that is small but the window of tests its full GC closed kept more, the window's.
 */
function retainedShown(test: TestMemoryResult): number {
  const retained = test.retained
  if (!retained) return 0
  return retained.bytes >= RETAINED_REPORT_MIN_BYTES ? retained.bytes : Math.max(retained.bytes, retained.window?.bytes ?? 0)
}

function renderRetained(report: MemoryReport, options: TextReportOptions, c: Colors): string {
  const retaining = report.tests
    .filter((test) => retainedShown(test) >= RETAINED_REPORT_MIN_BYTES)
    .sort((a, b) => retainedShown(b) - retainedShown(a))
  if (retaining.length === 0) return ''
  const shown = options.mostAllocations > 0 ? retaining.slice(0, options.mostAllocations) : retaining
  const lines = [`${c.bold('Memory retained across tests')} ${c.dim('(still reachable after a full GC when the next test started)')}`]
  for (const test of shown) {
    const { bytes, exact, window } = test.retained!
    if (bytes < RETAINED_REPORT_MIN_BYTES && window) {
      // Kept by one or more tests of a window that one full GC measured: the last is named, and the
      // line says that the figure is theirs together, not this test's.
      const own = `this test: at least ${bytes >= 0 ? '+' : ''}${formatSize(bytes)}`
      lines.push(`${INDENT}${c.bold(`+${formatSize(window.bytes)}`.padStart(11))}  ${test.name} ${c.dim(`and the ${plural(window.tests - 1, 'test')} before it, together (${own})`)}`)
      continue
    }
    const together = window ? `${window.tests} tests since the last full GC kept +${formatSize(window.bytes)} together` : ''
    const atLeast = exact ? (together ? c.dim(` (${together})`) : '') : c.dim(together ? ` (at least; ${together})` : ' (at least)')
    lines.push(`${INDENT}${c.bold(`+${formatSize(bytes)}`.padStart(11))}  ${test.name}${atLeast}`)
    const sites = (test.retained!.sites ?? []).filter((site) => site.bytes >= test.retained!.bytes * 0.05).slice(0, 3)
    if (sites.length > 0) lines.push(...renderSites(sites, options.stacks, c).slice(1).map((line) => `${INDENT}${line}`))
  }
  if (retaining.length > shown.length) lines.push(c.dim(`${INDENT}... and ${plural(retaining.length - shown.length, 'more test')}`))
  for (const worker of report.workers) {
    const exact = worker.points.filter((point) => point.exact)
    if (exact.length < 2) continue
    const growth = exact.at(-1)!.bytes - exact[0]!.bytes
    if (growth < RETAINED_REPORT_MIN_BYTES) continue
    const files = new Set(worker.points.map((point) => point.file)).size
    lines.push(c.dim(`${INDENT}Worker ${worker.worker}: live memory ${formatSize(exact[0]!.bytes)} -> ${formatSize(exact.at(-1)!.bytes)} over ${plural(files, 'file')}`))
  }
  return lines.join('\n')
}

/** A worker that died (what it was running, and which earlier tests left the most alive), or nearly ran out of heap. */
function renderIncident(incident: WorkerIncident, options: TextReportOptions, c: Colors): string {
  const limit = incident.heapLimitBytes > 0 ? `, heap limit ${formatSize(incident.heapLimitBytes)}` : ''
  const lines: string[] = []
  if (incident.kind === 'died') {
    const running = incident.runningTest ? ` while running ${c.bold(incident.runningTest.name)}` : ' between tests'
    lines.push(c.red(`${c.bold('heapmark: a test worker died')} (worker ${incident.worker}${limit})${running}.`))
    if (incident.runningTest) lines.push(`${INDENT}Live memory when that test started: ${formatSize(incident.runningTest.liveBytesAtStart)} (at most).`)
    if (incident.resultsLost > 0) lines.push(`${INDENT}${plural(incident.resultsLost, 'finished test')} of this worker never reached the report; what its journal kept is below.`)
  } else if (incident.nearLimit && incident.nearLimit.liveBytes > incident.maxLive.bytes) {
    const share = Math.round((incident.nearLimit.liveBytes / incident.heapLimitBytes) * 100)
    const during = incident.nearLimit.duringTest ? ` during ${incident.nearLimit.duringTest}` : ' between tests'
    lines.push(c.yellow(`${c.bold('heapmark: a test worker came close to its heap limit')} (worker ${incident.worker}${limit}): ${formatSize(incident.nearLimit.liveBytes)} (${share}%) used${during}.`))
  } else {
    const share = Math.round((incident.maxLive.bytes / incident.heapLimitBytes) * 100)
    lines.push(c.yellow(`${c.bold('heapmark: a test worker came close to its heap limit')} (worker ${incident.worker}${limit}): ${formatSize(incident.maxLive.bytes)} (${share}%) live before ${incident.maxLive.beforeTest}.`))
  }
  if (incident.nearLimit && incident.nearLimit.sites.length > 0) {
    const during = incident.nearLimit.duringTest ? `, during ${incident.nearLimit.duringTest}` : ''
    lines.push(`${INDENT}What filled the heap, read near its limit (${formatSize(incident.nearLimit.liveBytes)} used${during}): allocation sites sampled since the file's first test, freed ones included:`)
    for (const site of incident.nearLimit.sites) lines.push(`${INDENT}${INDENT}- ${c.bold(site.functionName)} at ${site.file}:${site.line} -> ${formatSize(site.bytes)}`)
  }
  const retainers = incident.tests
    .filter((test) => (test.retainedBytes ?? 0) >= RETAINED_REPORT_MIN_BYTES)
    .sort((a, b) => b.retainedBytes! - a.retainedBytes!)
    .slice(0, options.mostAllocations > 0 ? options.mostAllocations : undefined)
  if (retainers.length > 0) {
    lines.push(`${INDENT}Tests in this worker that left the most memory alive (look here first):`)
    for (const test of retainers) lines.push(`${INDENT}${INDENT}${`+${formatSize(test.retainedBytes!)}`.padStart(11)}  ${test.name}`)
  } else {
    lines.push(`${INDENT}No earlier test in this worker left 1 MiB or more alive: the memory went to the test it was running.`)
  }
  const recent = incident.tests.slice(-5)
  lines.push(c.dim(`${INDENT}Its last tests: ${recent.map((test) => `${test.name}${test.peakBytes !== undefined ? ` (peak ${formatSize(test.peakBytes)})` : ' (running)'}`).join(', ')}`))
  return lines.join('\n')
}

function renderLeaks(leaks: LeakCheckResult, c: Colors): string[] {
  const unit = leaks.iterations === 1 ? 'per location' : `per iteration per location (${leaks.iterations} iterations, ${leaks.warmup} warm-up)`
  const verdict = leaks.exceeded ? c.red(c.bold('EXCEEDED')) : c.green('ok')
  if (leaks.dom) return renderDomLeaks(leaks, leaks.dom, verdict)
  const lines = [`${INDENT}Leak limit: ${leaks.spec} ${unit}: ${verdict}`]
  for (const location of leaks.locations.slice(0, 3)) {
    const first = location.frames[0]
    const where = location.external
      ? 'external memory (Buffer/ArrayBuffer contents)'
      : location.workerThread !== undefined
        ? `worker thread ${location.workerThread} (still running)`
        : first ? renderFrame(first, c) : '(unknown location)'
    lines.push(`${INDENT}${INDENT}- ${where} -> ${formatSize(location.bytes)}${leaks.iterations === 1 ? ' still alive' : ' per iteration'}`)
  }
  return lines
}

/** The live peak beside the used one, worded for what is known about it (see live-peak.ts). */
export function renderLivePeak(test: TestMemoryResult, c: Colors = plainColors()): string {
  if (test.livePeakBytes === undefined || test.livePeakKind === undefined) return ''
  // Most small tests see no GC: a line saying nothing is known would repeat under nearly every
  // test. The JSON keeps the kind; the docs say the used peak is then the only bound.
  if (test.livePeakKind === 'unknown') return ''
  const words = livePeakWords(test.livePeakBytes, test.livePeakKind)
  const [atLeast, figure] = words.startsWith('at least ') ? ['at least ', words.slice(9)] : ['', words]
  return `Live peak: ${atLeast}${c.bold(figure)} ${c.dim(`(${livePeakKindNote(test.livePeakKind)})`)}`
}

/** Browser tests: the page's JS heap growth is judged as a whole, and DOM left behind fails. */
function renderDomLeaks(leaks: LeakCheckResult, dom: DomLeakResult, verdict: string): string[] {
  const per = leaks.iterations === 1 ? '' : ' per iteration'
  const unit = leaks.iterations === 1 ? 'of page JS heap growth, no DOM leaks' : `of page JS heap growth per iteration, no DOM leaks (${leaks.iterations} iterations, ${leaks.warmup} warm-up)`
  const lines = [`${INDENT}Leak limit: ${leaks.spec} ${unit}: ${verdict}`]
  for (const group of dom.detached.slice(0, 3)) lines.push(`${INDENT}${INDENT}- <${group.root}>: ${group.nodes} detached DOM node(s)${per} in ${group.trees} tree(s)`)
  for (const listener of dom.listeners.slice(0, 3)) lines.push(`${INDENT}${INDENT}- ${listener.target} '${listener.type}' listener ${listener.handler}: ${listener.count} left${per}`)
  lines.push(`${INDENT}${INDENT}- page JS heap after GC -> ${formatSize(leaks.locations[0]?.bytes ?? 0)}${per}`)
  return lines
}

function renderWorkerThreads(test: TestMemoryResult): string {
  const threads = test.workerThreads
  if (!threads) return ''
  const what = plural(threads.count, 'worker thread')
  return threads.measured ? `, ${what} ${formatSize(threads.peakBytes)}` : `, ${what} not measurable here`
}

function renderLimit(test: TestMemoryResult, c: Colors): string {
  const limit = test.limit!
  const label = limit.origin === 'default' ? 'Default limit' : limit.origin === 'file' ? 'File limit' : 'Memory limit'
  const others = test.shared ? plural(test.shared.overlapping, 'other test') : 'other tests'
  return `${label}: ${limitSpecWords(limit)}: ${limitVerdictWords(test, limit, c, others)}`
}

function renderIncrease(test: TestMemoryResult, c: Colors): string {
  const increase = test.increase!
  return `${increaseLabel(increase)}: ${increaseVerdictWords(test, increase, c)}`
}

function renderHistogram(histogram: readonly SizeHistogramBucket[], c: Colors): string[] {
  const buckets = expandHistogram(histogram)
  const first = buckets.findIndex((bucket) => bucket.count > 0)
  if (first === -1) return []
  let last = buckets.length - 1
  while (buckets[last]!.count === 0) last--
  const shown = buckets.slice(first, last + 1)
  const labelWidth = Math.max(...shown.map((bucket) => bucketLabel(bucket.upTo).length))
  const maxCount = Math.max(...shown.map((bucket) => bucket.count))
  const prefix = `${INDENT}${INDENT}`
  const lines = [`${INDENT}Histogram of allocation sizes:`]
  for (let index = 0; index < shown.length; index++) {
    const bucket = shown[index]!
    const label = bucketLabel(bucket.upTo).padEnd(labelWidth)
    if (bucket.count > 0) {
      const width = Math.max(1, Math.round((bucket.count / maxCount) * BAR_WIDTH))
      lines.push(`${prefix}${label} ${c.cyan('▇'.repeat(width))} ${formatCount(bucket.count)} ${c.dim(`(${formatSize(bucket.bytes)})`)}`)
      continue
    }
    // Empty buckets between used ones keep the shape honest; a run of them folds into one line.
    let runEnd = index
    while (shown[runEnd + 1]?.count === 0) runEnd++
    if (runEnd === index) {
      lines.push(`${prefix}${label} ${c.dim('0')}`)
    } else {
      const from = boundText(shown[index - 1]!.upTo!)
      const to = boundText(shown[runEnd]!.upTo!)
      lines.push(`${prefix}${'⋮'.padEnd(labelWidth)} ${c.dim(`none from ${from} to ${to}`)}`)
    }
    index = runEnd
  }
  return lines
}

/** "≤ 64 B", "≤ 4 KiB", "> 64 MiB". */
function bucketLabel(upTo: number | null): string {
  return upTo === null ? `> ${boundText(HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]!)}` : `≤ ${boundText(upTo)}`
}

/** Bounds are powers of four, so the ".0" formatSize adds says nothing. */
function boundText(bound: number): string {
  return formatSize(bound).replace('.0 ', ' ')
}

function renderTotals(report: MemoryReport, c: Colors): string {
  const { totals } = report
  const parts = [
    `${plural(totals.tests, 'test')} measured`,
    `largest peak ${formatSize(totals.peakBytes)}`,
    `${formatSize(totals.totalBytes)} allocated in total`,
  ]
  if (totals.limitFailures > 0) {
    parts.push(c.red(`${plural(totals.limitFailures, 'test')} over ${totals.limitFailures === 1 ? 'its' : 'their'} memory limit`))
  }
  if (totals.increaseFailures > 0) {
    parts.push(c.red(`${plural(totals.increaseFailures, 'test')} grew past --fail-on-increase's tolerance`))
  }
  const notJudged = report.tests.filter((test) => test.limit?.notJudged).length
  if (notJudged > 0) {
    parts.push(c.yellow(`${plural(notJudged, 'test')} not judged against the default limit (ran concurrently with others)`))
  }
  return `${c.bold('heapmark totals:')} ${parts.join(', ')}`
}


