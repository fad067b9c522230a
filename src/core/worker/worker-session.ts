import type { Attribution, AttributionOutcome } from '../attribution/attribution.js'
import { createCapture } from '../capture/create.js'
import { captureFileName, writeCapture } from '../capture/writer.js'
import type { PositionMapper } from '../attribution/frames.js'
import { checkMemoryLimit } from '../assertions/limits.js'
import { TestMeasurer } from '../measure/measurer.js'
import { ATTRIBUTION_MIN_PEAK_BYTES } from '../attribution/thresholds.js'
import { isAncestor, type ActiveTest } from '../measure/test-measurement.js'
import { toTestRecord, type TestRecord } from './test-result.js'
import { getWorkerState } from './worker-state.js'
import { HeapmarkError } from '../../errors.js'
import { heapmarkVersion } from '../../version.js'
import { historyPathFor, readHistoryCached, type History } from '../history/history.js'
import { checkIncrease, increaseFailure, parseTolerance, type IncreaseMode, type IncreaseTolerance } from '../history/increase.js'
import type { ResolvedHeapmarkOptions } from '../config/options.js'
import type { FileRetention } from '../retention/retention.js'
import { JournalWriter } from '../oom/journal.js'
import { usesNodeHeapProf } from '../attribution/node-flags.js'
import { DefaultLimits, type FileLimit } from '../assertions/default-limit.js'
import type { DefaultLimit } from '../config/options.js'
import type { NotSampledReason } from '../report/model.js'
import { watchNearHeapLimit, type NearLimitWatch } from '../oom/near-limit-sites.js'
import { readShownPeak } from '../attribution/shown-peaks.js'

/** What a runner adapter knows about a test: a stable id and the name the report shows. */
export interface TestIdentity {
  id: string
  /** "file > describe > test": also the key of the test's history entry. */
  name: string
  /** Relative to the project root, "/"-separated. */
  file: string
}

export interface WorkerSessionSettings {
  samplingInterval: number
  stacks: number
  rootDir: string
  /** Keep one capture file per test here. */
  binPath: string | undefined
  binPrefix: string
  runner: { name: string; version: string }
  preciseRetention: boolean
  /** Precise live peaks (the worker's young generation must be small: see live-peak.ts). */
  livePeak: boolean
  /** The precise settle before every test (also on with --fail-on-increase, whose verdict compares peaks). */
  precise: boolean
  /** Where the worker keeps its journal (see journal.ts); none: no journal. */
  journalDir: string | undefined
  /** The run's history file (it may not exist): --fail-on-increase's baselines, and which tests were big last time. */
  historyFile: string
  /** Set with --fail-on-increase: judge each passing test against its history. */
  failOnIncrease: { historyFile: string; tolerance: IncreaseTolerance; mode: IncreaseMode } | undefined
  /** The run's `limit` option: every test without limitMemory gets it (files may override it). */
  defaultLimit: DefaultLimit | undefined
}

/** The session settings from the run's resolved options: every adapter builds them this way. */
export function workerSessionSettings(
  options: ResolvedHeapmarkOptions,
  rootDir: string,
  runner: { name: string; version: string },
  /** From the main process's ReportCollector.journalDir. */
  journalDir?: string,
): WorkerSessionSettings {
  const historyFile = historyPathFor(options.historyPath, rootDir)
  return {
    samplingInterval: options.samplingInterval,
    stacks: options.stacks,
    rootDir,
    binPath: options.binPath,
    binPrefix: options.binPrefix,
    runner,
    preciseRetention: options.preciseRetention,
    livePeak: options.livePeak,
    precise: options.precise || options.failOnIncrease,
    journalDir,
    historyFile,
    failOnIncrease: options.failOnIncrease
      ? {
          historyFile,
          tolerance: parseTolerance(options.increaseTolerance),
          mode: { measure: options.increaseMeasure, smallYoungGeneration: options.livePeak },
        }
      : undefined,
    defaultLimit: options.limit,
  }
}

/** Per-file results, sent from the worker with the file (attribution is read once per file). */
export interface FileResults {
  /** By test id; tests whose sites were not read get the reason instead. */
  attributions: Record<string, AttributionOutcome>
  retention: FileRetention
}

