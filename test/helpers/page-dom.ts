import { JSDOM, VirtualConsole } from 'jsdom'

/**
 * Opens a rendered heapmark page in jsdom and runs its inlined script, as a browser would: the
 * page-script tests (test/unit/reporters/client/*) drive the real bundled code, not a copy.
 * jsdom has no layout: widths read as 0, so the pages fall back to a 1000 px wide chart, and
 * getBoundingClientRect is all zeros (a pointer's clientX is its x in the chart).
 * An error thrown by the page script fails the test through `errors`.
 */
export interface OpenPage {
  window: JSDOM['window']
  document: Document
  errors: Error[]
  $: (selector: string) => HTMLElement
  $$: (selector: string) => HTMLElement[]
  /** Dispatches a mouse event at an element, with the pointer at clientX. */
  mouse: (target: Element, type: 'click' | 'mousemove' | 'mouseleave', clientX?: number) => void
  key: (target: Element, key: string) => void
}

export function openPage(html: string, hash = ''): OpenPage {
  const errors: Error[] = []
  const virtualConsole = new VirtualConsole()
  virtualConsole.on('jsdomError', (error) => errors.push(error))
  const dom = new JSDOM(html, {
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    url: `file:///tmp/page.html${hash}`,
    virtualConsole,
    // Not implemented by jsdom; the timeline scrolls a selected test's worker into view.
    beforeParse: (window) => { window.HTMLElement.prototype.scrollIntoView = () => {} },
  })
  const { window } = dom
  const document = window.document
  return {
    window,
    document,
    errors,
    $: (selector) => {
      const el = document.querySelector<HTMLElement>(selector)
      if (!el) throw new Error(`no ${selector} in the page`)
      return el
    },
    $$: (selector) => [...document.querySelectorAll<HTMLElement>(selector)],
    mouse: (target, type, clientX = 0) => { target.dispatchEvent(new window.MouseEvent(type, { bubbles: type !== 'mouseleave', clientX, clientY: 10 })) },
    key: (target, key) => { target.dispatchEvent(new window.KeyboardEvent('keydown', { key, bubbles: true })) },
  }
}
