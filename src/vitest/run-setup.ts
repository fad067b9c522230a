import { writeFileSync } from 'node:fs'
import v8 from 'node:v8'
import { fileURLToPath } from 'node:url'
import type { Reporter, TestProject, Vitest } from 'vitest/node'
import { HeapmarkError } from '../errors.js'
import { historyPathFor } from '../core/history/history.js'
import { usesNodeHeapProf } from '../core/attribution/node-flags.js'
import type { ResolvedHeapmarkOptions } from '../core/config/options.js'
import { prepareOutputFile } from '../core/run/output-file.js'
import { prepareCaptureDir } from '../core/capture/writer.js'
import { RUN_MARKER_ENV } from '../core/run/run-marker.js'
import { SMALL_YOUNG_GENERATION_FLAG } from '../core/measure/live-peak.js'
import { HeapmarkReporter, REPORTER_MARK, showsInUi } from './reporter.js'
import { reportedProjectName } from './test-names.js'
import { isBrowserProject, setUpBrowserProject } from './browser-project.js'
import type { ProvidedSettings } from './meta.js'

const RUNNER_PATH = fileURLToPath(new URL('./runner.js', import.meta.url))
/** heapmark's own install (dist/ and the src/ its source maps point at). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The run's state lives on Vitest's resolved root config: 4.1 loads a config once per
 * `extends: true` project, and the fallback global setup may load heapmark a second time, so
 * module state would be per copy, not per run. The config, not the Vitest instance: a restart in
 * watch mode (a config file changed) resolves a new config and makes new reporters, and heapmark
 * must join those again.
 */
const RUN = Symbol.for('heapmark.vitest.run')

interface MeasuredRun {
  options: ResolvedHeapmarkOptions
  reporter: HeapmarkReporter
  configured: WeakSet<TestProject>
  warnedHeapProf: boolean
}

/**
 * How the run's reporter joins Vitest. `config`: from configureVitest, before Vitest creates its
 * reporters (the documented place). `created`: from the global setup, after Vitest created them.
 */
export type ReporterRoute = 'config' | 'created'

/**
 * Switches heapmark on for a whole Vitest run: one reporter, and heapmark's runner and settings in
 * every project Vitest resolved, whichever config (the root's, a project's own file) carried the
 * plugin. Safe to call again: projects configured before are left alone, new ones are added.
 */
export function measureVitestRun(vitest: Vitest, options: ResolvedHeapmarkOptions, route: ReporterRoute): void {
  const holder = vitest.config as unknown as Record<symbol, MeasuredRun | undefined>
  let run = holder[RUN]
  if (!run) {
    const prepared = prepareOutputs(options, vitest.config.root)
    // Synchronous up to here: Vitest calls configureVitest for all projects at once.
    const reporter = addReporter(vitest, prepared, route)
    run = holder[RUN] = { options: prepared, reporter, configured: new WeakSet(), warnedHeapProf: false }
    const marker = process.env[RUN_MARKER_ENV]
    if (marker) writeFileSync(marker, 'vitest\n')
  }
  for (const project of vitest.projects) configureProject(vitest, project, run)
}

function configureProject(vitest: Vitest, project: TestProject, run: MeasuredRun): void {
  if (run.configured.has(project)) return
  run.configured.add(project)
  const settings: ProvidedSettings = {
    ...run.options,
    // One root for every project: test names and the history file must be the same in the
    // workers (which check limits and growth) and in the reporter (which writes the history).
    rootDir: vitest.config.root,
    projectName: reportedProjectName(vitest, project),
    vitestVersion: vitest.version,
    journalDir: run.reporter.journalDir,
    userRunner: project.config.runner === RUNNER_PATH ? undefined : project.config.runner,
    annotate: showsInUi(vitest),
  }
  // GitHub annotations of memory failures point at the test's line, which Vitest records only
  // with includeTaskLocation (a stack trace per test at collection: cheap next to measuring).
  if (process.env.GITHUB_ACTIONS === 'true') project.config.includeTaskLocation = true
  // Browser mode ignores test.runner: its projects are measured in the page by a setup file
  // (Chromium under Playwright; other browsers are named once and left unmeasured).
  if (isBrowserProject(project)) setUpBrowserProject(project, vitest)
  else project.config.runner = RUNNER_PATH
  const configs = new Set([project.config, vitest.config]) as unknown as Set<{ onStackTrace?: FrameFilter }>
  for (const config of configs) if (!isOurs(config.onStackTrace)) config.onStackTrace = withoutHeapmarkFrames(config.onStackTrace)
  if (!run.warnedHeapProf && usesNodeHeapProf([...(project.config.execArgv ?? []), ...process.execArgv, process.env.NODE_OPTIONS ?? ''])) {
    run.warnedHeapProf = true
    vitest.logger.warn(
      "heapmark: --heap-prof is on. V8 has one sampling heap profiler per process and Node's --heap-prof uses it, so heapmark leaves it alone: " +
        'peaks and totals are measured, allocation sites are not, and limitLeaks cannot run.',
    )
  }
  if (run.options.livePeak) smallYoungGeneration(project)
  project.provide('heapmark', settings)
}

