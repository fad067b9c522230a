import { createColors } from 'picocolors'
import { formatSize } from '../size.js'
import type { AllocationSite, SourceFrame } from './model.js'

/**
 * Allocation sites as text lines: the terminal summary (render-text.ts) and the failure messages
 * of memory limits and --fail-on-increase (limits.ts, increase.ts) print them the same way. A leaf
 * module, so the verdict code does not import the whole renderer (which imports test records,
 * which import the verdicts: a cycle).
 */

export type Colors = ReturnType<typeof createColors>

export const INDENT = '    '
const SITES_PER_TEST = 5

/** Plain-text site list for failure messages (no colour: runners print messages as they are). */
export function formatSites(sites: readonly AllocationSite[], stacks: number): string {
  return renderSites(sites, stacks, createColors(false)).join('\n')
}

export function renderSites(sites: readonly AllocationSite[], stacks: number, c: Colors): string[] {
  if (sites.length === 0) return [`${INDENT}Biggest allocating functions: ${c.dim('none sampled')}`]
  const lines = [`${INDENT}Biggest allocating functions:`]
  for (const site of sites.slice(0, SITES_PER_TEST)) {
    const [first, ...callers] = site.frames.slice(0, Math.max(1, stacks))
    const where = first ? renderFrame(first, c) : c.dim('(unknown location)')
    lines.push(`${INDENT}${INDENT}- ${where} -> ${c.bold(formatSize(site.bytes))}`)
    for (const caller of callers) lines.push(`${INDENT}${INDENT}    called from ${renderFrame(caller, c)}`)
  }
  return lines
}

export function renderFrame(frame: SourceFrame, c: Colors): string {
  const text = `${frame.functionName || '(anonymous)'} at ${frame.file}:${frame.line}`
  // Node internals, dependencies and heapmark itself are context, not something to fix.
  return frame.kind === 'user' ? text : c.dim(text)
}
