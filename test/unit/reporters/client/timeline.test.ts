import { describe, expect, it } from 'vitest'
import { openPage, type OpenPage } from '../../../helpers/page-dom.js'
import { sampleTimelinePage } from '../../../helpers/pages.js'

/**
 * The timeline page's script (src/reporters/client/timeline.ts), run in jsdom on the sample run
 * of test/helpers/pages.ts: worker 101 has 7 points (two file starts, 5 tests; "two" kept 3 MiB,
 * "caches" 12 MiB), worker 202 died running b.test.ts > boom.
 * jsdom has no layout, so a chart is 1000 px wide: the plot spans x 62..982, and point i of a
 * 7-point worker sits at 62 + (i + 0.5) * 920 / 7.
 */

const pointX = (i: number, n = 7) => 62 + (i + 0.5) * (920 / n)
const worker = (page: OpenPage, index: number) => page.$$('section.worker')[index]!
const text = (els: Element[]) => els.map((el) => el.textContent)

describe('timeline page script', () => {
  it('draws one chart per worker: points, retainers in red, file bands, axes and the incident', () => {
    const page = openPage(sampleTimelinePage())
    expect(page.errors).toEqual([])
    expect(text(page.$$('section.worker h2'))).toEqual([
      'Worker 1015 tests in 2 files · live memory 10.0 MiB → 25.0 MiB (exact points)',
      'Worker 2023 tests in 1 file',
    ])
    const first = worker(page, 0)
    const points = [...first.querySelectorAll('circle.pt')]
    expect(points.map((pt) => pt.getAttribute('class'))).toEqual(['pt exact', 'pt bound', 'pt exact hot', 'pt bound', 'pt exact', 'pt exact hot', 'pt bound'])
    expect(Number(points[2]!.getAttribute('cx'))).toBeCloseTo(pointX(2), 0)
    // y: 0..30 MiB over 220 px, so 13 MiB sits 95 px above the axis at 244.
    expect(Number(points[2]!.getAttribute('cy'))).toBeCloseTo(244 - 13 / 30 * 220, 0)
    expect(text([...first.querySelectorAll('.hot-label')])).toEqual(['+12.0 MiB', '+3.0 MiB'])
    expect(text([...first.querySelectorAll('.file-label')])).toEqual(['a.test.ts', 'c.test.ts'])
    expect(first.querySelectorAll('rect.band')).toHaveLength(2)
    expect(first.querySelectorAll('line.boundary')).toHaveLength(1)
    expect(text([...first.querySelectorAll('text[text-anchor="end"]')]).slice(0, 4)).toEqual(['0', '10', '20', '30'])
    expect(text([...first.querySelectorAll('.chip')])).toEqual(['+12.0 MiB  c.test.ts > caches', '+3.0 MiB  a.test.ts > two'])

    const dead = worker(page, 1)
    expect(dead.querySelector('.incident')!.textContent).toBe('✕ This worker died while running b.test.ts > boom (live memory when that test started: at most 40.0 MiB). Heap limit 64.0 MiB. 1 finished test(s) never reached the report; their peaks come from the worker’s journal.')
    expect([...dead.querySelectorAll('circle.pt')].map((pt) => pt.getAttribute('class'))).toEqual(['pt unknown hot', 'pt unknown', 'pt bound'])
    expect(dead.querySelector('.x-mark')).not.toBeNull()
    expect(dead.querySelector('.incident-label')!.textContent).toBe('died while running b.test.ts > boom')
    expect(dead.querySelector('.limit-label')!.textContent).toBe('heap limit 64.0 MiB')
  })

  it('shows a clicked test\'s facts and allocation sites, and moves with the arrow keys', () => {
    const page = openPage(sampleTimelinePage())
    const first = worker(page, 0)
    const chart = first.querySelector('svg')!
    expect(first.querySelector('.details')!.className).toBe('details empty')
    page.mouse(chart, 'click', pointX(5))
    const details = first.querySelector('.details')!
    expect(details.querySelector('h3')!.textContent).toBe('c.test.ts > caches')
    expect([...details.querySelectorAll('.fact')].map((fact) => [fact.querySelector('.label')!.textContent, fact.querySelector('.value')!.textContent, fact.className])).toEqual([
      ['File', 'c.test.ts', 'fact'],
      ['State', 'passed', 'fact'],
      ['Peak', '10.0 MiB', 'fact'],
      ['Retained', '+12.0 MiB (at least)', 'fact bad'],
      ['Live memory after it', '25.0 MiB', 'fact'],
      ['Position', 'test 4 of 5 in worker 101', 'fact'],
    ])
    const rows = [...details.querySelectorAll('table.sites tr')].slice(1)
    expect(rows.map((row) => text([...row.querySelectorAll('td.num')]))).toEqual([['9.0 MiB', '~100'], ['2.0 MiB', '~100']])
    // Four frames shown, the other two behind "2 more frames"; frames keep their kind.
    expect(text([...rows[0]!.querySelectorAll(':scope > td.frames > .frame-line .fn')])).toEqual(['remember', 'load', 'a', 'b'])
    expect(rows[0]!.querySelector('details summary')!.textContent).toBe('2 more frames')
    expect(rows[1]!.querySelector('.frame-line.dependency .fn')!.textContent).toBe('runTest')
    const ring = first.querySelector('circle.selected')!
    expect(ring.getAttribute('visibility')).toBe('visible')
    expect(Number(ring.getAttribute('cx'))).toBeCloseTo(pointX(5), 0)
    expect(first.querySelector('.chip.active')!.textContent).toContain('c.test.ts > caches')

    page.key(chart, 'ArrowLeft')
    expect(details.querySelector('h3')!.textContent).toBe('Start of c.test.ts')
    expect(details.querySelector('p')!.textContent).toBe('Live memory: 13.0 MiB (exact: right after a full GC). The level before the file’s first test.')
    expect(first.querySelector('.chip.active')).toBeNull()
    page.key(chart, 'ArrowRight')
    page.key(chart, 'ArrowRight')
    expect(details.querySelector('h3')!.textContent).toBe('c.test.ts > small')
    expect(details.querySelector('p')!.textContent).toContain('Allocation sites were not read for this test')
    expect(page.errors).toEqual([])
  })

  it('selects a retainer from its chip', () => {
    const page = openPage(sampleTimelinePage())
    const first = worker(page, 0)
    const chip = page.$$('.chip').find((el) => el.textContent!.includes('a.test.ts > two'))!
    chip.click()
    expect(first.querySelector('.details h3')!.textContent).toBe('a.test.ts > two')
    expect(chip.classList.contains('active')).toBe(true)
  })

  it('describes the hovered point in the tooltip', () => {
    const page = openPage(sampleTimelinePage())
    const chart = worker(page, 0).querySelector('svg')!
    page.mouse(chart, 'mousemove', pointX(1))
    const tooltip = page.$('#tooltip')
    expect(tooltip.hidden).toBe(false)
    expect(text([...tooltip.children])).toEqual([
      'a.test.ts > one', 'a.test.ts', 'Live memory after it: at most 11.0 MiB (upper bound: garbage included)',
      'Retained: under 1.0 MiB (no full GC was needed)', 'Peak: 10.0 MiB', 'Test 1 of 5 in this worker · click for its allocation sites',
    ])
    expect(chart.querySelector('.guide')!.getAttribute('visibility')).toBe('visible')
    page.mouse(chart, 'mouseleave')
    expect(tooltip.hidden).toBe(true)
    expect(chart.querySelector('.guide')!.getAttribute('visibility')).toBe('hidden')
  })

  it('fits the y axis to the data when asked', () => {
    const page = openPage(sampleTimelinePage())
    const fit = page.$('#fit') as HTMLInputElement
    fit.checked = true
    fit.dispatchEvent(new page.window.Event('change'))
    const labels = text([...worker(page, 0).querySelectorAll('text[text-anchor="end"]')])
    expect(labels[0]).toBe('10')
    expect(labels).not.toContain('0')
  })

  it('selects the test named by #test= in the URL, here the one running when its worker died', () => {
    const page = openPage(sampleTimelinePage(), `#test=${encodeURIComponent('b.test.ts > boom')}`)
    const details = worker(page, 1).querySelector('.details')!
    expect(details.querySelector('h3')!.textContent).toBe('b.test.ts > boom')
    expect(details.querySelector('p')!.textContent).toBe('No allocation sites: the worker died while this test ran.')
    expect([...details.querySelectorAll('.fact .label')].map((el) => el.textContent)).toContain('Live memory at its start')
    expect(page.errors).toEqual([])
  })
})
