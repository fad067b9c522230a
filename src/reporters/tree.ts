import type { ReadCapture } from '../core/capture/reader.js'
import { formatSize } from '../core/config/size.js'
import { buildCallTree, sum, type CallTreeNode } from './call-tree.js'
import { captureTitle } from './capture-info.js'
import { colorsFor, frameLocation, paintFrame, type Colors, type DisplayFrame } from './frames.js'
import { formatPercent, plural } from '../core/report/numbers.js'

/**
 * `heapmark tree`: the call tree in the terminal, biggest paths first (memray's tree reporter,
 * as plain text). Runs of Node-internal or dependency frames that just pass memory through (one
 * child holding it all) fold into one line by default: a test's stack starts with dozens of
 * runner frames, and the depth budget is better spent on the user's code.
 */
export interface TreeOptions {
  /** Levels shown below the root. Default 12. */
  depth?: number
  /** Children shown per node; the rest become one "… N more" line. Default 5. */
  width?: number
  /** Fold pass-through runs of non-user frames. Default true. */
  foldInternals?: boolean
}

export interface TreeTextOptions {
  color: boolean
}

export interface TreeViewNode {
  frame: DisplayFrame
  totalBytes: number
  selfBytes: number
  /** Pass-through frames folded into this line (0 = none). */
  folded: number
  children: TreeViewNode[]
  /** Children not shown because of `width`. */
  more: { count: number; bytes: number } | undefined
  /** True when children exist below the depth limit. */
  cutAtDepth: boolean
}

export interface TreeModel {
  name: string
  root: TreeViewNode
}

export function buildTree(capture: ReadCapture, options: TreeOptions = {}): TreeModel {
  const depth = options.depth ?? 12
  const width = options.width ?? 5
  const fold = options.foldInternals ?? true
  const tree = buildCallTree(capture)
  const view = (start: CallTreeNode, level: number): TreeViewNode => {
    let node = start
    let folded = 0
    while (fold && node.frame.kind !== 'user' && isPassThrough(node)) {
      node = node.children[0]!
      folded++
    }
    const allocating = node.children.filter((child) => child.totalBytes > 0)
    const shown = level < depth ? allocating.slice(0, width) : []
    const hidden = level < depth ? allocating.slice(width) : []
    return {
      frame: node.frame,
      totalBytes: node.totalBytes,
      selfBytes: node.selfBytes,
      folded,
      children: shown.map((child) => view(child, level + 1)),
      more: hidden.length > 0 ? { count: hidden.length, bytes: sum(hidden, (child) => child.totalBytes) } : undefined,
      cutAtDepth: level >= depth && allocating.length > 0,
    }
  }
  // The root itself is never folded: it is the 100% line.
  const root = view({ ...tree.root, frame: { ...tree.root.frame, kind: 'user' } }, 0)
  return { name: captureTitle(capture), root: { ...root, frame: tree.root.frame } }
}

/** One child that holds everything and no bytes of its own: nothing to see on this line. */
function isPassThrough(node: CallTreeNode): boolean {
  const [only, ...others] = node.children.filter((child) => child.totalBytes > 0)
  return only !== undefined && others.length === 0 && node.selfBytes === 0 && only.frame.kind !== 'user'
}

export function renderTreeText(model: TreeModel, options: TreeTextOptions): string {
  const c = colorsFor(options.color)
  const total = model.root.totalBytes
  if (total === 0) return `${c.bold(model.name)}\n    ${c.dim('no allocations sampled')}`
  const lines = [`${c.bold(model.name)} ${c.dim(`(${formatSize(total)} sampled in total)`)}`]
  lines.push(`${c.bold(formatSize(total))} 100.0% ${c.dim('(all allocations)')}`)
  renderChildren(model.root, '', total, c, lines)
  return lines.join('\n')
}

function renderChildren(node: TreeViewNode, prefix: string, total: number, c: Colors, lines: string[]): void {
  const entries: Array<TreeViewNode | 'more' | 'cut'> = [...node.children]
  if (node.more) entries.push('more')
  if (node.cutAtDepth) entries.push('cut')
  entries.forEach((entry, index) => {
    const last = index === entries.length - 1
    const branch = c.dim(last ? '└── ' : '├── ')
    if (entry === 'more') {
      const more = node.more!
      lines.push(`${prefix}${branch}${c.dim(`… ${plural(more.count, 'more')} (${formatSize(more.bytes)}, ${formatPercent(more.bytes, total)})`)}`)
    } else if (entry === 'cut') {
      lines.push(`${prefix}${branch}${c.dim('… deeper frames not shown (--depth)')}`)
    } else {
      lines.push(`${prefix}${branch}${renderNode(entry, total, c)}`)
      renderChildren(entry, prefix + c.dim(last ? '    ' : '│   '), total, c, lines)
    }
  })
}

function renderNode(node: TreeViewNode, total: number, c: Colors): string {
  const where = frameLocation(node.frame)
  const name = paintFrame(node.frame.functionName, node.frame, c)
  const own = node.selfBytes > 0 ? c.dim(` own ${formatSize(node.selfBytes)}`) : ''
  const folded = node.folded > 0 ? c.dim(` (+${plural(node.folded, 'internal frame')} folded)`) : ''
  return `${c.bold(formatSize(node.totalBytes))} ${formatPercent(node.totalBytes, total)} ${name}${where ? ` ${c.dim(where)}` : ''}${own}${folded}`
}
