import { formatSize } from '../config/size.js'
import type { IncreaseResult, MemoryLimitResult } from './model.js'
import type { LivePeakKind } from '../measure/live-peak.js'
import { increaseVerdictWords, limitSpecWords, limitVerdictWords, LIVE_PEAK_UNKNOWN, livePeakWords } from './memory-wording.js'

/**
 * One test's memory in a few words, for places that show a line or a small table per test rather
 * than heapmark's report: Vitest's UI and HTML reporter (annotation and task meta) and GitHub
 * Actions annotations. The worker knows everything but retention when the test ends; the main
 * process knows retention too, once the test's file has ended.
 */
export interface MemoryFactsInput {
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  livePeakBytes?: number
  livePeakKind?: LivePeakKind
  workerThreads?: { count: number; peakBytes: number; measured: boolean }
  limit?: Pick<MemoryLimitResult, 'spec' | 'bytes' | 'currentThreadOnly' | 'exceeded'> & Partial<Pick<MemoryLimitResult, 'measure' | 'from' | 'notJudged'>>
  increase?: Pick<IncreaseResult, 'previousPeakBytes' | 'allowedBytes' | 'exceeded'> & Partial<Pick<IncreaseResult, 'measure' | 'notJudged'>>
  retained?: { bytes: number; exact: boolean; window?: { tests: number; bytes: number } }
}

/** Task meta `heapmarkMemory`: what Vitest's UI lists under "Test Meta", in words, plus the flags. */
export interface MemoryFacts {
  peak: string
  /** The live peak in words: "at least 8.1 MiB" (a lower bound), "8.1 MiB" (precise mode), or not known. */
  live?: string
  limit?: string
  /** Set when --fail-on-increase compared live peaks (`increaseMeasure: 'live'`). */
  increaseMeasure?: 'live'
  retained?: string
  increase?: string
  overLimit: boolean
  grew: boolean
}

export function memoryFacts(input: MemoryFactsInput): MemoryFacts {
  // Key order is display order in Vitest's UI.
  return {
    peak: describePeak(input),
    ...(input.livePeakBytes !== undefined && input.livePeakKind !== undefined ? { live: livePeakWords(input.livePeakBytes, input.livePeakKind) } : {}),
    ...(input.limit ? { limit: `${limitSpecWords(input.limit)}: ${limitVerdictWords(input, input.limit)}` } : {}),
    ...(input.retained ? { retained: describeRetained(input.retained) } : {}),
    ...(input.increase ? { increase: increaseVerdictWords(input, input.increase) } : {}),
    ...(input.increase?.measure === 'live' ? { increaseMeasure: 'live' as const } : {}),
    overLimit: input.limit?.exceeded === true,
    grew: input.increase?.exceeded === true,
  }
}

/** The facts on one line: "peak 32.0 MiB (JS heap …); live peak at least 8.1 MiB; limit 16 MB (16.0 MiB): EXCEEDED by …". */
export function memoryFactsLine(facts: MemoryFacts): string {
  const increase = facts.increaseMeasure === 'live' ? 'live peak increase' : 'peak increase'
  // An unknown live peak (no GC ran: most small tests) would add the same words to nearly every line.
  const live = facts.live !== undefined && facts.live !== LIVE_PEAK_UNKNOWN ? `live peak ${facts.live}` : undefined
  return [`peak ${facts.peak}`, live, facts.limit && `limit ${facts.limit}`, facts.increase && `${increase} ${facts.increase}`, facts.retained && `retained ${facts.retained}`]
    .filter(Boolean)
    .join('; ')
}

function describePeak(input: MemoryFactsInput): string {
  const threads = input.workerThreads ? `, worker threads ${formatSize(input.workerThreads.peakBytes)}` : ''
  return `${formatSize(input.peakBytes)} (JS heap ${formatSize(input.heapPeakBytes)}, external ${formatSize(input.externalPeakBytes)}${threads})`
}

function describeRetained(retained: NonNullable<MemoryFactsInput['retained']>): string {
  const together = retained.window ? `; ${retained.window.tests} tests since the last full GC kept ${formatSize(retained.window.bytes)} together` : ''
  return `${formatSize(retained.bytes)}${retained.exact ? (together ? ` (${together.slice(2)})` : '') : ` (lower bound${together})`}`
}
