import { limitedPeak } from '../worker/test-result.js'
import { formatSize } from '../config/size.js'
import type { IncreaseResult } from './model.js'

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
  workerThreads?: { count: number; peakBytes: number; measured: boolean }
  limit?: { spec: string; bytes: number; currentThreadOnly: boolean; exceeded: boolean }
  increase?: Pick<IncreaseResult, 'previousPeakBytes' | 'allowedBytes' | 'exceeded'>
  retained?: { bytes: number; exact: boolean; window?: { tests: number; bytes: number } }
}

/** Task meta `heapmarkMemory`: what Vitest's UI lists under "Test Meta", in words, plus the flags. */
export interface MemoryFacts {
  peak: string
  limit?: string
  retained?: string
  increase?: string
  overLimit: boolean
  grew: boolean
}

export function memoryFacts(input: MemoryFactsInput): MemoryFacts {
  // Key order is display order in Vitest's UI.
  return {
    peak: describePeak(input),
    ...(input.limit ? { limit: describeLimit(input, input.limit) } : {}),
    ...(input.retained ? { retained: describeRetained(input.retained) } : {}),
    ...(input.increase ? { increase: describeIncrease(input.peakBytes, input.increase) } : {}),
    overLimit: input.limit?.exceeded === true,
    grew: input.increase?.exceeded === true,
  }
}

/** The facts on one line: "peak 32.0 MiB (JS heap …); limit 16 MB (16.0 MiB): EXCEEDED by …". */
export function memoryFactsLine(facts: MemoryFacts): string {
  return [`peak ${facts.peak}`, facts.limit && `limit ${facts.limit}`, facts.increase && `peak increase ${facts.increase}`, facts.retained && `retained ${facts.retained}`]
    .filter(Boolean)
    .join('; ')
}

function describePeak(input: MemoryFactsInput): string {
  const threads = input.workerThreads ? `, worker threads ${formatSize(input.workerThreads.peakBytes)}` : ''
  return `${formatSize(input.peakBytes)} (JS heap ${formatSize(input.heapPeakBytes)}, external ${formatSize(input.externalPeakBytes)}${threads})`
}

function describeLimit(input: MemoryFactsInput, limit: NonNullable<MemoryFactsInput['limit']>): string {
  const binary = formatSize(limit.bytes)
  const spec = limit.spec === binary ? binary : `${limit.spec} (${binary})`
  const peak = limitedPeak(input, limit)
  const percent = limit.bytes > 0 ? Math.round((peak / limit.bytes) * 100) : 0
  return limit.exceeded
    ? `${spec}: EXCEEDED by ${formatSize(Math.max(0, peak - limit.bytes))} (peak is ${percent}% of it)`
    : `${spec}: ok (peak is ${percent}% of it)`
}

function describeIncrease(peakBytes: number, increase: NonNullable<MemoryFactsInput['increase']>): string {
  const growth = peakBytes - increase.previousPeakBytes
  const change = `${growth >= 0 ? '+' : '-'}${formatSize(Math.abs(growth))} since the last passing run (${formatSize(increase.previousPeakBytes)})`
  return increase.exceeded
    ? `${change}: EXCEEDED the allowed +${formatSize(increase.allowedBytes)}`
    : `${change}: ok, +${formatSize(increase.allowedBytes)} allowed`
}

function describeRetained(retained: NonNullable<MemoryFactsInput['retained']>): string {
  const together = retained.window ? `; ${retained.window.tests} tests since the last full GC kept ${formatSize(retained.window.bytes)} together` : ''
  return `${formatSize(retained.bytes)}${retained.exact ? (together ? ` (${together.slice(2)})` : '') : ` (lower bound${together})`}`
}
