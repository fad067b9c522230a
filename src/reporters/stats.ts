import type { ReadCapture } from '../core/capture/reader.js'
import { addToHistogram, compactHistogram, createHistogram, expandHistogram } from '../core/attribution/histogram.js'
import { HISTOGRAM_BOUNDS, type FrameKind, type SizeHistogramBucket } from '../core/report/model.js'
import { formatSize } from '../core/config/size.js'
import { aggregateFunctions, buildCallTree, sum, type FunctionTotals } from './call-tree.js'
import { captureTitle, NO_METADATA_NOTE } from './capture-info.js'
import { colorsFor, frameLocation, paintFrame, type Colors } from './frames.js'
import { formatCount } from '../core/report/numbers.js'
import { livePeakKindNote, livePeakWords } from '../core/report/memory-wording.js'
import type { LivePeakKind } from '../core/measure/live-peak.js'

/**
 * `heapmark stats`: the numbers of one capture (after memray's stats reporter): peak, totals, a
 * histogram of allocation sizes and the top allocating functions by bytes and by count.
 */
export interface StatsOptions {
  /** Functions in each top list. Default 5. */
  top?: number
}

export interface StatsTextOptions {
  color: boolean
}

export interface AllocatorStat {
  functionName: string
  /** "file:line", "" for native frames. */
  location: string
  kind: FrameKind
  /** Bytes the function allocated itself. */
  bytes: number
  /** Allocations it made itself (estimated). */
  count: number
}

/** Also the `--json` output; `version` changes on any incompatible change. */
export interface CaptureStats {
  kind: 'heapmark-stats'
  version: 1
  capture: string
  name: string
  hasMetadata: boolean
  /** null without heapmark metadata: a plain profile only knows what was sampled. */
  peakBytes: number | null
  heapPeakBytes: number | null
  externalPeakBytes: number | null
  /** The live peak and its kind, as in the JSON report; null in captures without them (plain profiles, earlier versions). */
  livePeakBytes: number | null
  livePeakKind: LivePeakKind | null
  /** heapmark's exact total when known, else the sampled total. */
  totalBytes: number
  /** Sum of the sampled (scaled) sizes. */
  sampledBytes: number
  /** heapmark's estimate when known, else decoded from the samples. */
  allocationCount: number
  samples: number
  samplingInterval: number
  /** True when the interval is Node's --heap-prof default, assumed for a plain profile. */
  samplingIntervalAssumed: boolean
  limit: { spec: string; bytes: number; exceeded: boolean; measure?: 'live' } | null
  /** Non-empty buckets of the sampled object sizes (core/report/model.ts HISTOGRAM_BOUNDS). */
  histogram: SizeHistogramBucket[]
  topBySize: AllocatorStat[]
  topByCount: AllocatorStat[]
}

const INDENT = '    '
const BAR_WIDTH = 30

export function buildStats(capture: ReadCapture, options: StatsOptions = {}): CaptureStats {
  const top = options.top ?? 5
  const tree = buildCallTree(capture)
  const histogram = createHistogram()
  for (const sample of tree.decodedSamples) addToHistogram(histogram, sample.size, sample.count, sample.bytes)
  const functions = aggregateFunctions(tree)
  const meta = capture.metadata
  const pick = (key: 'selfBytes' | 'selfCount'): AllocatorStat[] =>
    functions.filter((entry) => entry[key] > 0).sort((a, b) => b[key] - a[key] || a.frame.functionName.localeCompare(b.frame.functionName)).slice(0, top).map(toAllocator)
  return {
    kind: 'heapmark-stats',
    version: 1,
    capture: capture.path,
    name: captureTitle(capture),
    hasMetadata: meta !== undefined,
    peakBytes: meta?.peakBytes ?? null,
    heapPeakBytes: meta?.heapPeakBytes ?? null,
    externalPeakBytes: meta?.externalPeakBytes ?? null,
    livePeakBytes: meta?.livePeakBytes ?? null,
    livePeakKind: meta?.livePeakKind ?? null,
    totalBytes: meta?.totalBytes ?? tree.root.totalBytes,
    sampledBytes: tree.root.totalBytes,
    allocationCount: meta?.allocationCount ?? sum(tree.decodedSamples, (sample) => sample.count),
    samples: capture.samples.length,
    samplingInterval: tree.samplingInterval,
    samplingIntervalAssumed: tree.intervalAssumed,
    limit: meta?.limit ?? null,
    histogram: compactHistogram(histogram),
    topBySize: pick('selfBytes'),
    topByCount: pick('selfCount'),
  }
}

function toAllocator(entry: FunctionTotals): AllocatorStat {
  const { frame } = entry
  return { functionName: frame.functionName, location: frameLocation(frame), kind: frame.kind, bytes: entry.selfBytes, count: entry.selfCount }
}

export function renderStatsJson(stats: CaptureStats | CaptureStats[]): string {
  return `${JSON.stringify(stats, null, 2)}\n`
}

