/**
 * Browser-side helpers every heapmark page shares (bundled into each page script by
 * scripts/bundle-client.mjs): reading the data the server wrote, sizes, elements, the tooltip.
 *
 * Safety: report and capture strings (test names, function names, paths) only ever enter the DOM
 * as text (element(), textContent), never as HTML.
 */

/** The page's data: the JSON island #heapmark-data that html-page.ts writes (see page-data.ts). */
export function readPageData<T>(): T {
  return JSON.parse(byId('heapmark-data').textContent ?? 'null') as T
}

/** An element the server-rendered page always has; a missing one is a bug in the page, said plainly. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (!el) throw new Error(`heapmark page: no #${id} element`)
  return el as T
}

/** The same text as core/config/size.ts's formatSize on the server ("1.5 MiB"), so header and chart agree. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  const sign = bytes < 0 ? '-' : ''
  bytes = Math.abs(bytes)
  if (bytes < 1024) return sign + Math.round(bytes) + ' B'
  let u = 0
  while (u < units.length - 1 && bytes >= 1023.95) {
    bytes /= 1024
    u++
  }
  return sign + bytes.toFixed(1) + ' ' + units[u]
}

/** An element with a class and text; report strings only ever enter the DOM this way. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (className) el.className = className
  if (text !== undefined) el.textContent = text
  return el
}

/** A tooltip line: [class name ('fn', 'where', 'hint' or ''), text]. */
export type TooltipLine = [className: string, text: string]

/** Fills the tooltip with lines and places it next to the pointer, inside the window. */
export function showTooltip(lines: readonly TooltipLine[], event: MouseEvent): void {
  const tooltip = byId('tooltip')
  tooltip.textContent = ''
  for (const [className, text] of lines) tooltip.appendChild(element('div', className, text))
  tooltip.hidden = false
  let x = event.clientX + 14
  let y = event.clientY + 14
  const box = tooltip.getBoundingClientRect()
  if (x + box.width > window.innerWidth - 8) x = Math.max(8, event.clientX - box.width - 14)
  if (y + box.height > window.innerHeight - 8) y = Math.max(8, event.clientY - box.height - 14)
  tooltip.style.left = x + 'px'
  tooltip.style.top = y + 'px'
}

export function hideTooltip(): void {
  byId('tooltip').hidden = true
}

/** The value of `key` in the URL's hash ("#key=value&…"): shareable links, and a way to check a state headless. */
export function hashParameter(key: string): string | undefined {
  const match = new RegExp(`(?:^#|&)${key}=([^&]*)`).exec(location.hash)
  return match ? decodeURIComponent(match[1]!) : undefined
}
