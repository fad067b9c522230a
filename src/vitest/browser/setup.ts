/**
 * heapmark's setup file for Vitest browser-mode projects (Chromium), run in the test page. The
 * plugin adds it only to browser projects it can measure (see ../browser-project.ts). Vitest's
 * browser runner ignores `test.runner`, so instead of a runner class this wraps the runner
 * instance's `runTask`, which wraps exactly the test body as in Node. Per test it reads, through
 * the page's DevTools protocol: the heap after a forced GC as the body starts, the heap as it ends
 * (the peak) and a sampling heap profile of the body (what it allocated).
 */
import { TestRunner, inject } from 'vitest'
import type { RunnerTestCase as Test, RunnerTestSuite as Suite } from 'vitest'
import { cdp } from 'vitest/browser'
import { MemoryLimitError } from '../../errors.js'
import { formatSize } from '../../core/config/size.js'
import type { TestRecord } from '../../core/worker/test-result.js'
import type { ProvidedSettings } from '../meta.js'
import type { FileRetention } from '../../core/retention/retention.js'
import { CdpPage, sampledBytes, type CdpSession, type HeapUsage, type SamplingProfile } from './cdp-page.js'
import { ATTRIBUTE_COMMAND, getBrowserState, type BrowserTest } from './state.js'
import type { Attribution } from '../../core/attribution/attribution.js'
import { ATTRIBUTION_MIN_ALLOCATED_BYTES, ATTRIBUTION_MIN_PEAK_BYTES } from '../../core/attribution/thresholds.js'
import type { AttributeRequest } from '../browser-attribution.js'

interface BrowserRunnerState {
  commands?: { triggerCommand(name: string, args: unknown[]): Promise<unknown> }
  runner?: { runTask?: (test: Test) => Promise<void>; onAfterRunSuite?: (suite: Suite) => unknown } & Record<symbol, unknown>
  config?: { browser?: { name?: string } }
}

const INSTALLED = Symbol.for('heapmark.browser-run-task')
const settings: ProvidedSettings | undefined = inject('heapmark')
const browserRunner = (globalThis as unknown as { __vitest_browser_runner__?: BrowserRunnerState }).__vitest_browser_runner__
const runner = browserRunner?.runner

if (settings?.enabled && runner && !runner[INSTALLED]) {
  runner[INSTALLED] = true
  install(runner, settings, browserRunner?.config?.browser?.name ?? 'chromium', browserRunner?.commands)
}

function install(target: NonNullable<BrowserRunnerState['runner']>, options: ProvidedSettings, browser: string, commands: BrowserRunnerState['commands']): void {
  // Vitest types the session as an empty interface that providers extend; its methods are these.
  const page = new CdpPage(cdp() as unknown as CdpSession)
  const state = getBrowserState()
  state.enabled = true
  state.readDom = async () => {
    await page.collectGarbage()
    const [detached, listeners, usage] = [await page.detachedTrees(), await page.frameListeners(), await page.heapUsage()]
    return { detached, listeners, liveBytes: liveBytes(usage) }
  }
  const previous = target.runTask?.bind(target)
  let attributionFailed = false
  /** The test that owns the sampling profiler: V8 has one per isolate. */
  let sampling: Test | undefined
  const running = new Map<{ overlapping: number }, BrowserTest>()

  /** Tells the limit wrappers which test body runs: `current` only when exactly one does. */
  const publish = () => {
    state.running = running.size
    state.current = running.size === 1 ? [...running.values()][0] : undefined
  }

  /** Live level at each test's start, by file; read again as the file ends. */
  const levels = new Map<string, Array<{ id: string; bytes: number }>>()
  const levelsOf = (file: string) => {
    let list = levels.get(file)
    if (!list) levels.set(file, (list = []))
    return list
  }
  const worker = `${browser} page ${Math.random().toString(36).slice(2, 8)}`
  const previousAfterSuite = target.onAfterRunSuite?.bind(target)
  target.onAfterRunSuite = async (suite: Suite) => {
    const list = levels.get(suite.id)
    if (suite.file === suite && list) {
      levels.delete(suite.id)
      // One more full GC per file gives the last test its end level.
      try {
        await page.collectGarbage()
        suite.meta.heapmarkRetention = fileRetention(worker, list, liveBytes(await page.heapUsage()))
      } catch {
        // The page's protocol went away as the file ended: its tests keep their own numbers.
      }
    }
    await previousAfterSuite?.(suite)
  }

  const runBody = (test: Test): Promise<void> => (previous ? previous(test) : Promise.resolve(TestRunner.getTestFn(test)()).then(() => undefined))
  /** Set when the page's DevTools protocol does not answer: the rest of the run goes unmeasured, not failed. */
  let unavailable = false

  target.runTask = async (test: Test): Promise<void> => {
    if (unavailable) return runBody(test)
    const owner = !sampling
    if (owner) sampling = test
    let start: HeapUsage
    try {
      // The GC is awaited on its own: Chromium runs it from a task of its own and answers later, so a
      // reading sent with it would be taken first. The two calls after it share one round trip.
      await page.collectGarbage()
      ;[start] = await Promise.all([page.heapUsage(), owner ? page.startSampling(options.samplingInterval) : undefined])
    } catch (error) {
      if (owner) sampling = undefined
      unavailable = true
      state.enabled = false
      console.warn(`heapmark: this page's memory cannot be read through the DevTools protocol (${(error as Error).message}); its tests run unmeasured: no peaks, totals, limitMemory or limitLeaks checks.`)
      return runBody(test)
    }
    const own: BrowserTest = {}
    const mark = { overlapping: running.size }
    for (const other of running.keys()) other.overlapping++
    running.set(mark, own)
    publish()
    // Exact live levels (a full GC just ran): consecutive ones tell what each test kept.
    if (running.size === 1) levelsOf(test.file.id).push({ id: test.id, bytes: liveBytes(start) })
    const startedAt = performance.now()
    // The body's own failure is rethrown once the test is measured: failed tests get their numbers too.
    let failure: { error: unknown } | undefined
    try {
      await runBody(test)
    } catch (error) {
      failure = { error }
    }
    const durationMs = performance.now() - startedAt
    const [end, profile] = await Promise.all([page.heapUsage(), owner ? page.stopSampling() : undefined]) as [HeapUsage, SamplingProfile | undefined]
    if (owner) sampling = undefined
    running.delete(mark)
    publish()
    const record = toRecord(start, end, profile ? sampledBytes(profile.head) : 0, durationMs, mark.overlapping, browser, own)
    test.meta.heapmark = record
    const failing = !failure && record.limit?.exceeded === true && record.overlapping === 0
    const worthwhile = record.peakBytes >= ATTRIBUTION_MIN_PEAK_BYTES || record.allocatedBytes >= ATTRIBUTION_MIN_ALLOCATED_BYTES
    let attribution: Attribution | undefined
    if (profile && commands && (worthwhile || failing || options.binPath !== undefined)) {
      const request: AttributeRequest = { test: identify(test, options.rootDir), record, profile, interval: options.samplingInterval }
      try {
        attribution = (await commands.triggerCommand(ATTRIBUTE_COMMAND, [request])) as Attribution
        const file = test.file.meta
        file.heapmarkAttribution = { ...file.heapmarkAttribution, [test.id]: attribution }
      } catch (error) {
        // Sites are extra: without them the test keeps its peak, totals and verdicts.
        if (!attributionFailed) console.warn(`heapmark: allocation sites of browser tests could not be read: ${(error as Error).message}`)
        attributionFailed = true
      }
    }
    if (failure) throw failure.error
    if (failing) throw limitFailure(record, attribution, options.stacks)
  }
}

