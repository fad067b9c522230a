import { describe, expect, it } from 'vitest'
import { renderFlamegraph } from '../../../../src/reporters/flamegraph.js'
import { makeCapture } from '../../../helpers/captures.js'
import { openPage, type OpenPage } from '../../../helpers/page-dom.js'
import { sampleFlamegraphPage } from '../../../helpers/pages.js'

/** The flamegraph page's script (src/reporters/client/flamegraph.ts), run in jsdom on the sample capture's page. */

const frameNamed = (page: OpenPage, name: string) => page.$$('#chart .frame').find((el) => el.firstChild?.textContent === name)
const names = (page: OpenPage) => page.$$('#chart .frame').map((el) => el.firstChild?.textContent ?? '')
const px = (value: string) => Number(value.replace('px', ''))

describe('flamegraph page script', () => {
  it('draws the call tree as rows of frames, widths in proportion to bytes', () => {
    const page = openPage(sampleFlamegraphPage())
    expect(page.errors).toEqual([])
    const root = page.$('#chart .frame.root')
    expect(root.textContent).toBe('all allocations · 5.5 MiB')
    expect([root.style.left, root.style.width, root.style.top]).toEqual(['0px', '1000px', '0px'])
    expect(names(page)).toEqual(expect.arrayContaining(['runTest', 'callFn', 'toCsv', 'buildTable', 'makeRow']))
    const toCsv = frameNamed(page, 'toCsv')!
    expect(toCsv.className).toBe('frame user')
    expect(toCsv.style.top).toBe('66px') // fourth row
    expect(px(toCsv.style.width)).toBeCloseTo(1000 * 5 / 5.5, -1) // 5.0 of 5.5 MiB sampled
    expect(toCsv.style.background).toMatch(/^hsl|^rgb/) // user frames get a warm colour of their own
    expect(toCsv.querySelector('.size')!.textContent).toBe(' 5.0 MiB · 91.2%')
    expect(frameNamed(page, 'runTest')!.className).toBe('frame dependency')
    // Narrow frames carry no text: the JSON.parse frame (3 KiB) is under 28 px.
    expect(page.$$('#chart .frame').some((el) => el.textContent === '' && el.style.padding === '0px')).toBe(true)
    expect((page.$('#reset') as HTMLButtonElement).disabled).toBe(true)
  })

  it('zooms into a clicked frame, out on a second click, and back with Reset or Esc', () => {
    const page = openPage(sampleFlamegraphPage())
    page.mouse(frameNamed(page, 'buildTable')!, 'click')
    const zoomed = frameNamed(page, 'buildTable')!
    expect([zoomed.style.left, zoomed.style.width, zoomed.style.top]).toEqual(['0px', '1000px', '66px'])
    expect(page.$$('#chart .frame.ancestor').map((el) => el.firstChild?.textContent)).toEqual(['all allocations · 5.5 MiB', 'runTest', 'callFn'])
    expect(names(page)).not.toContain('toCsv')
    expect((page.$('#reset') as HTMLButtonElement).disabled).toBe(false)
    // A click on the zoomed frame goes up one level.
    page.mouse(frameNamed(page, 'buildTable')!, 'click')
    expect(frameNamed(page, 'callFn')!.style.width).toBe('1000px')
    expect(names(page)).toContain('toCsv')
    page.$('#reset').click()
    expect(page.$$('#chart .frame.ancestor')).toHaveLength(0)
    expect((page.$('#reset') as HTMLButtonElement).disabled).toBe(true)
    page.mouse(frameNamed(page, 'makeRow')!, 'click')
    page.key(page.document.body, 'Escape')
    expect(page.$('#chart .frame.root').style.width).toBe('1000px')
    expect(page.errors).toEqual([])
  })

  it('highlights search matches on function names and files, with their share', () => {
    const page = openPage(sampleFlamegraphPage())
    const search = page.$('#search') as HTMLInputElement
    search.value = ' Table '
    search.dispatchEvent(new page.window.Event('input'))
    expect(page.$('#chart').className).toBe('searching')
    // buildTable by name, makeRow by its file src/table.ts; makeRow's bytes count once, inside buildTable's.
    expect(page.$$('#chart .frame.match').map((el) => el.firstChild?.textContent)).toEqual(['buildTable', 'makeRow'])
    expect(page.$('#search-result').textContent).toBe('Matched 478.3 KiB (8.5% of all)')
    page.key(page.document.body, 'Escape')
    expect(search.value).toBe('')
    expect(page.$('#chart').className).toBe('')
    expect(page.$$('#chart .frame.match')).toHaveLength(0)
    expect(page.$('#search-result').textContent).toBe('')
  })

  it('pre-fills the search from #search= in the URL', () => {
    const page = openPage(sampleFlamegraphPage(), '#search=csv')
    expect((page.$('#search') as HTMLInputElement).value).toBe('csv')
    expect(page.$$('#chart .frame.match').map((el) => el.firstChild?.textContent)).toEqual(['toCsv'])
  })

  it('shows a frame\'s totals in the tooltip and hides it when the pointer leaves', () => {
    const page = openPage(sampleFlamegraphPage())
    const tooltip = page.$('#tooltip')
    expect(tooltip.hidden).toBe(true)
    page.mouse(frameNamed(page, 'toCsv')!, 'mousemove', 40)
    expect(tooltip.hidden).toBe(false)
    expect([...tooltip.children].map((line) => [line.className, line.textContent])).toEqual([
      ['fn', 'toCsv'],
      ['where', 'src/csv.ts:3'],
      ['', 'Total: 5.0 MiB (91.2% of all)'],
      ['', 'Self: 5.0 MiB (91.2%) · ~1 allocations'],
      ['hint', 'Click to zoom in'],
    ])
    expect(tooltip.style.left).toBe('54px')
    page.mouse(page.$('#chart'), 'mouseleave')
    expect(tooltip.hidden).toBe(true)
  })

  it('puts hostile function names into the DOM as text only', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const page = openPage(renderFlamegraph(makeCapture([{ fn: evil, allocs: [3000] }])))
    expect(page.errors).toEqual([])
    expect(page.document.querySelector('#chart img')).toBeNull()
    expect(names(page)).toContain(evil)
  })
})
