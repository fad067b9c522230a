import { writeFileSync } from 'node:fs'
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
import { addBrowserCommands, allowPackageFiles, isBrowserProject, setUpBrowserProject } from './browser-project.js'

const RUNNER_PATH = fileURLToPath(new URL('./runner.js', import.meta.url))
/** heapmark's own install (dist/ and the src/ its source maps point at). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

type FrameFilter = (error: unknown, frame: { file: string }) => boolean | void

/** Keeps heapmark's runner out of failure stacks, as Vitest keeps its own runner out. */
function withoutHeapmarkFrames(previous: FrameFilter | undefined): FrameFilter {
  return (error, frame) => !frame.file.startsWith(PACKAGE_ROOT) && (previous ? previous(error, frame) !== false : true)
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
    // Vitest has read browser-mode commands by the time configureVitest runs: register ours here.
    config(config) {
      if (resolveOptions(options, process.env).enabled) addBrowserCommands(config as Parameters<typeof addBrowserCommands>[0])
    },
    // Browser mode serves heapmark's page code through Vite: allow its files when heapmark is
    // installed outside the project's workspace root (a linked or copied package).
    configResolved(config) {
      if (resolveOptions(options, process.env).enabled) allowPackageFiles(config, PACKAGE_ROOT)
    },
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
      // Browser mode ignores test.runner: its projects are measured in the page by a setup file.
      if (isBrowserProject(project)) setUpBrowserProject(project, vitest)
      else project.config.runner = RUNNER_PATH
      const configs = new Set([project.config, vitest.config]) as unknown as Set<{ onStackTrace?: FrameFilter }>
      for (const config of configs) config.onStackTrace = withoutHeapmarkFrames(config.onStackTrace)
      if (usesNodeHeapProf([...(project.config.execArgv ?? []), ...process.execArgv, process.env.NODE_OPTIONS ?? ''])) {
        vitest.logger.warn(
          "heapmark: --heap-prof is on. V8 has one sampling heap profiler per process and Node's --heap-prof uses it, so heapmark leaves it alone: " +
            'peaks and totals are measured, allocation sites are not, and limitLeaks cannot run.',
        )
      }
      project.provide('heapmark', settings)
      const marker = process.env[RUN_MARKER_ENV]
      if (marker) writeFileSync(marker, 'vitest\n')
    },
  }
}
