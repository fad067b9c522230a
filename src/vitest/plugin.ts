import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vitest/config'
import type { TestProject, Vitest } from 'vitest/node'
import { resolveOptions, type HeapmarkOptions } from '../core/options.js'
import { HeapmarkReporter, REPORTER_MARK } from './reporter.js'
import type { ProvidedSettings } from './meta.js'
import { RUN_MARKER_ENV } from '../core/run-marker.js'
import { prepareCaptureDir } from '../core/capture/writer.js'

const RUNNER_PATH = fileURLToPath(new URL('./runner.js', import.meta.url))


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
      const settings: ProvidedSettings = { ...resolved, rootDir: project.config.root, vitestVersion: vitest.version, userRunner: project.config.runner === RUNNER_PATH ? undefined : project.config.runner }
      project.config.runner = RUNNER_PATH
      project.provide('heapmark', settings)
      const reporters = vitest.config.reporters as unknown[]
      if (!reporters.some((r) => (r as Record<symbol, unknown> | null)?.[REPORTER_MARK])) reporters.push(new HeapmarkReporter(resolved))
      const marker = process.env[RUN_MARKER_ENV]
      if (marker) writeFileSync(marker, 'vitest\n')
    },
  }
}
