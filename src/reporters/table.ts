import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/config/size.js'
import { buildCallTree, walkTree } from './call-tree.js'
import { captureTitle } from './capture-info.js'
import { colorsFor, frameLabel, frameLocation, paintFrame, type DisplayFrame } from './frames.js'
import { formatCount, formatPercent, plural } from '../core/report/numbers.js'
import { renderTextTable } from './text-table.js'

/**
 * `heapmark table`: one row per allocation site, biggest first. A site is one allocating call
 * path (a node of the call tree with bytes of its own), so the same function reached from two
 * callers gives two rows; the caller column tells them apart.
 */
export interface TableOptions {
  /** Rows to show; 0 = all. Default 50. */
  limit?: number
}

export interface TableTextOptions {
  color: boolean
}

export interface AllocationSiteRow {
  frame: DisplayFrame
  /** The direct caller, when there is one. */
  caller: DisplayFrame | undefined
  bytes: number
  count: number
}

export interface TableModel {
  name: string
  /** Sampled bytes of the whole capture. */
  totalBytes: number
  rows: AllocationSiteRow[]
  omitted: number
}

export function buildTable(capture: ReadCapture, options: TableOptions = {}): TableModel {
  const limit = options.limit ?? 50
  const tree = buildCallTree(capture)
  const rows: AllocationSiteRow[] = []
  walkTree(tree, (node, ancestors) => {
    if (node.selfBytes <= 0 && node.selfCount <= 0) return
    rows.push({ frame: node.frame, caller: ancestors[ancestors.length - 1]?.frame, bytes: node.selfBytes, count: node.selfCount })
  })
  rows.sort((a, b) => b.bytes - a.bytes || b.count - a.count || a.frame.functionName.localeCompare(b.frame.functionName))
  const shown = limit > 0 ? rows.slice(0, limit) : rows
  return { name: captureTitle(capture), totalBytes: tree.root.totalBytes, rows: shown, omitted: rows.length - shown.length }
}

export function renderTableText(model: TableModel, options: TableTextOptions): string {
  const c = colorsFor(options.color)
  if (model.rows.length === 0) return `${c.bold(model.name)}\n    ${c.dim('no allocations sampled')}`
  const table = renderTextTable(
    [
      { header: 'Bytes', align: 'right' },
      { header: '%', align: 'right' },
      { header: 'Allocs', align: 'right' },
      { header: 'Function', align: 'left' },
      { header: 'Location', align: 'left' },
      { header: 'Called from', align: 'left' },
    ],
    model.rows.map((row) => [
      { text: formatSize(row.bytes), paint: c.bold },
      formatPercent(row.bytes, model.totalBytes),
      `~${formatCount(row.count)}`,
      { text: row.frame.functionName, paint: (text) => paintFrame(text, row.frame, c) },
      { text: frameLocation(row.frame) || '(no source)', paint: (text) => paintFrame(text, row.frame, c) },
      { text: row.caller ? frameLabel(row.caller) : '', paint: c.dim },
    ]),
    c.underline,
  )
  const lines = [`${c.bold(model.name)} ${c.dim(`(${formatSize(model.totalBytes)} sampled in total)`)}`, table]
  if (model.omitted > 0) lines.push(c.dim(`… ${plural(model.omitted, 'more site')} (--limit 0 shows all)`))
  return lines.join('\n')
}
