import type { AttributionOutcome } from '../attribution/attribution.js'
import { JOURNAL_DIR_ENV } from '../oom/journal.js'
import type { ResolvedHeapmarkOptions } from '../config/options.js'
import { claimResultChannel, joinResultChannel, openResultChannel, ResultChannelReader } from './result-channel.js'
import type { FileRetention } from '../retention/retention.js'
import type { TestRecord } from '../worker/test-result.js'
import type { TestIdentity } from '../worker/worker-session.js'
import { ReportCollector, type RunOutput } from './collector.js'
import type { TestState } from '../report/model.js'

/**
 * Results sent through the result channel (core/run/result-channel.ts) test by test rather than file
 * by file: for runners where the main process sees no file end of its own, and where a test
 * process may die in the middle of its file (node:test: one process per file) but must not take
 * the tests it finished with it. A worker sends:
 */
export type StreamedBatch =
  /** First, once: the runner as the worker sees it (its Node may not be the reporting process's). */
  | { runner: { name: string; version: string } }
  /** Each test once it is over, its final state known. */
  | { test: TestIdentity & { state: TestState }; record: TestRecord }
  /**
   * Once its tests are over: attribution by test id (reading it costs a forced GC before Node 26, so not per test) and
   * what the tests left alive. `file`: the (first) test file of that worker.
   */
  | { file: string; attributions: Record<string, AttributionOutcome>; retention: FileRetention }

/** What the main process hands the workers through the channel's settings. */
export interface StreamedRunSettings {
  /** The run's journal folder (ReportCollector.journalDir): a worker that dies leaves a trace there. */
  journalDir: string
}

export interface StreamedRun {
  dir: string
  /** This process opened the channel (and removes it); false when it joined one opened earlier. */
  opened: boolean
  collector: ReportCollector
  /** The runner the report names: the workers' own, once one has said. */
  runner: { name: string; version: string }
}

/**
 * Main process, before any worker starts: opens the run's channel, or joins the one an outer
 * process already opened for this run (`heapmark run` around node:test with heapmark's reporter),
 * with a collector that reads the workers' journals from the run's journal folder.
 */
export function openStreamedRun(
  options: ResolvedHeapmarkOptions,
  runner: { name: string; version: string },
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
): StreamedRun {
  const joined = joinResultChannel<StreamedRunSettings>(env)
  // `heapmark run` names its own journal folder in `env` (JOURNAL_DIR_ENV) when it runs node:test.
  const collector = new ReportCollector(options, () => run.runner, () => rootDir, joined?.settings.journalDir ?? env[JOURNAL_DIR_ENV])
  const dir = joined?.dir ?? openResultChannel({ journalDir: collector.journalDir } satisfies StreamedRunSettings, env)
  const run: StreamedRun = { dir, opened: !joined, collector, runner }
  return run
}

export interface StreamedRunSummary {
  /** Tests handed to the collector. */
  tests: number
}

/**
 * Main process, once every worker is done: the same report, JSON file and history as any run.
 * Returns undefined when another reader of this channel claimed it first. A worker's later batch
 * (its attribution) joins the tests it sent before.
 */
export async function reportStreamedRun(run: StreamedRun, output: RunOutput): Promise<StreamedRunSummary | undefined> {
  if (!claimResultChannel(run.dir)) return undefined
  const batches = new ResultChannelReader<StreamedBatch>(run.dir).readNew()
  const attributions: Record<string, AttributionOutcome> = {}
  let runnerSeen = false
  for (const batch of batches) {
    if ('file' in batch) Object.assign(attributions, batch.attributions)
    else if ('runner' in batch && !runnerSeen) {
      runnerSeen = true
      run.runner = batch.runner
    }
  }
  let tests = 0
  for (const batch of batches) {
    if (!('test' in batch)) continue
    run.collector.add(batch.test, batch.record, attributions[batch.test.id])
    tests++
  }
  // After the tests they refer to.
  for (const batch of batches) if ('file' in batch) run.collector.addRetention(batch.file, batch.retention)
  await run.collector.finish(output)
  return { tests }
}