/**
 * Precise live peaks need a small young generation in the test workers. Child processes (forks,
 * vmForks) take the V8 flag in execArgv; worker threads crash on V8 flags in execArgv, but V8
 * flags are process-wide and read when an isolate is created, so setting it here, before Vitest
 * starts its workers, reaches every worker thread (checked on Node 20 and 24). Each worker checks
 * its young generation and says so once if it is not small (live-peak.ts).
 */
function smallYoungGeneration(project: TestProject): void {
  v8.setFlagsFromString(SMALL_YOUNG_GENERATION_FLAG)
  const pool = String(project.config.pool ?? 'forks')
  const execArgv = project.config.execArgv ?? []
  if ((pool === 'forks' || pool === 'vmForks') && !execArgv.some((arg) => arg.startsWith('--max-semi-space-size'))) {
    project.config.execArgv = [...execArgv, SMALL_YOUNG_GENERATION_FLAG]
  }
}

function addReporter(vitest: Vitest, options: ResolvedHeapmarkOptions, route: ReporterRoute): HeapmarkReporter {
  if (route === 'config') {
    const reporters = vitest.config.reporters as unknown[]
    // One the user listed themselves is the run's reporter.
    const listed = reporters.find((r): r is HeapmarkReporter => (r as Record<symbol, unknown> | null)?.[REPORTER_MARK] === true)
    if (listed) return listed
    const reporter = new HeapmarkReporter(options)
    reporters.push(reporter)
    return reporter
  }
  // Vitest made its reporters already; its list is internal (present in 4.1 and 5.1), so check it.
  const created = (vitest as unknown as { reporters?: Reporter[] }).reporters
  if (!Array.isArray(created)) {
    const names = vitest.projects.map((project) => project.name || '(unnamed)').join(', ')
    throw new HeapmarkError(
      'HEAPMARK_UNREACHABLE_PROJECTS',
      `heapmark is on, but this Vitest version gives heapmark's root plugin no way into the projects ${names}, so nothing would be measured. ` +
        'Fix: add `extends: true` to each inline project in test.projects, and heapmark() to the plugins of each project config file.',
    )
  }
  const reporter = new HeapmarkReporter(options)
  created.push(reporter)
  reporter.onInit(vitest)
  return reporter
}

function prepareOutputs(options: ResolvedHeapmarkOptions, root: string): ResolvedHeapmarkOptions {
  const prepared = { ...options }
  // A bad capture directory stops the run here, before any test, rather than in every worker.
  if (prepared.binPath) prepared.binPath = prepareCaptureDir(prepared.binPath)
  // Checked, not replaced: messages keep showing the path as the user wrote it.
  if (prepared.json) prepareOutputFile(prepared.json, 'JSON report (json)')
  // The default history file is best effort; one the user named or relies on must work.
  if (prepared.historyPath || prepared.failOnIncrease) {
    prepared.historyPath = prepareOutputFile(historyPathFor(prepared.historyPath, root), 'history file (historyPath)')
  }
  return prepared
}

type FrameFilter = ((error: unknown, frame: { file: string }) => boolean | void) & { [OURS]?: true }
const OURS = Symbol.for('heapmark.vitest.frame-filter')

function isOurs(filter: FrameFilter | undefined): boolean {
  return filter?.[OURS] === true
}

/** Keeps heapmark's runner out of failure stacks, as Vitest keeps its own runner out. */
function withoutHeapmarkFrames(previous: FrameFilter | undefined): FrameFilter {
  const filter: FrameFilter = (error, frame) => !frame.file.startsWith(PACKAGE_ROOT) && (previous ? previous(error, frame) !== false : true)
  filter[OURS] = true
  return filter
}
