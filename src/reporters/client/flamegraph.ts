/**
 * The flamegraph page's script (bundled by scripts/bundle-client.mjs and inlined by
 * ../flamegraph.ts). It reads the call tree from the page's data (FlamegraphData) and draws it as
 * an icicle graph of absolutely positioned divs, so zooming is a re-layout. Click a frame to zoom
 * in (again, or the top row, to zoom out), search highlights matching functions and files, Esc
 * resets both, and "#search=text" in the URL pre-fills the search.
 */
import type { FlamegraphData, FlamegraphNode } from '../page-data.js'
import { byId, element, formatSize, hashParameter, hideTooltip, readPageData, showTooltip, type TooltipLine } from './page.js'

const KINDS = ['user', 'dependency', 'node'] as const
const ROW = 22

/** A call-tree node with what the page adds: its parent, depth and index (its frames' data-i). */
interface PlacedNode extends Omit<FlamegraphNode, 'c'> {
  c: PlacedNode[]
  parent: PlacedNode | null
  depth: number
  index: number
}

const root = readPageData<FlamegraphData>().root as PlacedNode
const total = root.v || 1
const chart = byId('chart')
const search = byId<HTMLInputElement>('search')
const searchResult = byId('search-result')
const reset = byId<HTMLButtonElement>('reset')
const nodes: PlacedNode[] = []
let zoomed = root
let query = ''

;(function index(node: PlacedNode, parent: PlacedNode | null, depth: number) {
  node.parent = parent
  node.depth = depth
  node.index = nodes.length
  nodes.push(node)
  for (const child of node.c) index(child, node, depth + 1)
})(root, null, 0)

function percent(part: number): string {
  const p = (part / total) * 100
  return p > 0 && p < 0.05 ? '<0.1%' : p.toFixed(1) + '%'
}

/** Warm colours for user frames, stable per function name. */
function userColour(name: string): string {
  let hash = 0
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0
  const h = Math.abs(hash)
  return 'hsl(' + (8 + (h % 38)) + ', ' + (72 + (h % 18)) + '%, ' + (58 + ((h >> 4) % 12)) + '%)'
}

function matches(node: PlacedNode): boolean {
  return query !== '' && (node.n.toLowerCase().includes(query) || node.f.toLowerCase().includes(query))
}

function frame(node: PlacedNode, x: number, width: number, depth: number, extraClass: string): HTMLDivElement {
  const el = element('div', 'frame ' + (node === root ? 'root' : KINDS[node.k]) + (extraClass ? ' ' + extraClass : '') + (matches(node) ? ' match' : ''))
  if (node.k === 0 && node !== root) el.style.background = userColour(node.n)
  el.style.left = x + 'px'
  el.style.width = Math.max(1, width) + 'px'
  el.style.top = depth * ROW + 'px'
  el.setAttribute('data-i', String(node.index))
  if (width > 28) {
    el.textContent = node === root ? node.n + ' · ' + formatSize(node.v) : node.n
    // The size fits after the name on wide frames; a dim span, so names stay readable.
    if (node !== root && width > 7.5 * (node.n.length + 18)) el.appendChild(element('span', 'size', ' ' + formatSize(node.v) + ' · ' + percent(node.v)))
  } else {
    el.style.padding = '0'
  }
  return el
}

function render(): void {
  const width = chart.clientWidth || 1000
  const fragment = document.createDocumentFragment()
  let depthReached = 0
  const ancestors: PlacedNode[] = []
  for (let n = zoomed.parent; n; n = n.parent) ancestors.unshift(n)
  ancestors.forEach((ancestor, depth) => fragment.appendChild(frame(ancestor, 0, width, depth, 'ancestor')))
  const scale = width / (zoomed.v || 1)
  ;(function place(node: PlacedNode, x: number, depth: number) {
    const w = node.v * scale
    if (w < 0.5) return
    fragment.appendChild(frame(node, x, w, depth, ''))
    if (depth > depthReached) depthReached = depth
    let childX = x
    for (const child of node.c) {
      place(child, childX, depth + 1)
      childX += child.v * scale
    }
  })(zoomed, 0, ancestors.length)
  chart.textContent = ''
  chart.appendChild(fragment)
  chart.style.height = (depthReached + 1) * ROW + 'px'
  chart.className = query ? 'searching' : ''
  reset.disabled = zoomed === root
}

function updateSearch(): void {
  query = search.value.trim().toLowerCase()
  if (!query) {
    searchResult.textContent = ''
    render()
    return
  }
  let matched = 0
  ;(function visit(node: PlacedNode) {
    if (node !== root && matches(node)) {
      matched += node.v
      return
    }
    for (const child of node.c) visit(child)
  })(root)
  searchResult.textContent = 'Matched ' + formatSize(matched) + ' (' + percent(matched) + ' of all)'
  render()
}

function nodeAt(target: EventTarget | null): PlacedNode | undefined {
  const el = target instanceof Element ? target.closest('.frame') : null
  return el ? nodes[Number(el.getAttribute('data-i'))] : undefined
}

function showFrameTooltip(node: PlacedNode, event: MouseEvent): void {
  const lines: TooltipLine[] = [['fn', node.n]]
  if (node.f) lines.push(['where', node.f])
  lines.push(['', 'Total: ' + formatSize(node.v) + ' (' + percent(node.v) + ' of all)'])
  lines.push(['', 'Self: ' + formatSize(node.s) + ' (' + percent(node.s) + ')' + ' · ~' + node.a.toLocaleString('en-US') + ' allocations'])
  lines.push(['hint', node === zoomed && node !== root ? 'Click to zoom out' : 'Click to zoom in'])
  showTooltip(lines, event)
}

chart.addEventListener('mousemove', (event) => {
  const node = nodeAt(event.target)
  if (node) showFrameTooltip(node, event)
  else hideTooltip()
})
chart.addEventListener('mouseleave', hideTooltip)
chart.addEventListener('click', (event) => {
  const node = nodeAt(event.target)
  if (!node) return
  zoomed = node === zoomed && node.parent ? node.parent : node
  render()
})
reset.addEventListener('click', () => {
  zoomed = root
  render()
})
search.addEventListener('input', updateSearch)
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    zoomed = root
    search.value = ''
    updateSearch()
  }
})
window.addEventListener('resize', render)
const preset = hashParameter('search')
if (preset !== undefined) {
  search.value = preset
  updateSearch()
} else {
  render()
}
