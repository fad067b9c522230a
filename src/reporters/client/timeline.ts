/**
 * The timeline page's script (bundled by scripts/bundle-client.mjs and inlined by ../timeline.ts).
 *
 * One SVG chart per worker, drawn from the page's data (TimelineData): x is the worker's points in
 * run order, evenly spaced; y is live memory. A chart is redrawn as a whole on resize or when the
 * y axis changes, with one circle per point, so 5,000 points make 5,000 elements and no per-point
 * listeners: hover and click find the point from the pointer's x. Click (or ←/→) selects a test
 * and shows its details; the "kept" chips select the biggest retainers; "#test=<name>" in the URL
 * selects that test.
 */
import type { TimelineWorker } from '../page-data.js'
import { byId, element, formatSize, hashParameter, hideTooltip, showTooltip } from './page.js'
import { data, files, MiB, tests, type Run, type WorkerView } from './timeline-data.js'
import { showDetails } from './timeline-details.js'
import { describePoint, fitText, formatMiB, isHot, isRunning, niceStep, testAt } from './timeline-text.js'

const SVG_NS = 'http://www.w3.org/2000/svg'
const HEIGHT = 280
const MARGIN = { left: 62, right: 18, top: 24, bottom: 36 }

const main = byId('workers')
const fit = byId<HTMLInputElement>('fit')

type Label = (x: number, y: number, text: string, className: string, anchor: string) => void

function svg(tag: string, attrs: Record<string, string | number>, className?: string): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement
  for (const key in attrs) el.setAttribute(key, String(attrs[key]))
  if (className) el.setAttribute('class', className)
  return el
}

function svgText(x: number, y: number, text: string, className: string, anchor?: string): SVGElement {
  const el = svg('text', { x, y, 'text-anchor': anchor || 'start' }, className)
  el.textContent = text
  return el
}

function setUp(w: TimelineWorker): WorkerView {
  const n = w.b.length
  const ordinal: number[] = []
  const runs: Run[] = []
  const hot: number[] = []
  let tested = 0
  for (let i = 0; i < n; i++) {
    if (w.t[i]! >= 0) tested++
    ordinal.push(tested)
    if (i === 0 || w.t[i]! < 0 || w.f[i] !== w.f[i - 1]) runs.push({ start: i, end: i, file: w.f[i]! })
    else runs[runs.length - 1]!.end = i
    if (w.t[i]! >= 0 && isHot(testAt(w, i))) hot.push(i)
  }
  hot.sort((a, b) => testAt(w, b).r! - testAt(w, a).r!)

  const section = element('section', 'worker')
  const title = element('h2', '', 'Worker ' + w.id)
  const known: number[] = []
  const exact: number[] = []
  for (let k = 0; k < n; k++) {
    const bytes = w.b[k]
    if (bytes !== null && bytes !== undefined && !isRunning(w, k)) {
      known.push(bytes)
      if (w.e[k]) exact.push(bytes)
    }
  }
  const ends = exact.length >= 2 ? exact : known
  const fileCount = new Set(runs.map((run) => run.file)).size
  let sub = tested + (tested === 1 ? ' test' : ' tests') + ' in ' + fileCount + (fileCount === 1 ? ' file' : ' files')
  if (ends.length >= 2) sub += ' · live memory ' + formatSize(ends[0]!) + ' → ' + formatSize(ends[ends.length - 1]!) + (ends === exact ? ' (exact points)' : '')
  title.appendChild(element('span', 'sub', sub))
  section.appendChild(title)
  if (w.incident) section.appendChild(incidentBanner(w))
  const chart = element('div', 'chart')
  section.appendChild(chart)
  const details = element('div', 'details empty', 'Click a point to see that test’s peak, retained memory and allocation sites.')
  const view: WorkerView = { w, selected: -1, ordinal, runs, hot, tested, section, chart, details }
  if (hot.length > 0) {
    const kept = element('div', 'kept', 'Kept ≥ ' + formatSize(data.hot) + ':')
    view.chips = []
    for (const at of hot.slice(0, 6)) {
      const chip = element('button', 'chip', '+' + formatSize(testAt(w, at).r!) + '  ' + testAt(w, at).n)
      chip.type = 'button'
      chip.setAttribute('data-i', String(at))
      chip.addEventListener('click', () => select(view, at, true))
      view.chips.push(chip)
      kept.appendChild(chip)
    }
    if (hot.length > 6) kept.appendChild(element('span', '', 'and ' + (hot.length - 6) + ' more (red in the chart)'))
    section.appendChild(kept)
  }
  section.appendChild(details)
  main.appendChild(section)
  return view
}

