import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vitest/config'
import type { TestProject, Vitest } from 'vitest/node'
import { resolveOptions, type HeapmarkOptions } from '../core/config/options.js'
import { RUN_MARKER_ENV } from '../core/run/run-marker.js'
import { measureVitestRun } from './run-setup.js'
import { addBrowserCommands, allowPackageFiles } from './browser-project.js'

const GLOBAL_SETUP_PATH = fileURLToPath(new URL('./global-setup.js', import.meta.url))
/** heapmark's own install (dist/ and the src/ its source maps point at). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** What the fallback global setup finds on the root config's heapmark plugin (Vite's plugin `api`). */
export interface HeapmarkPluginApi {
  measureFromGlobalSetup(vitest: Vitest): void
}

/**
 * The Vitest plugin. Measures nothing unless switched on: `enabled: true`, `HEAPMARK=1`, or a run
 * started through `heapmark run -- vitest ...`. Options from the environment win over these.
 *
 * In a config with `test.projects`, every project of the run is measured, whatever its shape.
 * Vitest calls `configureVitest` only for the plugins of a project's own config: inline projects
 * without `extends: true` (in 4.1) and projects in their own config files or folders never carry
 * the root's plugins. So the first heapmark plugin that Vitest does call configures every project
 * of the run; and when none is called, a global setup of the root config (which Vitest runs in the
 * main process before any test) does the same.
 */
export function heapmark(options: HeapmarkOptions = {}): Plugin & { api: HeapmarkPluginApi } {
  // Validate now so a typo in the config fails loudly even while heapmark is off.
  resolveOptions(options, {})
  const enabledOptions = () => {
    const resolved = resolveOptions(options, process.env)
    return resolved.enabled ? resolved : undefined
  }
  return {
    name: 'heapmark',
    api: {
      measureFromGlobalSetup(vitest) {
        const resolved = enabledOptions()
        if (resolved) measureVitestRun(vitest, resolved, 'created')
      },
    },
    config(config) {
      const projects = (config as { test?: { projects?: unknown } }).test?.projects
      if (!enabledOptions()) return undefined
      // Vitest has read browser-mode commands by the time configureVitest runs: register ours here.
      addBrowserCommands(config as Parameters<typeof addBrowserCommands>[0])
      // The plugin is loaded: whatever happens next, `heapmark run` must not say it is missing.
      const marker = process.env[RUN_MARKER_ENV]
      if (marker) writeFileSync(marker, 'vitest\n')
      if (!Array.isArray(projects) || projects.length === 0) return undefined
      return { test: { globalSetup: [GLOBAL_SETUP_PATH] } }
    },
    // Browser mode serves heapmark's page code through Vite: allow its files when heapmark is
    // installed outside the project's workspace root (a linked or copied package).
    configResolved(config) {
      if (enabledOptions()) allowPackageFiles(config, PACKAGE_ROOT)
    },
    configureVitest({ vitest }: { vitest: Vitest; project: TestProject }) {
      const resolved = enabledOptions()
      if (resolved) measureVitestRun(vitest, resolved, 'config')
    },
  }
}