export interface WorkerSessionOptions {
  settings: WorkerSessionSettings
  /** Maps positions in the code the runner ran back to the user's sources. */
  mapPosition?: PositionMapper
  /** Loads what mapPosition needs; awaited before any profile read. */
  loadSourceMaps?: () => Promise<void>
  /** Files of the runner itself: what they keep alive is not a test's leak. */
  isRunnerFile: (file: string) => boolean
}

/**
 * Everything heapmark does in one test worker, runner-agnostic. An adapter calls startTest/endTest
 * around exactly the test body, checkTest after it (which throws the test's failure), and
 * finishFile when a test file ends, then ships the records and attributions to its main process.
 */
export class WorkerSession {
  private readonly measurer: TestMeasurer
  private readonly settings: WorkerSessionSettings
  private readonly loadSourceMaps: () => Promise<void>
  /** Attribution already read for limited tests of the current file, sent with the file. */
  private readonly earlyAttributions = new Map<string, Attribution>()
  private readonly journal: JournalWriter | undefined
  private readonly nearLimit: NearLimitWatch | undefined
  /** The history as the current file started (--fail-on-increase's baselines; tests big last time). */
  private history: History | undefined
  /** Tests whose body is running. */
  private readonly running = new Set<ActiveTest>()
  private readonly defaultLimits: DefaultLimits
  /** Node's --heap-prof owns V8's sampling heap profiler in this process. */
  private readonly heapProf = usesNodeHeapProf()
  /** The default (or file) limit each running test got at its start. */
  private readonly fileLimits = new WeakMap<ActiveTest, FileLimit>()

