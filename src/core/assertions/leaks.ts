import { HeapmarkError, LeakLimitError } from '../../errors.js'
import type { LeakedLocation } from '../measure/test-measurement.js'
import type { LeakCheckResult, LeakLocationResult, SourceFrame } from '../report/model.js'
import { formatSize, parseSize } from '../config/size.js'
import { printablePath } from '../report/printable-path.js'
import { getWorkerState, type WorkerState } from '../worker/worker-state.js'

/** One location that kept memory alive, as `filter` sees it (the report's shape). */
export type LeakStack = LeakLocationResult

export interface LimitLeaksOptions {
  /** Called once per location over the limit; return false to ignore it. A filter that throws fails the test. */
  filter?: (stack: LeakStack) => boolean
  /**
   * Ignore worker_threads the test started. By default a worker started during the check that is
   * still running afterwards counts as a leak of the heap it holds (one location per worker).
   */
  currentThreadOnly?: boolean
  /** Run the body this many times and judge growth per iteration (tells one-off caches from leaks). */
  iterations?: number
  /** Runs before measuring, in iteration mode: lets caches, lazy tables and compiled code settle. */
  warmup?: number
  /** Sampling interval inside the leak window; smaller finds smaller leaks and costs more. */
  samplingInterval?: number | string
}

/** Default interval inside a leak window: ~4% precision on a 1 MiB leak (see docs/measuring.md). */
export const LEAK_SAMPLING_INTERVAL = 1024

/** What a leak check found, kept on the test for the report. */
export type LeakCheck = LeakCheckResult

const REPORTED_LOCATIONS = 5
/** From this many iterations on, the window is measured in two halves (see steadyGrowth). */
const SPLIT_MIN_ITERATIONS = 4

/**
 * Per location, the smaller of the two halves' growth per iteration, scaled back to `iterations`
 * so the rest of the check reads it like one window. A location seen in one half only grew once
 * (a cache filled, code optimised) and is dropped. Pure: exported for its unit tests.
 */
export function steadyGrowth(first: LeakedLocation[], firstRuns: number, second: LeakedLocation[], secondRuns: number, iterations: number): LeakedLocation[] {
  const key = (location: LeakedLocation) =>
    location.external ? 'external' : location.frames.map((f) => `${f.file}:${f.line}:${f.column}:${f.functionName}`).join('|')
  const firstByKey = new Map(first.map((location) => [key(location), location]))
  const steady: LeakedLocation[] = []
  for (const location of second) {
    const earlier = firstByKey.get(key(location))
    if (!earlier) continue
    const perIteration = Math.min(earlier.bytes / firstRuns, location.bytes / secondRuns)
    const countPerIteration = Math.min(earlier.count / firstRuns, location.count / secondRuns)
    steady.push({ ...location, bytes: perIteration * iterations, count: countPerIteration * iterations })
  }
  return steady.sort((a, b) => b.bytes - a.bytes)
}

/**
 * Fails the test when memory allocated while its body ran is still alive after it returned (after
 * GC, so garbage never counts) and one allocating location kept more than `limit`. With
 * `iterations`, runs the body `warmup` times, then `iterations` times, and judges growth per
 * iteration, so caches filled once pass and steady growth fails. With heapmark off it runs `fn`.
 */
