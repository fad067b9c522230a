import type { ReadCapture } from '../core/capture/reader.js'
import type { CaptureNode } from '../core/capture/format.js'
import { createSampleDecoder, type DecodedSample } from '../core/attribution/sample-size.js'
import { frameKey, toDisplayFrame, type DisplayFrame } from './frames.js'

/**
 * The model every reporter starts from: the capture's call tree with display frames and bytes and
 * allocation counts per node. Bytes come from each node's `selfSize` (what DevTools shows; scaled
 * by V8); counts come from the samples, decoded with the sampling interval (V8 reports
 * size × count per sample, see core/attribution/sample-size.ts).
 */
export interface CallTreeNode {
  id: number
  frame: DisplayFrame
  selfBytes: number
  selfCount: number
  totalBytes: number
  totalCount: number
  /** Biggest total first. */
  children: CallTreeNode[]
}

export interface CallTree {
  root: CallTreeNode
  /** Sampling interval used to decode counts. */
  samplingInterval: number
  /** True when the capture has no heapmark metadata and Node's --heap-prof default was assumed. */
  intervalAssumed: boolean
  /** Every sample decoded to (object size, allocations it stands for), plus its reported bytes. */
  decodedSamples: Array<DecodedSample & { bytes: number }>
}

/** `node --heap-prof`'s default --heap-prof-interval: what a plain profile most likely used. */
export const NODE_HEAP_PROF_INTERVAL = 512 * 1024

export function buildCallTree(capture: ReadCapture): CallTree {
  const intervalAssumed = capture.metadata === undefined
  const samplingInterval = capture.metadata?.samplingInterval ?? NODE_HEAP_PROF_INTERVAL
  const decode = createSampleDecoder(samplingInterval)
  const countByNode = new Map<number, number>()
  const decodedSamples = capture.samples.map((sample) => {
    const decoded = decode(sample.size)
    countByNode.set(sample.nodeId, (countByNode.get(sample.nodeId) ?? 0) + decoded.count)
    return { ...decoded, bytes: sample.size }
  })
  const rootDir = capture.metadata?.rootDir
  const convert = (node: CaptureNode): CallTreeNode => {
    const children = node.children.map(convert).sort(biggestFirst)
    const selfCount = countByNode.get(node.id) ?? 0
    return {
      id: node.id,
      frame: toDisplayFrame(node.callFrame, rootDir),
      selfBytes: node.selfSize,
      selfCount,
      totalBytes: node.selfSize + sum(children, (child) => child.totalBytes),
      totalCount: selfCount + sum(children, (child) => child.totalCount),
      children,
    }
  }
  return { root: convert(capture.head), samplingInterval, intervalAssumed, decodedSamples }
}

/** Bytes first; ties by name so output is stable across runs. */
export function biggestFirst(a: CallTreeNode, b: CallTreeNode): number {
  return b.totalBytes - a.totalBytes || a.frame.functionName.localeCompare(b.frame.functionName) || a.id - b.id
}

export interface FunctionTotals {
  frame: DisplayFrame
  /** Allocated by the function itself. */
  selfBytes: number
  selfCount: number
  /** Allocated by the function and everything it called (a recursive function counts once per stack). */
  totalBytes: number
  totalCount: number
}

/** Per-function totals over the whole tree; the root ("(root)") is left out. */
export function aggregateFunctions(tree: CallTree): FunctionTotals[] {
  const byKey = new Map<string, FunctionTotals>()
  const onStack = new Map<string, number>()
  const visit = (node: CallTreeNode): void => {
    const key = frameKey(node.frame)
    let entry = byKey.get(key)
    if (!entry) {
      entry = { frame: node.frame, selfBytes: 0, selfCount: 0, totalBytes: 0, totalCount: 0 }
      byKey.set(key, entry)
    }
    entry.selfBytes += node.selfBytes
    entry.selfCount += node.selfCount
    const depth = onStack.get(key) ?? 0
    // Only the outermost occurrence on a stack adds inclusive bytes, or recursion would count twice.
    if (depth === 0) {
      entry.totalBytes += node.totalBytes
      entry.totalCount += node.totalCount
    }
    onStack.set(key, depth + 1)
    node.children.forEach(visit)
    onStack.set(key, depth)
  }
  tree.root.children.forEach(visit)
  return [...byKey.values()].filter((entry) => entry.totalBytes > 0 || entry.totalCount > 0)
}

/** Calls `visit` for every node below the root with its ancestors (outermost first, root excluded). */
export function walkTree(tree: CallTree, visit: (node: CallTreeNode, ancestors: readonly CallTreeNode[]) => void): void {
  const path: CallTreeNode[] = []
  const walk = (node: CallTreeNode): void => {
    visit(node, path)
    path.push(node)
    node.children.forEach(walk)
    path.pop()
  }
  tree.root.children.forEach(walk)
}

export function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0
  for (const item of items) total += value(item)
  return total
}