  constructor(options: WorkerSessionOptions) {
    this.settings = options.settings
    this.defaultLimits = new DefaultLimits(options.settings.defaultLimit, options.settings.rootDir)
    this.loadSourceMaps = options.loadSourceMaps ?? (async () => undefined)
    this.journal = options.settings.journalDir ? new JournalWriter(options.settings.journalDir) : undefined
    // Precise retention reads a profile as each test starts, synchronously: have the source maps
    // ready by then (loading starts now, long before the file's second test).
    if (options.settings.preciseRetention) void this.loadSourceMaps().catch(() => undefined)
    const measurer = new TestMeasurer({
      samplingInterval: options.settings.samplingInterval,
      stacks: options.settings.stacks,
      rootDir: options.settings.rootDir,
      ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}),
      captures: options.settings.binPath !== undefined,
      sampling: !this.heapProf,
      preciseRetention: options.settings.preciseRetention,
      livePeak: options.settings.livePeak,
      precise: options.settings.precise,
      isRunnerFile: options.isRunnerFile,
      // Once the near-limit watcher is armed its read wants samples: no more pauses.
      mayPauseSampling: () => !this.nearLimit?.armed(),
    })
    this.measurer = measurer
    // Near the heap limit, one profile read names what fills it (only with a sampler to read).
    if (this.journal && !measurer.samplingUnavailable && !usesNodeHeapProf() && !options.settings.preciseRetention) {
      this.nearLimit = watchNearHeapLimit({
        journal: this.journal,
        rootDir: options.settings.rootDir,
        ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}),
        loadSourceMaps: this.loadSourceMaps,
        runningTest: () => getWorkerState().current?.key,
        onArm: () => measurer.resumeSampling(),
      })
    }
    const state = getWorkerState()
    // Limit wrappers anywhere in this worker (hooks included) must know heapmark measures, so
    // misuse outside a test body is reported, not ignored.
    state.enabled = true
    state.leakProbe = {
      begin: async (interval) => {
        await this.loadSourceMaps()
        measurer.beginLeakWindow(interval)
      },
      end: () => measurer.endLeakWindow(options.isRunnerFile),
      liveWorkers: () => measurer.liveWorkerLeaks(getWorkerState().current?.key ?? ''),
    }
    state.rebaseline = (test) => measurer.rebaseline(test)
  }

  /**
   * Call as the test body starts (after hooks), with the runner's test id. `parent`: the running
   * test this one is nested in (a subtest started from its body), for runners that nest tests.
   */
  startTest(id: string, identity?: TestIdentity, parent?: ActiveTest): ActiveTest {
    // Before begin(): the first test of a file reads the file for its comment, and that read must
    // not count in the test's reading.
    const fileLimit = identity ? this.defaultLimits.forFile(identity.file) : undefined
    const active = this.measurer.begin(id, parent, this.wasWorthReading(identity))
    if (fileLimit) {
      this.fileLimits.set(active, fileLimit)
      // A strict start (a minor GC, ~0.5 ms, only for tests that have a limit), so the verdict does
      // not flip on young garbage a GC frees mid-test. Not the full GC limitMemory's start runs:
      // a default limit applies to every test, and a full GC per test is the 1.2-2x heapmark's
      // default mode avoids; old garbage a mark-compact frees is corrected (peakUncertaintyBytes).
      if (fileLimit.limit) this.measurer.rebaseline(active, { full: false })
    }
    if (this.journal) {
      const closed = this.measurer.closedRetention
      if (closed) this.journal.hold({ retained: closed.key, bytes: closed.retention.retainedBytes })
      this.journal.write({ start: id, name: identity?.name ?? id, file: identity?.file ?? '', live: this.measurer.lastLevelBytes })
      this.nearLimit?.testStarting()
    }
    this.running.add(active)
    this.publishRunning()
    return active
  }

  /** Call as the body ends, whether it passed or threw; the record goes to the main process. */
  endTest(active: ActiveTest): TestRecord {
    this.running.delete(active)
    this.publishRunning()
    const defaultLimit = active.limit ? undefined : this.fileLimits.get(active)?.limit
    const record = toTestRecord(this.measurer.end(active), active.limit ?? defaultLimit, active.leakCheck)
    // A shared test's peak includes other tests' memory: a default limit makes no verdict on it, and
    // the report says so (limitMemory, asked for on that very test, refuses it as misuse instead).
    if (defaultLimit && record.limit && active.overlapping > 0) {
      record.limit.exceeded = false
      record.limit.notJudged = 'concurrent'
    }
    this.journal?.hold({ end: active.key, peak: record.peakBytes, record })
    return record
  }

  /**
   * Tells the limit wrappers which test body is running: the innermost tests (a parent running
   * only its subtest counts once, as the subtest), and `current` when exactly one is.
   */
  private publishRunning(): void {
    const state = getWorkerState()
    const innermost = [...this.running].filter((test) => ![...this.running].some((other) => other !== test && isAncestor(test, other)))
    state.running = innermost.length
    state.current = innermost.length === 1 ? innermost[0] : undefined
  }

  /**
   * The memory verdicts on a test whose body passed (its limit, then --fail-on-increase): throws
   * the error the runner must report as the test's failure. Only failing tests pay for reading the
   * profile (a forced GC before Node 26) here, because the message shows the stacks.
   */
  async checkTest(identity: TestIdentity, active: ActiveTest, record: TestRecord): Promise<void> {
    const fileLimit = this.fileLimits.get(active)
    // A bad @heapmark-limit comment fails every test of its file, as a bad limitMemory fails its test.
    if (fileLimit?.error) throw fileLimit.error
    if (!active.limit && fileLimit?.limit && record.limit?.exceeded) {
      const failure = checkMemoryLimit(fileLimit.limit, record, await this.readAttributionNow(active.key), this.settings.stacks)
      if (failure) throw failure
    }
    if (active.limit && record.limit?.exceeded) {
      if (active.overlapping > 0) {
        throw new HeapmarkError(
          'HEAPMARK_LIMIT_MISUSE',
          `limitMemory() cannot be checked: ${active.overlapping} other test(s) ran at the same time in this worker and their memory counted against this test. Run it without .concurrent.`,
        )
      }
      const failure = checkMemoryLimit(active.limit, record, await this.readAttributionNow(active.key), this.settings.stacks)
      if (failure) throw failure
    }
    const increase = this.settings.failOnIncrease
    // A shared test's peak includes other tests' memory: no verdict either way.
    if (!increase || active.overlapping > 0) return
    const previous = this.fileHistory().get(identity.name)
    if (!previous) return
    record.increase = checkIncrease(record, previous, increase.tolerance, increase.mode)
    if (record.increase?.exceeded) {
      const attribution = await this.readAttributionNow(active.key)
      throw increaseFailure(record, record.increase, increase.tolerance, increase.historyFile, attribution, this.settings.stacks)
    }
  }

  /**
   * In a file whose boundaries are off (isolate: false, Jest: the file before it in this worker had
   * no test worth reading), a test that peaked at 1 MiB in its last passing run is sampled anyway,
   * so a run after the one that said "unmarked" has its sites. The history is read once per such file.
   */
  private wasWorthReading(identity: TestIdentity | undefined): boolean {
    if (!identity || this.measurer.marksBoundaries) return false
    const previous = this.fileHistory().get(identity.name)
    return previous !== undefined && previous.peakBytes >= ATTRIBUTION_MIN_PEAK_BYTES
  }

  /** The history, looked up once per file: it only changes when a run ends (watch-mode reruns). */
  private fileHistory(): History {
    return (this.history ??= readHistoryCached(this.settings.historyFile))
  }

  /** Reads the profile now for one test (kept for its file's results too). */
  private async readAttributionNow(key: string): Promise<Attribution | undefined> {
    await this.loadSourceMaps()
    this.measurer.collect()
    const attribution = this.measurer.takeAttribution(key)
    if (attribution) this.earlyAttributions.set(key, attribution)
    return attribution
  }

  /**
   * Call when a test file ends, before its modules are released: reads the file's attribution
   * when worthwhile (always with captures, which need every test's samples), measures what its
   * tests left alive, and writes the captures. Returns what to send with the file.
   */
  async finishFile(tests: Iterable<{ identity: TestIdentity; record: TestRecord }>): Promise<FileResults> {
    const force = this.settings.binPath !== undefined
    const testList = [...tests]
    const unmarked = this.measurer.fileUnmarked
    // Only a file that can hold a test the summary shows is read (see shown-peaks.ts); the main
    // process's figure is only looked up when the file would be read otherwise.
    const shown = force || !this.measurer.wouldCollect(false) || mayBeShown(testList, readShownPeak(this.settings.journalDir))
    // The source-map decoder only when the profile is read: loading it is ~3-5 ms per worker.
    if (shown && this.measurer.wouldCollect(force)) await this.loadSourceMaps()
    const read = this.measurer.collectIfWorthwhile(force, shown)
    const attributions: Record<string, Attribution> = Object.fromEntries([...this.earlyAttributions, ...this.measurer.takeFinishedAttributions()])
    this.earlyAttributions.clear()
    this.history = undefined
    this.defaultLimits.clear()
    const retention = this.measurer.takeFileRetention()
    const closed = this.measurer.closedRetention
    if (closed) this.journal?.write({ retained: closed.key, bytes: closed.retention.retainedBytes })
    else this.journal?.flush()
    if (this.settings.binPath) this.writeCaptures(this.settings.binPath, testList, attributions)
    const outcomes: Record<string, AttributionOutcome> = { ...attributions }
    const reason = this.notSampledReason(read, shown, unmarked)
    if (reason) for (const { identity } of testList) outcomes[identity.id] ??= { notSampled: reason }
    return { attributions: outcomes, retention }
  }

  /** Why this file's tests without an attribution have none (undefined: they should have one). */
  private notSampledReason(read: boolean, shown: boolean, unmarked: boolean): NotSampledReason | undefined {
    if (this.heapProf) return 'heap-prof'
    if (this.measurer.samplingUnavailable) return 'sampler-unavailable'
    if (this.settings.preciseRetention) return 'precise-retention'
    // Before `read`: a limited test of the file may have been sampled and read, the others not.
    if (unmarked) return 'unmarked'
    if (read) return undefined
    return shown ? 'below-threshold' : 'not-shown'
  }

  private writeCaptures(binPath: string, tests: Iterable<{ identity: TestIdentity; record: TestRecord }>, attributions: Record<string, Attribution>): void {
    const { runner, samplingInterval, rootDir, binPrefix } = this.settings
    const context = { heapmarkVersion: heapmarkVersion(), runner, samplingInterval, rootDir }
    for (const { identity, record } of tests) {
      const builder = this.measurer.takeCapture(identity.id)
      if (!builder) continue
      const capture = createCapture({ testId: identity.id, name: identity.name, file: identity.file }, record, attributions[identity.id], builder, context)
      try {
        writeCapture(binPath, captureFileName(binPrefix, identity.name, identity.id), capture)
      } catch (error) {
        // A capture that cannot be written must not fail a test that passed: say so and go on.
        console.error(`heapmark: ${(error as Error).message}`)
      }
    }
  }
}

/** Whether one of a file's tests peaked at the smallest peak the summary shows so far (0: unknown, so yes). */
function mayBeShown(tests: ReadonlyArray<{ record: TestRecord }>, shownFrom: number): boolean {
  if (shownFrom === 0) return true
  for (const { record } of tests) if (record.peakBytes >= shownFrom) return true
  return false
}