function incidentBanner(w: TimelineWorker): HTMLDivElement {
  const incident = w.incident!
  let text: string
  if (incident.kind === 'died') {
    text = '✕ This worker died'
    if (incident.running !== null) {
      text += ' while running ' + tests[incident.running]!.n + ' (live memory when that test started: at most ' + formatSize(w.b[w.b.length - 1]!) + ')'
    }
    text += '. Heap limit ' + formatSize(incident.heapLimitBytes) + '.'
    if (incident.resultsLost > 0) text += ' ' + incident.resultsLost + ' finished test(s) never reached the report; their peaks come from the worker’s journal.'
  } else {
    text = '⚠ This worker’s live memory reached ' + formatSize(incident.maxLive.bytes) + ' (before ' + incident.maxLive.beforeTest + '), within 85% of its heap limit of ' + formatSize(incident.heapLimitBytes) + '.'
  }
  return element('div', 'incident' + (incident.kind === 'died' ? '' : ' near'), text)
}

function render(view: WorkerView): void {
  const w = view.w
  const n = w.b.length
  const width = Math.max(320, view.chart.clientWidth || 1000)
  const plotW = width - MARGIN.left - MARGIN.right
  const top = MARGIN.top
  const bottom = HEIGHT - MARGIN.bottom
  const step = plotW / n
  const x = (i: number) => MARGIN.left + (i + 0.5) * step

  let max = 0
  let min = Infinity
  for (const bytes of w.b) {
    if (bytes === null) continue
    max = Math.max(max, bytes)
    min = Math.min(min, bytes)
  }
  if (min === Infinity) min = 0
  const limit = w.incident && w.incident.heapLimitBytes > 0 && w.incident.heapLimitBytes <= max * 1.6 ? w.incident.heapLimitBytes : 0
  const high = Math.max(max, limit, MiB)
  const low = fit.checked ? min : 0
  const tick = niceStep(Math.max(high - low, MiB / 2) / MiB, 5) * MiB
  const y0 = Math.floor(low / tick) * tick
  let y1 = Math.ceil(high / tick) * tick
  if (y1 - high < tick * 0.15) y1 += tick // room above the highest point for its label
  const y = (bytes: number | null) => (bytes === null ? bottom : bottom - ((bytes - y0) / (y1 - y0)) * (bottom - top))

  const root = svg('svg', { width, height: HEIGHT, viewBox: '0 0 ' + width + ' ' + HEIGHT, tabindex: 0, role: 'img' }) as SVGSVGElement
  root.setAttribute('aria-label', 'Live memory of worker ' + w.id + ' after each test')
  // File bands and boundaries, labelled where there is room.
  view.runs.forEach((run, r) => {
    const bx = MARGIN.left + run.start * step
    const bw = (run.end - run.start + 1) * step
    root.appendChild(svg('rect', { x: bx, y: top, width: bw, height: bottom - top }, 'band' + (r % 2 ? ' odd' : '')))
    if (r > 0 && bw >= 4) root.appendChild(svg('line', { x1: bx, x2: bx, y1: top - 4, y2: bottom }, 'boundary'))
    const fileLabel = fitText(files[run.file]!, bw - 6, true)
    if (fileLabel) root.appendChild(svgText(bx + 3, top - 8, fileLabel, 'file-label'))
  })
  // The y axis: MiB gridlines.
  for (let v = y0; v <= y1 + tick / 2; v += tick) {
    root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v) }, 'grid'))
    root.appendChild(svgText(MARGIN.left - 6, y(v) + 4, formatMiB(v, tick), '', 'end'))
  }
  root.appendChild(svgText(4, top - 8, 'MiB', ''))
  root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: bottom, y2: bottom }, 'axis'))
  // The x axis: test numbers in run order.
  const every = Math.max(1, Math.round(niceStep(Math.max(1, view.tested), Math.max(2, Math.floor(plotW / 70)))))
  let next = every === 1 ? 1 : every
  for (let t = 0; t < n; t++) {
    if (w.t[t]! < 0 || view.ordinal[t]! < next) continue
    root.appendChild(svg('line', { x1: x(t), x2: x(t), y1: bottom, y2: bottom + 4 }, 'axis'))
    root.appendChild(svgText(x(t), bottom + 15, String(view.ordinal[t]), '', 'middle'))
    next = (Math.floor(view.ordinal[t]! / every) + 1) * every
  }
  root.appendChild(svgText(width - MARGIN.right, HEIGHT - 4, 'tests in run order →', '', 'end'))
  if (limit) {
    root.appendChild(svg('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(limit), y2: y(limit) }, 'limit'))
    root.appendChild(svgText(MARGIN.left + 4, y(limit) - 4, 'heap limit ' + formatSize(limit), 'limit-label'))
  }
  // The line through the recorded points, then the points.
  let d = ''
  let pen = false
  for (let p = 0; p < n; p++) {
    const bytes = w.b[p] ?? null
    if (bytes === null) {
      pen = false
      continue
    }
    d += (pen ? 'L' : 'M') + x(p).toFixed(1) + ' ' + y(bytes).toFixed(1)
    pen = true
  }
  if (d) root.appendChild(svg('path', { d, 'stroke-width': step < 3 ? 1 : 1.5 }, 'line'))
  const radius = Math.max(1.2, Math.min(3.5, step * 0.35))
  const points = svg('g', {}, 'points')
  for (let q = 0; q < n; q++) {
    const hot = w.t[q]! >= 0 && isHot(testAt(w, q))
    const kind = w.b[q] === null ? 'unknown' : w.e[q] ? 'exact' : 'bound'
    points.appendChild(svg('circle', { cx: x(q).toFixed(1), cy: y(w.b[q] ?? null).toFixed(1), r: hot ? Math.max(4.5, radius + 2) : radius }, 'pt ' + kind + (hot ? ' hot' : '')))
  }
  root.appendChild(points)
  // Labels that would overlap one placed before them are left out: the incident's first, then
  // the biggest retainers' figures, biggest first.
  const placed: number[][] = []
  const label: Label = (lx, ly, text, className, anchor) => {
    const textWidth = text.length * 6.7
    const x1 = anchor === 'end' ? lx - textWidth : anchor === 'middle' ? lx - textWidth / 2 : lx
    const box = [x1 - 3, x1 + textWidth + 3, ly - 11, ly + 3]
    for (const other of placed) {
      if (box[0]! < other[1]! && other[0]! < box[1]! && box[2]! < other[3]! && other[2]! < box[3]!) return
    }
    placed.push(box)
    root.appendChild(svgText(lx, ly, text, className, anchor))
  }
  if (w.incident) drawIncident(root, view, x, y, label)
  for (const at of view.hot.slice(0, 12)) {
    const lx = Math.min(Math.max(x(at), MARGIN.left + 30), width - MARGIN.right - 30)
    label(lx, Math.max(top + 10, y(w.b[at] ?? null) - 9), '+' + formatSize(testAt(w, at).r!), 'hot-label', 'middle')
  }
  const guide = root.appendChild(svg('line', { x1: 0, x2: 0, y1: top, y2: bottom, visibility: 'hidden' }, 'guide'))
  const focus = root.appendChild(svg('circle', { cx: 0, cy: 0, r: radius + 3, visibility: 'hidden' }, 'focus'))
  view.ring = root.appendChild(svg('circle', { cx: 0, cy: 0, r: radius + 5, visibility: 'hidden' }, 'selected'))
  Object.assign(view, { guide, focus, x, y, step, svg: root })
  root.addEventListener('mousemove', (event) => hover(view, event))
  root.addEventListener('mouseleave', () => {
    guide.setAttribute('visibility', 'hidden')
    focus.setAttribute('visibility', 'hidden')
    hideTooltip()
  })
  root.addEventListener('click', (event) => {
    const i = indexAt(view, event)
    if (i >= 0) select(view, i, false)
  })
  root.addEventListener('keydown', (event) => {
    const move = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (!move) return
    event.preventDefault()
    select(view, Math.min(n - 1, Math.max(0, (view.selected < 0 ? (move > 0 ? -1 : n) : view.selected) + move)), false)
  })
  view.chart.textContent = ''
  view.chart.appendChild(root)
  placeRing(view)
}

function drawIncident(root: SVGElement, view: WorkerView, x: (i: number) => number, y: (bytes: number | null) => number, label: Label): void {
  const w = view.w
  const incident = w.incident!
  const last = w.b.length - 1
  const cx = x(last)
  const cy = y(w.b[last] ?? null)
  const near = incident.kind !== 'died'
  const s = 6
  root.appendChild(svg('path', { d: 'M' + (cx - s) + ' ' + (cy - s) + 'L' + (cx + s) + ' ' + (cy + s) + 'M' + (cx + s) + ' ' + (cy - s) + 'L' + (cx - s) + ' ' + (cy + s) }, 'x-mark' + (near ? ' near' : '')))
  const text = near ? 'came within 85% of its heap limit' : incident.running !== null ? 'died while running ' + tests[incident.running]!.n : 'died'
  const room = Math.max(cx - MARGIN.left - 12, 120)
  label(cx - 10, Math.max(MARGIN.top + 12, cy - 10), fitText(text, room, false), 'incident-label' + (near ? ' near' : ''), 'end')
}

function indexAt(view: WorkerView, event: MouseEvent): number {
  const box = view.svg!.getBoundingClientRect()
  const i = Math.floor((event.clientX - box.left - MARGIN.left) / view.step!)
  return Math.min(view.w.b.length - 1, Math.max(0, i))
}

function hover(view: WorkerView, event: MouseEvent): void {
  const i = indexAt(view, event)
  const cx = String(view.x!(i))
  const cy = String(view.y!(view.w.b[i] ?? null))
  view.guide!.setAttribute('x1', cx)
  view.guide!.setAttribute('x2', cx)
  view.guide!.setAttribute('visibility', 'visible')
  view.focus!.setAttribute('cx', cx)
  view.focus!.setAttribute('cy', cy)
  view.focus!.setAttribute('visibility', 'visible')
  showTooltip(describePoint(view, i), event)
}

function placeRing(view: WorkerView): void {
  const ring = view.ring!
  if (view.selected < 0) {
    ring.setAttribute('visibility', 'hidden')
    return
  }
  ring.setAttribute('cx', String(view.x!(view.selected)))
  ring.setAttribute('cy', String(view.y!(view.w.b[view.selected] ?? null)))
  ring.setAttribute('visibility', 'visible')
}

/** Selects point i: the ring, the matching chip and the details panel. */
/** Selects point i: the ring, the matching chip and the details panel. */
function select(view: WorkerView, i: number, scroll: boolean): void {
  view.selected = i
  placeRing(view)
  if (view.chips) for (const chip of view.chips) chip.classList.toggle('active', Number(chip.getAttribute('data-i')) === i)
  showDetails(view, i)
  if (scroll) view.section.scrollIntoView({ block: 'nearest' })
}

const views = data.workers.map(setUp)
const renderAll = () => views.forEach(render)
renderAll()
let pending = false
window.addEventListener('resize', () => {
  if (pending) return
  pending = true
  requestAnimationFrame(() => {
    pending = false
    renderAll()
  })
})
fit.addEventListener('change', renderAll)
const wanted = hashParameter('test')
if (wanted !== undefined) {
  for (const view of views) {
    const found = view.w.t.findIndex((t) => t >= 0 && tests[t]!.n === wanted)
    if (found >= 0) {
      select(view, found, true)
      break
    }
  }
}
