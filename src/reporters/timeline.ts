import path from 'node:path'
import type { MemoryReport, TestMemoryResult, WorkerIncident } from '../core/report/model.js'
import { plural } from '../core/report/numbers.js'
import { RETAINED_REPORT_MIN_BYTES } from '../core/report/render-text.js'
import { formatSize } from '../core/config/size.js'
import { FRAME_KIND_CODES, frameLocation } from './frames.js'
import { escapeHtml, renderPage, type PageFact } from './html-page.js'
import { TIMELINE_SCRIPT, TIMELINE_STYLE } from './client-bundles.js'
import type { TimelineData, TimelineTest, TimelineWorker } from './page-data.js'

/**
 * `heapmark timeline`: the JSON report's per-worker timelines (live memory test by test) as one
 * self-contained HTML page, a chart per worker, with each test's retained memory and allocation
 * sites a click away. This file turns the report into the page's compact data (page-data.ts); the
 * page script (client/timeline.ts, bundled into client-bundles.ts) draws it.
 */

export type { TimelineData, TimelineIncident, TimelineTest, TimelineWorker } from './page-data.js'

export interface TimelineModel {
  title: string
  report: string
  facts: PageFact[]
  note: string | undefined
  data: TimelineData
}

/** Whether the report has anything to draw: a timeline point or an incident. */
export function hasTimeline(report: MemoryReport): boolean {
  return (report.workers ?? []).some((worker) => worker.points.length > 0) || (report.incidents ?? []).length > 0
}

export function buildTimeline(report: MemoryReport, reportPath: string): TimelineModel {
  const files: string[] = []
  const fileIndex = new Map<string, number>()
  const fileOf = (file: string) => {
    let index = fileIndex.get(file)
    if (index === undefined) fileIndex.set(file, (index = files.push(file) - 1))
    return index
  }
  const frames: TimelineData['frames'] = []
  const frameIndex = new Map<string, number>()
  const frameOf = (frame: TestMemoryResult['sites'][number]['frames'][number]) => {
    const entry: [string, string, 0 | 1 | 2] = [frame.functionName, frameLocation(frame), FRAME_KIND_CODES[frame.kind]]
    const key = entry.join('\0')
    let index = frameIndex.get(key)
    if (index === undefined) frameIndex.set(key, (index = frames.push(entry) - 1))
    return index
  }

  const results = new Map<string, TestMemoryResult>()
  for (const test of report.tests) if (!results.has(test.name)) results.set(test.name, test)
  const tests: TimelineTest[] = []
  const testIndex = new Map<string, number>()
  /** The page's entry for a test, made on first use from the report's result (or what else is known). */
  const testOf = (name: string, file: string, fallback: Partial<Pick<TimelineTest, 's' | 'p' | 'r'>> = {}) => {
    let index = testIndex.get(name)
    if (index !== undefined) return index
    const result = results.get(name)
    const entry: TimelineTest = result
      ? {
          n: name,
          f: fileOf(result.file),
          s: result.state,
          p: result.peakBytes,
          r: result.retained?.bytes ?? fallback.r ?? null,
          x: result.retained?.exact ?? false,
          m: result.sampled,
          a: result.sites.map((site) => [site.bytes, site.count, site.frames.map(frameOf)]),
        }
      : { n: name, f: fileOf(file), s: fallback.s ?? 'lost', p: fallback.p ?? null, r: fallback.r ?? null, x: false, m: false, a: [] }
    testIndex.set(name, (index = tests.push(entry) - 1))
    return index
  }

  const incidents = new Map<string, WorkerIncident>()
  for (const incident of report.incidents ?? []) incidents.set(incident.worker, incident)
  const timelines = new Map((report.workers ?? []).map((worker) => [worker.worker, worker.points]))
  for (const worker of incidents.keys()) if (!timelines.has(worker)) timelines.set(worker, [])

  const workers: TimelineWorker[] = []
  for (const [id, points] of timelines) {
    const worker: TimelineWorker = { id, b: [], e: [], t: [], f: [] }
    const push = (bytes: number | null, exact: boolean, test: number, file: number) => {
      worker.b.push(bytes)
      worker.e.push(exact ? 1 : 0)
      worker.t.push(test)
      worker.f.push(file)
    }
    const seen = new Set<string>()
    for (const point of points) {
      if (point.test !== undefined) seen.add(point.test)
      push(point.bytes, point.exact, point.test === undefined ? -1 : testOf(point.test, point.file), fileOf(point.file))
    }
    const incident = incidents.get(id)
    if (incident) {
      // The journal knows the tests whose file never reported (the worker died in it): their
      // live memory is not recorded, but their peak and retained memory are.
      const journal = new Map(incident.tests.map((test) => [test.name, test]))
      for (const test of incident.tests) {
        if (seen.has(test.name) || test.name === incident.runningTest?.name) continue
        push(null, false, testOf(test.name, test.file, { s: 'lost', p: test.peakBytes ?? null, r: test.retainedBytes ?? null }), fileOf(test.file))
      }
      let running: number | null = null
      if (incident.runningTest) {
        const known = journal.get(incident.runningTest.name)
        running = testOf(incident.runningTest.name, incident.runningTest.file, { s: 'running', p: known?.peakBytes ?? null })
        // Its live memory when it started: the last level known before the worker died (an upper bound).
        push(incident.runningTest.liveBytesAtStart, false, running, fileOf(incident.runningTest.file))
      }
      worker.incident = { kind: incident.kind, heapLimitBytes: incident.heapLimitBytes, running, maxLive: incident.maxLive, resultsLost: incident.resultsLost }
    }
    if (worker.b.length > 0) workers.push(worker)
  }

  const data: TimelineData = { hot: RETAINED_REPORT_MIN_BYTES, files, frames, tests, workers }
  return { title: path.basename(reportPath), report: reportPath, facts: timelineFacts(report, data), note: timelineNote(data), data }
}

