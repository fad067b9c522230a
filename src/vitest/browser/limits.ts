/**
 * limitMemory and limitLeaks for Vitest browser mode (the `browser` export condition of `heapmark`
 * and `heapmark/vitest`). Same API as in Node; the measuring is the page's, through CDP: see
 * setup.ts. With heapmark off (or in a browser it cannot measure) they only run the body.
 */
import { HeapmarkError, LeakLimitError } from '../../errors.js'
import type { LimitLeaksOptions } from '../../core/assertions/leaks.js'
import type { LimitMemoryOptions } from '../../core/assertions/limits.js'
import type { LeakCheckResult } from '../../core/report/model.js'
import { formatSize, parseSize } from '../../core/config/size.js'
import { describeDomLeaks, domGrowth, domLeakResult, hasDomLeaks, steadyDomGrowth, type DomReading } from './dom-leaks.js'
import { getBrowserState, type BrowserTest } from './state.js'

/** Fails the test when the page's peak (JS heap + ArrayBuffer backing stores) reaches `limit`. */
export function limitMemoryInPage<Args extends unknown[], Result>(
  limit: string | number,
  fn: (...args: Args) => Result,
  _options: LimitMemoryOptions = {},
): (...args: Args) => Result {
  requireFunction('limitMemory', limit, fn)
  const wrapped = function (this: unknown, ...args: Args): Result {
    const state = getBrowserState()
    if (!state.enabled) return fn.apply(this, args)
    const bytes = parseSize(limit, 'limitMemory limit')
    const test = currentTest(state.current, state.running, 'limitMemory', `limitMemory("24 MB", () => { ... })`)
    if (test.limit) {
      throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitMemory(${JSON.stringify(limit)}) is nested in another limitMemory(${JSON.stringify(test.limit.spec)}): a test takes one memory limit.`)
    }
    // Judged by the setup file's runTask wrapper once the body (and what it awaits) is done.
    test.limit = { spec: String(limit), bytes }
    return fn.apply(this, args)
  }
  return keepSource(wrapped, fn)
}

/**
 * Fails the test when it leaves DOM behind (detached trees still referenced from JS after a forced
 * GC, listeners added to window/document and not removed) or when the page's live JS heap grew by
 * more than `limit`. With `iterations`, judges growth per iteration over two halves, so what is
 * built once passes and what grows on every mount/unmount fails.
 */
export function limitLeaksInPage<Args extends unknown[]>(
  limit: string | number,
  fn: (...args: Args) => unknown,
  options: LimitLeaksOptions = {},
): (...args: Args) => Promise<void> {
  requireFunction('limitLeaks', limit, fn)
  const wrapped = async function (this: unknown, ...args: Args): Promise<void> {
    const state = getBrowserState()
    if (!state.enabled || !state.readDom) {
      await fn.apply(this, args)
      return
    }
    const bytes = parseSize(limit, 'limitLeaks limit')
    const { iterations, warmup } = readOptions(options)
    const test = currentTest(state.current, state.running, 'limitLeaks', `limitLeaks("1 MB", () => { ... })`)
    if (test.leakCheckStarted) {
      throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitLeaks(${JSON.stringify(limit)}) is nested in another limitLeaks(): a test takes one leak limit.`)
    }
    test.leakCheckStarted = true
    const readDom = state.readDom
    for (let run = 0; run < warmup; run++) await fn.apply(this, args)
    const runs = async (count: number) => {
      for (let run = 0; run < count; run++) await fn.apply(this, args)
    }
    const start: DomReading = await readDom()
    let check: LeakCheckResult
    if (iterations >= 4) {
      const firstHalf = Math.floor(iterations / 2)
      await runs(firstHalf)
      const middle = await readDom()
      await runs(iterations - firstHalf)
      const end = await readDom()
      const { liveBytes, ...dom } = steadyDomGrowth(domGrowth(start, middle), firstHalf, domGrowth(middle, end), iterations - firstHalf)
      check = verdict(String(limit), bytes, iterations, warmup, dom, liveBytes)
    } else {
      await runs(iterations)
      const growth = domGrowth(start, await readDom())
      check = verdict(String(limit), bytes, iterations, warmup, domLeakResult(growth, iterations), Math.max(0, growth.liveBytes / iterations))
    }
    test.leakCheck = check
    if (check.exceeded) throw new LeakLimitError(describeFailure(check))
  }
  return keepSource(wrapped, fn)
}

function verdict(spec: string, bytes: number, iterations: number, warmup: number, dom: LeakCheckResult['dom'] & object, liveBytes: number): LeakCheckResult {
  const heapLocation = { frames: [], bytes: Math.round(liveBytes), count: 0, external: false }
  return { spec, bytes, iterations, warmup, exceeded: hasDomLeaks(dom) || liveBytes > bytes, locations: [heapLocation], dom }
}

function describeFailure(check: LeakCheckResult): string {
  const per = check.iterations > 1 ? ' per iteration' : ''
  const mode = check.iterations > 1 ? ` (${check.iterations} iterations after ${check.warmup} warm-up runs)` : ''
  const lines = [`Test left memory behind${mode}; it was allowed ${formatSize(check.bytes)} (${check.spec}) of JS heap growth${per} and no DOM leaks.`, '']
  if (check.dom && hasDomLeaks(check.dom)) lines.push(...describeDomLeaks(check.dom, check.iterations))
  const live = check.locations[0]?.bytes ?? 0
  lines.push(`- the page's live JS heap (after a forced GC) grew by ${formatSize(live)}${per}${live > check.bytes ? `, over the ${formatSize(check.bytes)} allowed` : ''}`)
  return lines.join('\n')
}

function readOptions(options: LimitLeaksOptions): { iterations: number; warmup: number } {
  if (options.filter !== undefined) {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', 'limitLeaks option filter: not supported in browser tests (they report DOM leaks and the heap as a whole, not allocating locations)')
  }
  const count = (value: unknown, name: string, min: number, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `limitLeaks option ${name}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`)
    }
    return value
  }
  return { iterations: count(options.iterations, 'iterations', 1, 1), warmup: count(options.warmup, 'warmup', 0, 0) }
}

function currentTest(test: BrowserTest | undefined, running: number, name: string, usage: string): BrowserTest {
  if (running > 1) {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `${name}() cannot be checked while ${running - 1} other test(s) run at the same time in this page: their memory would count as this test's. Run it without .concurrent.`)
  }
  if (!test) throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `${name}() ran outside a test body. Use it as the test function: it("name", ${usage})`)
  return test
}

function requireFunction(name: string, limit: unknown, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `${name}(${JSON.stringify(limit)}, fn) needs the test body as its second argument, got ${typeof fn}`)
  }
}

/** Vitest reads a test function's source to find the fixtures it destructures: show it the user's. */
function keepSource<T extends (...args: never[]) => unknown>(wrapped: T, fn: (...args: never[]) => unknown): T {
  Object.defineProperty(wrapped, 'toString', { value: () => fn.toString() })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}
