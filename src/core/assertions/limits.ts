import type { PeakMeasure } from '../config/limit-text.js'
import { HeapmarkError, MemoryLimitError } from '../../errors.js'
import type { Attribution } from '../attribution/attribution.js'
import { limitedPeak, type TestRecord } from '../worker/test-result.js'
import type { MemoryLimit } from '../measure/test-measurement.js'
import { formatSites, significantSites } from '../report/site-text.js'
import { formatSize, parseSize } from '../config/size.js'
import { getWorkerState } from '../worker/worker-state.js'
import { FILE_LIMIT_PRAGMA, type AppliedDefaultLimit } from './default-limit.js'

export interface LimitMemoryOptions {
  /**
   * Judge only the thread running the test. By default the heap peaks of worker_threads the test
   * starts count too (sampled every 10 ms), as pytest-memray counts all threads.
   */
  currentThreadOnly?: boolean
  /**
   * What the limit judges. 'used' (the default): the used peak, garbage not yet collected included,
   * as the report's "Peak memory". 'live': the live peak, the most the test kept reachable at once.
   * Without livePeak (precise mode) that is a lower bound read after GCs during the test, or the
   * used peak when no GC ran; see docs/measuring.md.
   */
  measure?: PeakMeasure
}

/**
 * Fails the test when its peak memory reaches `limit` ("24 MB", "1.5 GiB" or a number of bytes).
 * Use it as the test function: `it('parses', limitMemory('24 MB', async () => { ... }))`.
 * With heapmark off it only runs `fn`. The limit is checked by the runner adapter when the body
 * ends, so the whole body counts, including what it awaits.
 */
export function limitMemory<Args extends unknown[], Result>(
  limit: string | number,
  fn: (...args: Args) => Result,
  options: LimitMemoryOptions = {},
): (...args: Args) => Result {
  if (typeof fn !== 'function') {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitMemory(${JSON.stringify(limit)}, fn) needs the test body as its second argument, got ${typeof fn}`)
  }
  const wrapped = function (this: unknown, ...args: Args): Result {
    const state = getWorkerState()
    if (!state.enabled) return fn.apply(this, args)
    // Parsed here, not when the test is declared: a bad limit fails this test, not the whole file.
    const bytes = parseSize(limit, 'limitMemory limit')
    if (state.running > 1) {
      throw new HeapmarkError(
        'HEAPMARK_LIMIT_MISUSE',
        `limitMemory() cannot be checked while ${state.running - 1} other test(s) run at the same time in this worker: their memory would count against this test. Run it without .concurrent (for example with test.sequential).`,
      )
    }
    const test = state.current
    if (!test) {
      throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', 'limitMemory() ran outside a test body. Use it as the test function: it("name", limitMemory("24 MB", () => { ... }))')
    }
    if (test.limit) {
      throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitMemory(${JSON.stringify(limit)}) is nested in another limitMemory(${JSON.stringify(test.limit.spec)}): a test takes one memory limit.`)
    }
    if (options.measure !== undefined && options.measure !== 'used' && options.measure !== 'live') {
      throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitMemory(${JSON.stringify(limit)}, fn, { measure }) takes 'used' or 'live', got ${JSON.stringify(options.measure)}`)
    }
    test.limit = { spec: String(limit), bytes, currentThreadOnly: options.currentThreadOnly === true, ...(options.measure === 'live' ? { measure: 'live' as const } : {}) }
    state.rebaseline?.(test)
    return fn.apply(this, args)
  }
  // Vitest reads a test function's source to find the fixtures it destructures; show it the user's.
  Object.defineProperty(wrapped, 'toString', { value: () => fn.toString() })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}

/** How the live figure a limit judged is known, in the failure message's words. */
function liveWording(kind: TestRecord['livePeakKind'] | undefined): string {
  if (kind === 'estimate') return 'live peak'
  if (kind === 'lower-bound') return 'live peak (at least; GCs during the test found that much reachable)'
  return 'live peak (not known: no GC ran during the test, so the used peak is judged)'
}

/** The verdict on a limited test: undefined when it stayed under its limit. */
export function checkMemoryLimit(
  limit: MemoryLimit | AppliedDefaultLimit,
  reading: Pick<TestRecord, 'peakBytes' | 'heapPeakBytes' | 'externalPeakBytes' | 'allocatedBytes' | 'workerThreads'> & Partial<Pick<TestRecord, 'livePeakBytes' | 'livePeakKind'>>,
  attribution: Attribution | undefined,
  stacks: number,
): MemoryLimitError | undefined {
  const peak = limitedPeak(reading, limit)
  if (peak < limit.bytes) return undefined
  const scope = limit.currentThreadOnly ? ' (this thread only)' : ''
  const origin = 'origin' in limit ? limit : undefined
  const which = origin ? `: ${origin.origin === 'default' ? "the run's default limit" : "this file's limit"}, from ${origin.from}` : ''
  const judged = 'measure' in limit && limit.measure === 'live' ? liveWording(reading.livePeakKind) : 'peak'
  const summary = `Test was limited to ${formatSize(limit.bytes)} (${limit.spec}${which}) but its ${judged}${scope} was ${formatSize(peak)}`
  const threads = reading.workerThreads
  const threadsPart = threads && !limit.currentThreadOnly ? `, worker threads ${formatSize(threads.peakBytes)} in ${threads.count}` : ''
  const lines = [
    `Peak above the level at test start: ${formatSize(limit.measure === 'live' ? limitedPeak(reading, { currentThreadOnly: limit.currentThreadOnly }) : peak)} (JS heap ${formatSize(reading.heapPeakBytes)}, external ${formatSize(reading.externalPeakBytes)}${threadsPart}); allocated in total: ${formatSize(reading.allocatedBytes)}.`,
  ]
  // Sites that explain less than 1% of the peak are runner bookkeeping, not the reason for a failure.
  const sites = attribution?.sites ?? []
  if (significantSites(sites, peak).shown.length > 0) lines.push(formatSites(sites, stacks, peak).replace(/^ +/gm, (m) => m.slice(4)))
  else lines.push('No function allocated a noticeable part of it on the JS heap.')
  if (reading.externalPeakBytes > reading.heapPeakBytes) {
    lines.push('Most of it is external memory (Buffer/ArrayBuffer contents), which V8\'s allocation sampler does not attribute to functions: look for Buffer.alloc, new ArrayBuffer and typed arrays in the test.')
  }
  if (origin) {
    lines.push(`Tests without limitMemory get this limit. Give this test its own with limitMemory(), or set its file's with a "// ${FILE_LIMIT_PRAGMA} <size>" (or "<size> live", or "off") comment at the top of the file.`)
  }
  return new MemoryLimitError(summary, lines.join('\n'))
}