function timelineFacts(report: MemoryReport, data: TimelineData): PageFact[] {
  const points = data.workers.reduce((total, worker) => total + worker.b.length, 0)
  const hot = data.tests.filter((test) => (test.r ?? 0) >= data.hot)
  const largest = hot.reduce<TimelineTest | undefined>((best, test) => (best && best.r! >= test.r! ? best : test), undefined)
  const died = data.workers.filter((worker) => worker.incident?.kind === 'died').length
  const near = data.workers.filter((worker) => worker.incident?.kind === 'near-heap-limit').length
  const facts: PageFact[] = [
    { label: 'Tests measured', value: String(report.tests.length) },
    { label: 'Workers', value: `${data.workers.length} (${plural(points, 'point')})` },
    { label: `Tests that kept ≥ ${formatSize(data.hot)}`, value: String(hot.length), ...(hot.length > 0 ? { tone: 'bad' as const } : { tone: 'good' as const }) },
    largest
      ? { label: 'Kept the most', value: `+${formatSize(largest.r!)} ${largest.n}` }
      : { label: 'Kept the most', value: `nothing over ${formatSize(data.hot)}`, tone: 'muted' },
  ]
  if (died + near > 0) {
    const parts = [died > 0 ? `${plural(died, 'worker')} died` : '', near > 0 ? `${near} near the heap limit` : ''].filter(Boolean)
    facts.push({ label: 'Incidents', value: parts.join(', '), tone: 'bad' })
  }
  facts.push({ label: 'Run', value: `${report.runner.name} ${report.runner.version}, Node ${report.node.replace(/^v/, '')}, ${report.createdAt.slice(0, 16).replace('T', ' ')}` })
  return facts
}

function timelineNote(data: TimelineData): string | undefined {
  const lines = data.workers.filter((worker) => worker.b.some((bytes) => bytes === null)).length
  return lines > 0
    ? `${plural(lines, 'worker')} died before its file's results arrived: the tests only its journal knows are drawn on the axis (live memory not recorded), with their peak and retained memory.`
    : undefined
}

export function renderTimelineHtml(model: TimelineModel): string {
  return renderPage({
    kind: 'retained-memory timeline',
    title: model.title,
    facts: model.facts,
    note: model.note,
    style: TIMELINE_STYLE,
    body: `<div class="toolbar">
<label><input id="fit" type="checkbox"> Fit the y axis to the data (default: from 0)</label>
<span class="legend"><i class="dot exact"></i>exact (after a full GC) <i class="dot bound"></i>upper bound <i class="dot hot"></i>test that kept ≥ ${escapeHtml(formatSize(model.data.hot))} <i class="dot unknown"></i>not recorded <i class="bar"></i>file start <b class="cross">✕</b>worker died</span>
</div>
<main id="workers" aria-label="live memory per worker, test by test"></main>`,
    footer: `Each point is a worker's live memory (JS heap + external) right after a test, in the order the worker ran them. Retained: what a test left reachable at the next test's start (measured after a full GC). Hover a point for the test, click it for its peak, retained memory and allocation sites; ←/→ move the selection. Report: <code>${escapeHtml(model.report)}</code>`,
    data: model.data,
    script: TIMELINE_SCRIPT,
  })
}

export function renderTimeline(report: MemoryReport, reportPath: string): string {
  return renderTimelineHtml(buildTimeline(report, reportPath))
}
