import { plainColors, type Colors } from './colors.js'
import { printablePath } from './printable-path.js'
import { formatSize } from '../config/size.js'
import type { AllocationSite, SourceFrame } from './model.js'
import { plural } from './numbers.js'

/**
 * Allocation sites as text lines: the terminal summary (render-text.ts) and the failure messages
 * of memory limits and --fail-on-increase (limits.ts, increase.ts) print them the same way. A leaf
 * module, so the verdict code does not import the whole renderer (which imports test records,
 * which import the verdicts: a cycle).
 */

export const INDENT = '    '
const SITES_PER_TEST = 5
/**
 * A site that explains less than this share of a test's allocation (or of the peak a limit judged)
 * is runner bookkeeping (one 16 KiB sample in chai under a 30 MiB test), not where to look.
 */
export const SIGNIFICANT_SITE_SHARE = 0.01

/**
 * The sites worth showing: those that explain at least SIGNIFICANT_SITE_SHARE of `baseBytes` (0:
 * every site), the biggest SITES_PER_TEST of them; `omitted` counts the rest.
 */
export function significantSites(sites: readonly AllocationSite[], baseBytes: number): { shown: AllocationSite[]; omitted: number } {
  const shown = sites.filter((site) => site.bytes >= baseBytes * SIGNIFICANT_SITE_SHARE).slice(0, SITES_PER_TEST)
  return { shown, omitted: sites.length - shown.length }
}

/**
 * Plain-text site list for failure messages (no colour: runners print messages as they are), of
 * the sites that explain a meaningful share of `baseBytes`.
 */
export function formatSites(sites: readonly AllocationSite[], stacks: number, baseBytes = 0): string {
  return renderSites(sites, stacks, plainColors(), baseBytes).join('\n')
}

export function renderSites(sites: readonly AllocationSite[], stacks: number, c: Colors, baseBytes = 0): string[] {
  if (sites.length === 0) return [`${INDENT}Biggest allocating functions: ${c.dim('none sampled')}`]
  const { shown, omitted } = significantSites(sites, baseBytes)
  const smaller = plural(omitted, 'smaller site')
  if (shown.length === 0) {
    return [`${INDENT}Biggest allocating functions: ${c.dim(`none above ${SIGNIFICANT_SITE_SHARE * 100}% of ${formatSize(baseBytes)} (${smaller})`)}`]
  }
  const lines = [`${INDENT}Biggest allocating functions:`]
  for (const site of shown) {
    const [first, ...callers] = site.frames.slice(0, Math.max(1, stacks))
    const where = first ? renderFrame(first, c) : c.dim('(unknown location)')
    lines.push(`${INDENT}${INDENT}- ${where} -> ${c.bold(formatSize(site.bytes))}`)
    for (const caller of callers) lines.push(`${INDENT}${INDENT}    called from ${renderFrame(caller, c)}`)
  }
  if (omitted > 0) lines.push(`${INDENT}${INDENT}${c.dim(`… ${smaller}`)}`)
  return lines
}

export function renderFrame(frame: SourceFrame, c: Colors): string {
  const text = `${frame.functionName || '(anonymous)'} at ${printablePath(frame.file)}:${frame.line}`
  // Node internals, dependencies and heapmark itself are context, not something to fix.
  return frame.kind === 'user' ? text : c.dim(text)
}
