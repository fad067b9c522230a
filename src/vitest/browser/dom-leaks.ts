/**
 * What a browser test left behind in the DOM, from two readings of the page taken after forced
 * GCs: detached trees that appeared, grouped by their root element, and window/document listeners
 * that were added and not removed. Pure: no CDP, so it can be tested on plain data.
 */
import type { DetachedTree, FrameListener } from './cdp-page.js'
import type { DomLeakResult } from '../../core/report/model.js'

export interface DomReading {
  detached: DetachedTree[]
  listeners: FrameListener[]
  /** JS heap plus ArrayBuffer backing stores, after GC. */
  liveBytes: number
}

export interface DomGrowth {
  /** By root description: trees and nodes that appeared. */
  detached: Map<string, { trees: number; nodes: number }>
  /** By listener key: how many more there are. */
  listeners: Map<string, { listener: FrameListener; count: number }>
  liveBytes: number
}

export function domGrowth(before: DomReading, after: DomReading): DomGrowth {
  const known = new Set(before.detached.map((tree) => tree.rootId))
  const detached = new Map<string, { trees: number; nodes: number }>()
  for (const tree of after.detached) {
    if (known.has(tree.rootId)) continue
    const group = detached.get(tree.root) ?? { trees: 0, nodes: 0 }
    group.trees++
    group.nodes += tree.nodes
    detached.set(tree.root, group)
  }
  const counts = (listeners: FrameListener[]) => {
    const byKey = new Map<string, { listener: FrameListener; count: number }>()
    for (const listener of listeners) {
      const key = listenerKey(listener)
      const entry = byKey.get(key) ?? { listener, count: 0 }
      entry.count++
      byKey.set(key, entry)
    }
    return byKey
  }
  const earlier = counts(before.listeners)
  const listeners = new Map<string, { listener: FrameListener; count: number }>()
  for (const [key, entry] of counts(after.listeners)) {
    const added = entry.count - (earlier.get(key)?.count ?? 0)
    if (added > 0) listeners.set(key, { listener: entry.listener, count: added })
  }
  return { detached, listeners, liveBytes: after.liveBytes - before.liveBytes }
}

/**
 * Growth per iteration that both halves of an iteration run show: the smaller of the two rates,
 * so something created once (a cache, a lazily built singleton) passes and steady growth fails.
 */
export function steadyDomGrowth(first: DomGrowth, firstRuns: number, second: DomGrowth, secondRuns: number): DomLeakResult & { liveBytes: number } {
  const detached = [...second.detached].flatMap(([root, later]) => {
    const earlier = first.detached.get(root)
    if (!earlier) return []
    const nodes = Math.min(earlier.nodes / firstRuns, later.nodes / secondRuns)
    const trees = Math.min(earlier.trees / firstRuns, later.trees / secondRuns)
    return nodes > 0 ? [{ root, trees: round(trees), nodes: round(nodes) }] : []
  })
  const listeners = [...second.listeners].flatMap(([key, later]) => {
    const earlier = first.listeners.get(key)
    if (!earlier) return []
    const count = Math.min(earlier.count / firstRuns, later.count / secondRuns)
    return count > 0 ? [{ ...publicListener(later.listener), count: round(count) }] : []
  })
  const liveBytes = Math.max(0, Math.min(first.liveBytes / firstRuns, second.liveBytes / secondRuns))
  return { ...sorted({ detached, listeners }), liveBytes }
}

/** A single run's growth, in the report's shape. */
export function domLeakResult(growth: DomGrowth, runs: number): DomLeakResult {
  return sorted({
    detached: [...growth.detached].map(([root, group]) => ({ root, trees: round(group.trees / runs), nodes: round(group.nodes / runs) })),
    listeners: [...growth.listeners.values()].map(({ listener, count }) => ({ ...publicListener(listener), count: round(count / runs) })),
  })
}

export function hasDomLeaks(result: DomLeakResult): boolean {
  return result.detached.length > 0 || result.listeners.length > 0
}

/** Lines for a failure message: "- 4 detached nodes in 1 <section#dialog> tree". */
export function describeDomLeaks(result: DomLeakResult, iterations: number): string[] {
  const per = iterations > 1 ? ' per iteration' : ''
  const lines = result.detached.map(
    (group) => `- ${group.nodes} detached DOM node(s)${per} in ${group.trees} tree(s) rooted at <${group.root}>, still referenced from JS after a forced GC`,
  )
  for (const listener of result.listeners) {
    lines.push(`- ${listener.count} '${listener.type}' listener(s)${per} left on ${listener.target}${listener.useCapture ? ' (capture)' : ''}: ${listener.handler}`)
  }
  return lines
}

function listenerKey(listener: FrameListener): string {
  return `${listener.target}|${listener.type}|${listener.useCapture}|${listener.location}`
}

function publicListener(listener: FrameListener): Omit<DomLeakResult['listeners'][number], 'count'> {
  return { target: listener.target, type: listener.type, useCapture: listener.useCapture, handler: listener.handler }
}

function sorted(result: DomLeakResult): DomLeakResult {
  return {
    detached: result.detached.sort((a, b) => b.nodes - a.nodes),
    listeners: result.listeners.sort((a, b) => b.count - a.count),
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