export function limitLeaks<Args extends unknown[]>(
  limit: string | number,
  fn: (...args: Args) => unknown,
  options: LimitLeaksOptions = {},
): (...args: Args) => Promise<void> {
  if (typeof fn !== 'function') {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitLeaks(${JSON.stringify(limit)}, fn) needs the test body as its second argument, got ${typeof fn}`)
  }
  const wrapped = async function (this: unknown, ...args: Args): Promise<void> {
    const state = getWorkerState()
    if (!state.enabled) {
      await fn.apply(this, args)
      return
    }
    const bytes = parseSize(limit, 'limitLeaks limit')
    const { iterations, warmup, interval } = readOptions(options)
    const probe = requireProbe(state, limit)
    for (let run = 0; run < warmup; run++) await fn.apply(this, args)
    const measure = async (runs: number): Promise<LeakedLocation[]> => {
      await probe.begin(interval)
      try {
        for (let run = 0; run < runs; run++) await fn.apply(this, args)
      } catch (error) {
        probe.end() // the normal sampling session must come back even when the body throws
        throw error
      }
      return probe.end()
    }
    let leaked: LeakedLocation[]
    if (iterations >= SPLIT_MIN_ITERATIONS) {
      // Growth that happens once (V8 optimising the body mid-run, a cache filled lazily) lands in
      // one half only; a leak grows in both. Judge each location by its smaller half.
      const firstHalf = Math.floor(iterations / 2)
      const first = await measure(firstHalf)
      const second = await measure(iterations - firstHalf)
      leaked = steadyGrowth(first, firstHalf, second, iterations - firstHalf, iterations)
    } else {
      leaked = await measure(iterations)
    }
    if (!options.currentThreadOnly) leaked.push(...(await probe.liveWorkers()))
    const check = judgeLeaks(String(limit), bytes, iterations, warmup, leaked, options.filter)
    if (state.current) state.current.leakCheck = check
    if (check.exceeded) throw new LeakLimitError(describeLeakFailure(check, leaked, iterations))
  }
  Object.defineProperty(wrapped, 'toString', { value: () => fn.toString() })
  Object.defineProperty(wrapped, 'length', { value: fn.length })
  return wrapped
}

function readOptions(options: LimitLeaksOptions): { iterations: number; warmup: number; interval: number } {
  const count = (value: unknown, name: string, min: number, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `limitLeaks option ${name}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`)
    }
    return value
  }
  if (options.filter !== undefined && typeof options.filter !== 'function') {
    throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `limitLeaks option filter: expected a function, got ${typeof options.filter}`)
  }
  const iterations = count(options.iterations, 'iterations', 1, 1)
  const warmup = count(options.warmup, 'warmup', 0, 0)
  const interval = options.samplingInterval === undefined ? LEAK_SAMPLING_INTERVAL : parseSize(options.samplingInterval, 'limitLeaks samplingInterval')
  return { iterations, warmup, interval }
}

function requireProbe(state: WorkerState, limit: string | number) {
  if (state.running > 1) {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitLeaks() cannot be checked while ${state.running - 1} other test(s) run at the same time in this worker: their memory would count as this test's. Run it without .concurrent.`)
  }
  const test = state.current
  if (!test || !state.leakProbe) {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', 'limitLeaks() ran outside a test body. Use it as the test function: it("name", limitLeaks("1 MB", () => { ... }))')
  }
  if (test.leakCheckStarted) {
    throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', `limitLeaks(${JSON.stringify(limit)}) is nested in another limitLeaks(): a test takes one leak limit.`)
  }
  test.leakCheckStarted = true
  return state.leakProbe
}

/** The verdict on what stayed alive: per iteration, per location, filtered; the biggest kept for the report. Pure. */
export function judgeLeaks(spec: string, limit: number, iterations: number, warmup: number, leaked: LeakedLocation[], filter: LimitLeaksOptions['filter']): LeakCheck {
  const perIteration = leaked.map((location): LeakStack => ({ ...location, bytes: location.bytes / iterations, count: location.count / iterations }))
  const offending = perIteration.filter((stack) => stack.bytes > limit).filter((stack) => (filter ? filter(stack) !== false : true))
  const shown = (offending.length > 0 ? offending : perIteration).slice(0, REPORTED_LOCATIONS)
  return { spec, bytes: limit, iterations, warmup, exceeded: offending.length > 0, locations: shown.map(roundStack) }
}

function roundStack(stack: LeakStack): LeakStack {
  return { ...stack, bytes: Math.round(stack.bytes), count: Math.round(stack.count) }
}

/** The failure message: the limit, each location over it with its user callers, and the total still alive. Pure. */
export function describeLeakFailure(check: LeakCheck, leaked: LeakedLocation[], iterations: number): string {
  const limit = formatSize(check.bytes)
  const head =
    iterations === 1
      ? `Test was allowed to leak ${limit} (${check.spec}) per location but at least one location leaked more`
      : `Test was allowed to grow ${limit} (${check.spec}) per iteration per location but at least one location grew more (${iterations} iterations after ${check.warmup} warm-up runs)`
  const lines = check.locations.filter((stack) => stack.bytes > check.bytes).map((stack) => describeLocation(stack, iterations))
  const total = leaked.reduce((sum, location) => sum + location.bytes, 0)
  return `${head}\n\n${lines.join('\n')}\n\nIn all, ${formatSize(total)} allocated during the ${iterations === 1 ? 'test' : 'measured iterations'} was still alive after it.`
}

function describeLocation(stack: LeakStack, iterations: number): string {
  const amount = iterations === 1 ? `${formatSize(stack.bytes)} leaked` : `${formatSize(stack.bytes)} per iteration (${formatSize(stack.bytes * iterations)} over ${iterations})`
  if (stack.external) return `- ${amount} as external memory (Buffer/ArrayBuffer contents), which V8's sampler cannot attribute to a function`
  if (stack.workerThread !== undefined) {
    const held = iterations === 1 ? formatSize(stack.bytes) : `${formatSize(stack.bytes)} per iteration`
    return `- ${held} held by worker thread ${stack.workerThread}, started by the test and still running (currentThreadOnly: true ignores it)`
  }
  const [first, ...callers] = stack.frames
  const where = (frame: SourceFrame) => `${frame.functionName} at ${printablePath(frame.file)}:${frame.line}`
  const userCallers = callers.filter((frame) => frame.kind === 'user').slice(0, 3)
  return [`- ${amount} at ${first ? where(first) : '(unknown location)'}`, ...userCallers.map((frame) => `    called from ${where(frame)}`)].join('\n')
}
