import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/config/size.js'
import { aggregateFunctions, buildCallTree } from './call-tree.js'
import { captureTitle } from './capture-info.js'
import { colorsFor, frameLocation, paintFrame, type DisplayFrame } from './frames.js'
import { formatCount, formatPercent, plural } from '../core/report/numbers.js'
import { renderTextTable } from './text-table.js'

/**
 * `heapmark summary`: one row per function with what it allocated itself (own) and together with
 * everything it called (total), like memray's summary reporter.
 */
export interface SummaryOptions {
  /** Column to order by, biggest first. Default 'total' (as memray). */
  sortBy?: 'own' | 'total'
  /** Rows to show; 0 = all. Default 20. */
  limit?: number
}

export interface SummaryTextOptions {
  color: boolean
}

export interface SummaryRow {
  frame: DisplayFrame
  ownBytes: number
  ownCount: number
  totalBytes: number
  totalCount: number
}

export interface SummaryModel {
  name: string
  /** Sampled bytes of the whole capture: the 100% of the percentages. */
  totalBytes: number
  sortBy: 'own' | 'total'
  rows: SummaryRow[]
  /** Functions left out by `limit`. */
  omitted: number
}

export function buildSummary(capture: ReadCapture, options: SummaryOptions = {}): SummaryModel {
  const sortBy = options.sortBy ?? 'total'
  const limit = options.limit ?? 20
  const tree = buildCallTree(capture)
  const primary = sortBy === 'own' ? 'ownBytes' : 'totalBytes'
  const secondary = sortBy === 'own' ? 'totalBytes' : 'ownBytes'
  const rows = aggregateFunctions(tree)
    .map((entry) => ({ frame: entry.frame, ownBytes: entry.selfBytes, ownCount: entry.selfCount, totalBytes: entry.totalBytes, totalCount: entry.totalCount }))
    .sort((a, b) => b[primary] - a[primary] || b[secondary] - a[secondary] || a.frame.functionName.localeCompare(b.frame.functionName))
  const shown = limit > 0 ? rows.slice(0, limit) : rows
  return { name: captureTitle(capture), totalBytes: tree.root.totalBytes, sortBy, rows: shown, omitted: rows.length - shown.length }
}

export function renderSummaryText(model: SummaryModel, options: SummaryTextOptions): string {
  const c = colorsFor(options.color)
  if (model.rows.length === 0) return `${c.bold(model.name)}\n    ${c.dim('no allocations sampled')}`
  const table = renderTextTable(
    [
      { header: 'Own', align: 'right' },
      { header: 'Own %', align: 'right' },
      { header: 'Total', align: 'right' },
      { header: 'Total %', align: 'right' },
      { header: 'Allocs', align: 'right' },
      { header: 'Function', align: 'left' },
    ],
    model.rows.map((row) => {
      const where = frameLocation(row.frame)
      return [
        { text: formatSize(row.ownBytes), paint: model.sortBy === 'own' ? c.bold : undefined },
        formatPercent(row.ownBytes, model.totalBytes),
        { text: formatSize(row.totalBytes), paint: model.sortBy === 'total' ? c.bold : undefined },
        formatPercent(row.totalBytes, model.totalBytes),
        `~${formatCount(row.ownCount)}`,
        { text: where ? `${row.frame.functionName} at ${where}` : row.frame.functionName, paint: (text) => paintFrame(text, row.frame, c) },
      ]
    }),
    c.underline,
  )
  const lines = [`${c.bold(model.name)} ${c.dim(`(by ${model.sortBy} bytes; ${formatSize(model.totalBytes)} sampled in total)`)}`, table]
  if (model.omitted > 0) lines.push(c.dim(`… ${plural(model.omitted, 'more function')} (--limit 0 shows all)`))
  return lines.join('\n')
}
