/**
 * heapmark's Vitest test runner (worker side). The plugin installs it as `test.runner`; it extends
 * the user's own runner when they have one. The runner itself (runner-worker.ts) is a CommonJS
 * bundle loaded with a V8 code cache: compiling it afresh cost every worker ~3.5 ms.
 */
import { TestRunner, inject } from 'vitest'
import { fileURLToPath } from 'node:url'
import { codeCacheDir, loadBundle } from '../core/load/cached-bundle.js'
import type { ProvidedSettings } from './meta.js'
import type * as RunnerWorker from './runner-worker.js'

const settings: ProvidedSettings = inject('heapmark')
const BaseRunner: typeof TestRunner = settings?.userRunner
  ? ((await import(settings.userRunner)) as { default: typeof TestRunner }).default
  : TestRunner

const bundle = loadBundle<typeof RunnerWorker>(fileURLToPath(new URL('./runner-worker.cjs', import.meta.url)), {
  cacheDir: codeCacheDir(settings.rootDir),
  // Precise live peaks set a V8 flag in the main process for thread pools (run-setup.ts).
  variant: settings.livePeak ? 'live-peak' : '',
})

export default bundle.exports.createHeapmarkRunner({ BaseRunner, VitestRunner: TestRunner, settings, onFileDone: bundle.saveCodeCache })