export function renderStatsText(stats: CaptureStats, options: StatsTextOptions): string {
  const c = colorsFor(options.color)
  const lines = [`${c.bold('Memory statistics for')} ${c.bold(stats.name)}`, `${INDENT}Capture: ${stats.capture}`]
  if (stats.peakBytes === null) {
    lines.push(`${INDENT}Peak memory: ${c.dim(`n/a, ${NO_METADATA_NOTE}`)}`)
  } else {
    lines.push(`${INDENT}Peak memory: ${c.bold(formatSize(stats.peakBytes))} ${c.dim(`(heap ${formatSize(stats.heapPeakBytes ?? 0)}, external ${formatSize(stats.externalPeakBytes ?? 0)})`)}`)
  }
  if (stats.livePeakBytes !== null && stats.livePeakKind !== null) {
    lines.push(`${INDENT}Live peak: ${c.bold(livePeakWords(stats.livePeakBytes, stats.livePeakKind))} ${c.dim(`(${livePeakKindNote(stats.livePeakKind)})`)}`)
  }
  if (stats.limit) {
    const verdict = stats.limit.exceeded ? c.red(c.bold('EXCEEDED')) : c.green('ok')
    const judged = stats.limit.measure === 'live' ? ' on the live peak' : ''
    lines.push(`${INDENT}Memory limit: ${stats.limit.spec} (${formatSize(stats.limit.bytes)})${judged}: ${verdict}`)
  }
  const sampledNote = stats.hasMetadata ? ` ${c.dim(`(sampled: ${formatSize(stats.sampledBytes)})`)}` : ` ${c.dim('(sampled)')}`
  lines.push(`${INDENT}Total allocated: ${formatSize(stats.totalBytes)}${sampledNote}`)
  lines.push(`${INDENT}Allocations: ~${formatCount(stats.allocationCount)} ${c.dim('(estimated from sampling)')}`)
  const assumed = stats.samplingIntervalAssumed ? c.dim(' (assumed: node --heap-prof default; no heapmark metadata)') : ''
  lines.push(`${INDENT}Samples: ${stats.samples}, sampling interval ${formatSize(stats.samplingInterval)}${assumed}`)
  lines.push(...renderHistogram(stats.histogram, c))
  lines.push(...renderTop(`Top ${stats.topBySize.length} allocating functions by size:`, stats.topBySize, (entry) => formatSize(entry.bytes), c))
  lines.push(...renderTop(`Top ${stats.topByCount.length} allocating functions by count:`, stats.topByCount, (entry) => `~${formatCount(entry.count)}`, c))
  return lines.join('\n')
}

function renderTop(title: string, entries: readonly AllocatorStat[], value: (entry: AllocatorStat) => string, c: Colors): string[] {
  if (entries.length === 0) return [`${INDENT}${title.replace(/^Top \d+ /, 'Top ')} ${c.dim('none sampled')}`]
  return [
    `${INDENT}${title}`,
    ...entries.map((entry) => {
      const where = entry.location ? `${entry.functionName} at ${entry.location}` : entry.functionName
      return `${INDENT}${INDENT}- ${paintFrame(where, entry, c)} -> ${c.bold(value(entry))}`
    }),
  ]
}

/** Bars scaled to the fullest bucket; empty buckets between used ones are shown, outer ones trimmed. */
export function renderHistogram(histogram: readonly SizeHistogramBucket[], c: Colors): string[] {
  const buckets = expandHistogram(histogram)
  const first = buckets.findIndex((bucket) => bucket.count > 0)
  if (first === -1) return [`${INDENT}Histogram of allocation sizes: ${c.dim('no samples')}`]
  const last = buckets.length - 1 - [...buckets].reverse().findIndex((bucket) => bucket.count > 0)
  const shown = buckets.slice(first, last + 1)
  const labels = shown.map((bucket) => bucketLabel(bucket.upTo))
  const width = Math.max(...labels.map((label) => label.length))
  const maxCount = Math.max(...shown.map((bucket) => bucket.count))
  const lines = [`${INDENT}Histogram of allocation sizes:`]
  for (let index = 0; index < shown.length; index++) {
    const bucket = shown[index]!
    const label = labels[index]!.padEnd(width)
    if (bucket.count > 0) {
      const bar = '▇'.repeat(Math.max(1, Math.round((bucket.count / maxCount) * BAR_WIDTH)))
      lines.push(`${INDENT}${INDENT}${label} ${c.cyan(bar)} ${formatCount(bucket.count)} ${c.dim(`(${formatSize(bucket.bytes)})`)}`)
      continue
    }
    // Empty buckets between used ones keep the shape honest; a run of them folds into one line.
    let runEnd = index
    while (shown[runEnd + 1]?.count === 0) runEnd++
    if (runEnd === index) lines.push(`${INDENT}${INDENT}${label} ${c.dim('0')}`)
    else lines.push(`${INDENT}${INDENT}${'⋮'.padEnd(width)} ${c.dim(`none from ${boundText(shown[index - 1]!.upTo!)} to ${boundText(shown[runEnd]!.upTo!)}`)}`)
    index = runEnd
  }
  return lines
}

/** "≤ 64 B", "≤ 4 KiB", "> 64 MiB": bounds are powers of four, so ".0" says nothing. */
function bucketLabel(upTo: number | null): string {
  return upTo === null ? `> ${boundText(HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]!)}` : `≤ ${boundText(upTo)}`
}

function boundText(bytes: number): string {
  return formatSize(bytes).replace('.0 ', ' ')
}
