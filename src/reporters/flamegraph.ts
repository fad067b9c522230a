import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/config/size.js'
import { buildCallTree, sum, type CallTreeNode } from './call-tree.js'
import { captureTitle, NO_METADATA_NOTE } from './capture-info.js'
import { FLAMEGRAPH_SCRIPT, FLAMEGRAPH_STYLE } from './client-bundles.js'
import { FRAME_KIND_CODES, frameLocation } from './frames.js'
import { escapeHtml, renderPage, type PageFact } from './html-page.js'
import type { FlamegraphData, FlamegraphNode } from './page-data.js'
import { formatCount } from '../core/report/numbers.js'
import { livePeakWords } from '../core/report/memory-wording.js'
import type { LivePeakKind } from '../core/measure/live-peak.js'

/**
 * `heapmark flamegraph`: one self-contained HTML file (no network: script, style and data inline)
 * with the capture's call tree as an icicle graph, root on top like memray's. The page draws
 * itself from a JSON island with a small vanilla-TS renderer (client/flamegraph.ts, bundled into client-bundles.ts).
 *
 * Safety: see html-page.ts (capture strings are escaped into the header or travel in the JSON
 * island, and reach the DOM only through textContent).
 */
export interface FlamegraphOptions {
  /** Page title; default the test name. */
  title?: string
  /** Frames smaller than this share of the total are dropped from the data (they would be under a pixel wide). Default 0.0001. */
  minShare?: number
}

export type { FlamegraphNode } from './page-data.js'

export type FlamegraphFact = PageFact

export interface FlamegraphModel {
  title: string
  capture: string
  facts: FlamegraphFact[]
  note: string | undefined
  root: FlamegraphNode
}

export function buildFlamegraph(capture: ReadCapture, options: FlamegraphOptions = {}): FlamegraphModel {
  const tree = buildCallTree(capture)
  const minBytes = tree.root.totalBytes * (options.minShare ?? 0.0001)
  const convert = (node: CallTreeNode): FlamegraphNode => ({
    n: node.frame.functionName,
    f: frameLocation(node.frame),
    k: FRAME_KIND_CODES[node.frame.kind],
    v: node.totalBytes,
    s: node.selfBytes,
    a: node.totalCount,
    c: node.children.filter((child) => child.totalBytes > 0 && child.totalBytes >= minBytes).map(convert),
  })
  const root = { ...convert(tree.root), n: 'all allocations', f: '' }
  const meta = capture.metadata
  const facts: FlamegraphFact[] = [
    meta ? { label: 'Peak memory', value: formatSize(meta.peakBytes) } : { label: 'Peak memory', value: 'n/a', tone: 'muted' },
    ...(meta?.livePeakBytes !== undefined && meta.livePeakKind !== undefined ? [livePeakFact(meta.livePeakBytes, meta.livePeakKind)] : []),
    { label: 'Total allocated', value: formatSize(meta?.totalBytes ?? tree.root.totalBytes) },
    { label: 'Sampled', value: `${formatSize(tree.root.totalBytes)} in ${capture.samples.length} samples` },
    { label: 'Allocations', value: `~${formatCount(meta?.allocationCount ?? sum(tree.decodedSamples, (sample) => sample.count))}` },
    { label: 'Sampling interval', value: formatSize(tree.samplingInterval) + (tree.intervalAssumed ? ' (assumed)' : '') },
  ]
  if (meta?.limit) {
    const judged = meta.limit.measure === 'live' ? ' (live peak)' : ''
    facts.push({ label: 'Memory limit', value: `${meta.limit.spec}${judged}: ${meta.limit.exceeded ? 'EXCEEDED' : 'ok'}`, tone: meta.limit.exceeded ? 'bad' : 'good' })
  }
  return {
    title: options.title ?? captureTitle(capture),
    capture: capture.path,
    facts,
    note: meta ? externalNote(meta) : `${NO_METADATA_NOTE}: peak unknown; sampling interval assumed to be node --heap-prof's default`,
    root,
  }
}

/** The live peak beside the peak, with its kind: "at least 8.1 MiB (lower bound)" / "8.1 MiB (precise estimate)". */
function livePeakFact(bytes: number, kind: LivePeakKind): FlamegraphFact {
  const kindWords = kind === 'estimate' ? ' (precise estimate)' : kind === 'lower-bound' ? ' (lower bound: the rest of the peak may be garbage)' : ''
  return { label: 'Live peak', value: `${livePeakWords(bytes, kind)}${kindWords}`, ...(kind === 'unknown' ? { tone: 'muted' as const } : {}) }
}

/**
 * A test whose peak was mostly Buffer/ArrayBuffer contents shows little here but runner frames:
 * V8's allocation sampler never sees those stores, so the header says how much is missing and why.
 */
export function externalNote(meta: { heapPeakBytes: number; externalPeakBytes: number }): string | undefined {
  if (meta.externalPeakBytes <= 0 || meta.externalPeakBytes < meta.heapPeakBytes) return undefined
  return `${formatSize(meta.externalPeakBytes)} of this test's peak was external memory (Buffers, typed arrays, ArrayBuffers), which V8's allocation sampler cannot attribute to functions: it is not in this graph. Look for Buffer.alloc, new ArrayBuffer and typed arrays in the test.`
}

export function renderFlamegraphHtml(model: FlamegraphModel): string {
  return renderPage({
    kind: 'allocation flamegraph',
    title: model.title,
    facts: model.facts,
    note: model.note,
    style: FLAMEGRAPH_STYLE,
    body: `<div class="toolbar">
<button id="reset" type="button" disabled>Reset zoom</button>
<input id="search" type="search" placeholder="Search functions and files" autocomplete="off" spellcheck="false">
<span id="search-result" aria-live="polite"></span>
<span class="legend"><i class="swatch user"></i>your code <i class="swatch dependency"></i>node_modules <i class="swatch node"></i>Node internals / native <i class="swatch match"></i>search match</span>
</div>
<main><div id="chart" aria-label="call tree of allocated bytes, outermost caller on top"></div></main>`,
    footer: `Width is bytes allocated by a function and everything it called (sampled). Click a frame to zoom in, the top row or Reset (Esc) to zoom out. Capture: <code>${escapeHtml(model.capture)}</code>`,
    data: { root: model.root } satisfies FlamegraphData,
    script: FLAMEGRAPH_SCRIPT,
  })
}

export function renderFlamegraph(capture: ReadCapture, options: FlamegraphOptions = {}): string {
  return renderFlamegraphHtml(buildFlamegraph(capture, options))
}
