import { HeapmarkError, MemoryLimitError } from '../errors.js'
import type { Attribution } from './attribution.js'
import { limitedPeak, type TestRecord } from './test-result.js'
import type { MemoryLimit } from './test-measurement.js'
import { formatSites } from './report/render-text.js'
import { formatSize, parseSize } from './size.js'
import { getWorkerState } from './worker-state.js'

const SIGNIFICANT_SHARE = 0.01

export interface LimitMemoryOptions {
  /**
   * Judge only the thread running the test. By default the heap peaks of worker_threads the test
   * starts count too (sampled every 10 ms), as pytest-memray counts all threads.
   */
  currentThreadOnly?: boolean
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
    test.limit = { spec: String(limit), bytes, currentThreadOnly: options.currentThreadOnly === true }
    state.rebaseline?.(test)
    return fn.apply(this, args)
  }
  // Vitest reads a test function's source to find the fixtures it destructures; show it the user's.
  Object.defineProperty(wrapped, 'toString', { value: () => fn.toString() })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}

/** The verdict on a limited test: undefined when it stayed under its limit. */
export function checkMemoryLimit(
  limit: MemoryLimit,
  reading: Pick<TestRecord, 'peakBytes' | 'heapPeakBytes' | 'externalPeakBytes' | 'allocatedBytes' | 'workerThreads'>,
  attribution: Attribution | undefined,
  stacks: number,
): MemoryLimitError | undefined {
  const peak = limitedPeak(reading, limit)
  if (peak < limit.bytes) return undefined
  const scope = limit.currentThreadOnly ? ' (this thread only)' : ''
  const summary = `Test was limited to ${formatSize(limit.bytes)} (${limit.spec}) but its peak${scope} was ${formatSize(peak)}`
  const threads = reading.workerThreads
  const threadsPart = threads && !limit.currentThreadOnly ? `, worker threads ${formatSize(threads.peakBytes)} in ${threads.count}` : ''
  const lines = [
    `Peak above the level at test start: ${formatSize(peak)} (JS heap ${formatSize(reading.heapPeakBytes)}, external ${formatSize(reading.externalPeakBytes)}${threadsPart}); allocated in total: ${formatSize(reading.allocatedBytes)}.`,
  ]
  // Sites that explain less than 1% of the peak are runner bookkeeping, not the reason for a failure.
  const significant = (attribution?.sites ?? []).filter((site) => site.bytes >= peak * SIGNIFICANT_SHARE)
  if (significant.length > 0) lines.push(formatSites(significant, stacks).replace(/^ +/gm, (m) => m.slice(4)))
  else lines.push('No function allocated a noticeable part of it on the JS heap.')
  if (reading.externalPeakBytes > reading.heapPeakBytes) {
    lines.push('Most of it is external memory (Buffer/ArrayBuffer contents), which V8\'s allocation sampler does not attribute to functions: look for Buffer.alloc, new ArrayBuffer and typed arrays in the test.')
  }
  return new MemoryLimitError(summary, lines.join('\n'))
}
