/**
 * A global setup the root heapmark plugin adds to configs with `test.projects`. Vitest runs the
 * root config's global setups in the main process once the projects are resolved and before any
 * test starts, whichever projects the run selected. When no project carried heapmark's plugin
 * (so Vitest never called its configureVitest), this is where heapmark reaches every project.
 * It may be a second copy of heapmark (Vite loads global setups itself), so it asks the root
 * config's own plugin, through Vite's plugin `api`, to do the work.
 */
import type { TestProject } from 'vitest/node'
import type { HeapmarkPluginApi } from './plugin.js'

export default function setup(project: TestProject): void {
  const plugins = [...(project.vite?.config.plugins ?? []), ...(project.vitest.vite?.config.plugins ?? [])]
  const api = plugins.map((plugin) => (plugin as { api?: Partial<HeapmarkPluginApi> }).api).find((candidate) => typeof candidate?.measureFromGlobalSetup === 'function')
  api?.measureFromGlobalSetup!(project.vitest)
}
