import { writeFileSync } from 'node:fs'
import v8 from 'node:v8'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vitest/config'
import type { TestProject, Vitest } from 'vitest/node'
import { resolveOptions, type HeapmarkOptions } from '../core/options.js'
import { HeapmarkReporter, REPORTER_MARK } from './reporter.js'
import type { ProvidedSettings } from './meta.js'
import { RUN_MARKER_ENV } from '../core/run-marker.js'
import { prepareCaptureDir } from '../core/capture/writer.js'
import { prepareOutputFile } from '../core/output-file.js'
import { usesNodeHeapProf } from '../core/node-flags.js'
import { historyPathFor } from '../core/history.js'
import { SMALL_YOUNG_GENERATION_FLAG } from '../core/live-peak.js'

const RUNNER_PATH = fileURLToPath(new URL('./runner.js', import.meta.url))
/** heapmark's own install (dist/ and the src/ its source maps point at). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

type FrameFilter = (error: unknown, frame: { file: string }) => boolean | void

/** Keeps heapmark's runner out of failure stacks, as Vitest keeps its own runner out. */
function withoutHeapmarkFrames(previous: FrameFilter | undefined): FrameFilter {
  return (error, frame) => !frame.file.startsWith(PACKAGE_ROOT) && (previous ? previous(error, frame) !== false : true)
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

/**
 * The Vitest plugin. Measures nothing unless switched on: `enabled: true`, `HEAPMARK=1`, or a run
 * started through `heapmark run -- vitest ...`. Options from the environment win over these.
 */
export function heapmark(options: HeapmarkOptions = {}): Plugin {
  // Validate now so a typo in the config fails loudly even while heapmark is off.
  resolveOptions(options, {})
  return {
    name: 'heapmark',
    configureVitest({ vitest, project }: { vitest: Vitest; project: TestProject }) {
      const resolved = resolveOptions(options, process.env)
      if (!resolved.enabled) return
      // A bad capture directory stops the run here, before any test, rather than in every worker.
      if (resolved.binPath) resolved.binPath = prepareCaptureDir(resolved.binPath)
      // Checked, not replaced: messages keep showing the path as the user wrote it.
      if (resolved.json) prepareOutputFile(resolved.json, 'JSON report (json)')
      // The default history file is best effort; one the user named or relies on must work.
      if (resolved.historyPath || resolved.failOnIncrease) {
        resolved.historyPath = prepareOutputFile(historyPathFor(resolved.historyPath, vitest.config.root), 'history file (historyPath)')
      }
      const reporters = vitest.config.reporters as unknown[]
      let reporter = reporters.find((r): r is HeapmarkReporter => (r as Record<symbol, unknown> | null)?.[REPORTER_MARK] === true)
      if (!reporter) reporters.push((reporter = new HeapmarkReporter(resolved)))
      const settings: ProvidedSettings = {
        ...resolved,
        rootDir: project.config.root,
        vitestVersion: vitest.version,
        journalDir: reporter.journalDir,
        userRunner: project.config.runner === RUNNER_PATH ? undefined : project.config.runner,
      }
      project.config.runner = RUNNER_PATH
      const configs = new Set([project.config, vitest.config]) as unknown as Set<{ onStackTrace?: FrameFilter }>
      for (const config of configs) config.onStackTrace = withoutHeapmarkFrames(config.onStackTrace)
      if (usesNodeHeapProf([...(project.config.execArgv ?? []), ...process.execArgv, process.env.NODE_OPTIONS ?? ''])) {
        vitest.logger.warn(
          "heapmark: --heap-prof is on. V8 has one sampling heap profiler per process and Node's --heap-prof uses it, so heapmark leaves it alone: " +
            'peaks and totals are measured, allocation sites are not, and limitLeaks cannot run.',
        )
      }
      if (resolved.livePeak) smallYoungGeneration(project)
      project.provide('heapmark', settings)
      const marker = process.env[RUN_MARKER_ENV]
      if (marker) writeFileSync(marker, 'vitest\n')
    },
  }
}