/** What each test kept: the live level at the next test's start (or the file's end) minus its own. */
function fileRetention(worker: string, starts: Array<{ id: string; bytes: number }>, endBytes: number): FileRetention {
  const retention: FileRetention = { worker, tests: {}, timeline: [] }
  starts.forEach((start, index) => {
    const next = starts[index + 1]?.bytes ?? endBytes
    retention.tests[start.id] = { retainedBytes: next - start.bytes, exact: true }
    if (index === 0) retention.timeline.push({ bytes: start.bytes, exact: true })
    retention.timeline.push({ after: start.id, bytes: next, exact: true })
  })
  return retention
}

function liveBytes(usage: HeapUsage): number {
  return usage.usedBytes + usage.backingStoreBytes
}

function toRecord(start: HeapUsage, end: HeapUsage, sampled: number, durationMs: number, overlapping: number, browser: string, test: BrowserTest): TestRecord {
  const heapPeakBytes = Math.max(0, end.usedBytes - start.usedBytes)
  const externalPeakBytes = Math.max(0, end.backingStoreBytes - start.backingStoreBytes)
  const peakBytes = heapPeakBytes + externalPeakBytes
  const record: TestRecord = {
    peakBytes,
    heapPeakBytes,
    externalPeakBytes,
    // The sampler counts JS heap allocations (garbage included); backing stores only by growth.
    allocatedBytes: Math.max(sampled, heapPeakBytes) + externalPeakBytes,
    overlapping,
    durationMs: Math.round(durationMs * 100) / 100,
    browser,
  }
  if (test.limit) record.limit = { ...test.limit, currentThreadOnly: true, exceeded: peakBytes >= test.limit.bytes }
  if (test.leakCheck) record.leaks = test.leakCheck
  return record
}

function limitFailure(record: TestRecord, attribution: Attribution | undefined, stacks: number): MemoryLimitError {
  const limit = record.limit!
  const lines = [
    `Peak above the level at test start, in the page: ${formatSize(record.peakBytes)} (JS heap ${formatSize(record.heapPeakBytes)}, ArrayBuffer backing stores ${formatSize(record.externalPeakBytes)}); allocated in total: ${formatSize(record.allocatedBytes)}.`,
  ]
  // Sites under 1% of the peak are the runner's bookkeeping, not the reason for a failure.
  const sites = (attribution?.sites ?? []).filter((site) => site.bytes >= record.peakBytes * 0.01)
  if (sites.length > 0) {
    lines.push('Allocated on the JS heap by:')
    for (const site of sites.slice(0, 5)) {
      const [first, ...callers] = site.frames.slice(0, stacks)
      lines.push(`- ${formatSize(site.bytes)} in ${first ? `${first.functionName} at ${first.file}:${first.line}` : '(unknown)'}`)
      for (const caller of callers) lines.push(`    called from ${caller.functionName} at ${caller.file}:${caller.line}`)
    }
  }
  if (record.externalPeakBytes > record.heapPeakBytes) {
    lines.push("Most of it is ArrayBuffer backing stores (typed arrays, canvas and image data), which V8's allocation sampler does not attribute to functions.")
  }
  return new MemoryLimitError(`Test was limited to ${formatSize(limit.bytes)} (${limit.spec}) but its peak was ${formatSize(record.peakBytes)}`, lines.join('\n'))
}

/** The test's id and the name the report shows ("file > describe > test"), as in Node. */
function identify(test: Test, rootDir: string): AttributeRequest['test'] {
  const filepath = test.file.filepath
  const file = filepath.startsWith(rootDir + '/') ? filepath.slice(rootDir.length + 1) : filepath
  const names: string[] = []
  for (let suite = test.suite; suite && suite !== test.file; suite = suite.suite) names.unshift(suite.name)
  return { id: test.id, name: [file, ...names, test.name].join(' > '), file }
}
