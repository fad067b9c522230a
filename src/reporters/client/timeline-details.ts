/**
 * The timeline page's details panel under a worker's chart: the selected test's facts and its
 * biggest allocation sites (or why there are none), or the live memory at a file's start.
 */
import type { TimelineTest } from '../page-data.js'
import { element, formatSize } from './page.js'
import { files, frames, type WorkerView } from './timeline-data.js'
import { isHot, isRunning, liveText, retainedText, STATES, testAt } from './timeline-text.js'

const KINDS = ['user', 'dependency', 'node'] as const

function fact(label: string, value: string): HTMLDivElement {
  const el = element('div', 'fact')
  el.appendChild(element('span', 'label', label))
  el.appendChild(element('span', 'value', value))
  return el
}

function frameLine(index: number): HTMLDivElement {
  const [name, location, kind] = frames[index]!
  const el = element('div', 'frame-line ' + KINDS[kind])
  el.appendChild(element('span', 'fn', name))
  if (location) el.appendChild(element('span', 'loc', location))
  return el
}

function sitesTable(test: TimelineTest): HTMLTableElement {
  const table = element('table', 'sites')
  const head = element('tr')
  head.appendChild(element('th', 'num', 'Allocated'))
  head.appendChild(element('th', 'num', 'Allocations'))
  head.appendChild(element('th', '', 'Where (allocating function first, then its callers)'))
  table.appendChild(head)
  const shown = 4
  for (const [bytes, count, siteFrames] of test.a) {
    const row = element('tr')
    row.appendChild(element('td', 'num', formatSize(bytes)))
    row.appendChild(element('td', 'num', '~' + Math.round(count).toLocaleString('en-US')))
    const cell = element('td', 'frames')
    for (const index of siteFrames.slice(0, shown)) cell.appendChild(frameLine(index))
    if (siteFrames.length > shown) {
      const more = element('details')
      more.appendChild(element('summary', '', siteFrames.length - shown + ' more frames'))
      for (const index of siteFrames.slice(shown)) more.appendChild(frameLine(index))
      cell.appendChild(more)
    }
    row.appendChild(cell)
    table.appendChild(row)
  }
  return table
}

/** Fills the worker's details panel for point i. */
export function showDetails(view: WorkerView, i: number): void {
  const w = view.w
  const details = view.details
  details.textContent = ''
  details.className = 'details'
  if (w.t[i]! < 0) {
    details.appendChild(element('h3', '', 'Start of ' + files[w.f[i]!]))
    details.appendChild(element('p', '', 'Live memory: ' + liveText(w, i) + '. The level before the file’s first test.'))
  } else {
    const test = testAt(w, i)
    const bytes = w.b[i] ?? null
    details.appendChild(element('h3', '', test.n))
    const facts = element('div', 'facts')
    facts.appendChild(fact('File', files[test.f]!))
    facts.appendChild(fact('State', STATES[test.s] || test.s))
    facts.appendChild(fact('Peak', test.p === null ? 'unknown' : formatSize(test.p)))
    const retained = fact('Retained', retainedText(test))
    if (isHot(test)) retained.classList.add('bad')
    facts.appendChild(retained)
    facts.appendChild(fact(isRunning(w, i) ? 'Live memory at its start' : 'Live memory after it', bytes === null ? 'not recorded' : (w.e[i] ? '' : '≤ ') + formatSize(bytes)))
    facts.appendChild(fact('Position', 'test ' + view.ordinal[i] + ' of ' + view.tested + ' in worker ' + w.id))
    details.appendChild(facts)
    if (test.a.length > 0) {
      const heading = element('h4', '', 'Biggest allocation sites during the test ')
      heading.appendChild(element('span', '', '(sampled: what it allocated, kept or not)'))
      details.appendChild(heading)
      details.appendChild(sitesTable(test))
    } else if (test.s === 'running') {
      details.appendChild(element('p', '', 'No allocation sites: the worker died while this test ran.'))
    } else if (test.s === 'lost' || bytes === null) {
      details.appendChild(element('p', '', 'No allocation sites: its worker died before the file’s results reached the report. ' + (test.s === 'lost' ? 'Peak and retained memory come' : 'Retained memory comes') + ' from the worker’s journal.'))
    } else if (!test.m) {
      details.appendChild(element('p', '', 'Allocation sites were not read for this test: no test in its file peaked at 1 MiB or allocated 4 MiB (see docs/measuring.md).'))
    } else {
      details.appendChild(element('p', '', 'No allocation sites were recorded for this test.'))
    }
  }
}
