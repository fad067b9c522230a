import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/size.js'
import { buildCallTree, sum, type CallTreeNode } from './call-tree.js'
import { captureTitle, NO_METADATA_NOTE } from './capture-info.js'
import { FLAMEGRAPH_SCRIPT, FLAMEGRAPH_STYLE } from './flamegraph-page.js'
import { frameLocation } from './frames.js'
import { formatCount } from '../core/report/numbers.js'

/**
 * `heapmark flamegraph`: one self-contained HTML file (no network: script, style and data inline)
 * with the capture's call tree as an icicle graph, root on top like memray's. The page draws
 * itself from a JSON island with a small vanilla-JS renderer (flamegraph-page.ts).
 *
 * Safety: every string from the capture (test names, function names, paths) is either
 * HTML-escaped into the header or travels in the JSON island with "<" escaped, and the page
 * script only ever puts it into the DOM through textContent.
 */
export interface FlamegraphOptions {
  /** Page title; default the test name. */
  title?: string
  /** Frames smaller than this share of the total are dropped from the data (they would be under a pixel wide). Default 0.0001. */
  minShare?: number
}

/** Compact keys: a page may carry thousands of nodes. */
export interface FlamegraphNode {
  /** Function name. */
  n: string
  /** "file:line", "" for native. */
  f: string
  /** 0 user, 1 dependency, 2 Node internal / native. */
  k: 0 | 1 | 2
  /** Total bytes (self + callees). */
  v: number
  /** Self bytes. */
  s: number
  /** Estimated allocations, total. */
  a: number
  c: FlamegraphNode[]
}

export interface FlamegraphFact {
  label: string
  value: string
  tone?: 'bad' | 'good' | 'muted'
}

export interface FlamegraphModel {
  title: string
  capture: string
  facts: FlamegraphFact[]
  note: string | undefined
  root: FlamegraphNode
}

const KIND_CODES = { user: 0, dependency: 1, node: 2, heapmark: 2 } as const

export function buildFlamegraph(capture: ReadCapture, options: FlamegraphOptions = {}): FlamegraphModel {
  const tree = buildCallTree(capture)
  const minBytes = tree.root.totalBytes * (options.minShare ?? 0.0001)
  const convert = (node: CallTreeNode): FlamegraphNode => ({
    n: node.frame.functionName,
    f: frameLocation(node.frame),
    k: KIND_CODES[node.frame.kind],
    v: node.totalBytes,
    s: node.selfBytes,
    a: node.totalCount,
    c: node.children.filter((child) => child.totalBytes > 0 && child.totalBytes >= minBytes).map(convert),
  })
  const root = { ...convert(tree.root), n: 'all allocations', f: '' }
  const meta = capture.metadata
  const facts: FlamegraphFact[] = [
    meta ? { label: 'Peak memory', value: formatSize(meta.peakBytes) } : { label: 'Peak memory', value: 'n/a', tone: 'muted' },
    { label: 'Total allocated', value: formatSize(meta?.totalBytes ?? tree.root.totalBytes) },
    { label: 'Sampled', value: `${formatSize(tree.root.totalBytes)} in ${capture.samples.length} samples` },
    { label: 'Allocations', value: `~${formatCount(meta?.allocationCount ?? sum(tree.decodedSamples, (sample) => sample.count))}` },
    { label: 'Sampling interval', value: formatSize(tree.samplingInterval) + (tree.intervalAssumed ? ' (assumed)' : '') },
  ]
  if (meta?.limit) {
    facts.push({ label: 'Memory limit', value: `${meta.limit.spec}: ${meta.limit.exceeded ? 'EXCEEDED' : 'ok'}`, tone: meta.limit.exceeded ? 'bad' : 'good' })
  }
  return {
    title: options.title ?? captureTitle(capture),
    capture: capture.path,
    facts,
    note: meta ? undefined : `${NO_METADATA_NOTE}: peak unknown; sampling interval assumed to be node --heap-prof's default`,
    root,
  }
}

export function renderFlamegraphHtml(model: FlamegraphModel): string {
  const facts = model.facts
    .map((fact) => `<div class="fact${fact.tone ? ` ${fact.tone}` : ''}"><span class="label">${escapeHtml(fact.label)}</span><span class="value">${escapeHtml(fact.value)}</span></div>`)
    .join('')
  const note = model.note ? `<p class="note">${escapeHtml(model.note)}</p>` : ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>heapmark flamegraph: ${escapeHtml(model.title)}</title>
<style>${FLAMEGRAPH_STYLE}</style>
</head>
<body>
<header>
<div class="brand">heapmark · allocation flamegraph</div>
<h1>${escapeHtml(model.title)}</h1>
<div class="facts">${facts}</div>
${note}
</header>
<div class="toolbar">
<button id="reset" type="button" disabled>Reset zoom</button>
<input id="search" type="search" placeholder="Search functions and files" autocomplete="off" spellcheck="false">
<span id="search-result" aria-live="polite"></span>
<span class="legend"><i class="swatch user"></i>your code <i class="swatch dependency"></i>node_modules <i class="swatch node"></i>Node internals / native <i class="swatch match"></i>search match</span>
</div>
<main><div id="chart" aria-label="call tree of allocated bytes, outermost caller on top"></div></main>
<div id="tooltip" role="tooltip" hidden></div>
<footer>Width is bytes allocated by a function and everything it called (sampled). Click a frame to zoom in, the top row or Reset (Esc) to zoom out. Capture: <code>${escapeHtml(model.capture)}</code></footer>
<script type="application/json" id="heapmark-data">${jsonForScript({ root: model.root })}</script>
<script>${FLAMEGRAPH_SCRIPT}</script>
</body>
</html>
`
}

export function renderFlamegraph(capture: ReadCapture, options: FlamegraphOptions = {}): string {
  return renderFlamegraphHtml(buildFlamegraph(capture, options))
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!)
}

/**
 * JSON that cannot end its <script> element: "<" becomes \u003c, so neither "</script>" nor
 * "<!--" can appear; U+2028/2029 are escaped for older parsers that treat them as line breaks.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}
