/** heapmark for Vitest: `plugins: [heapmark()]` in vitest.config. */
export { heapmark } from './plugin.js'
export { HeapmarkReporter } from './reporter.js'
export { limitMemory, type LimitMemoryOptions } from '../core/assertions/limits.js'
export { limitLeaks, type LimitLeaksOptions, type LeakStack } from '../core/assertions/leaks.js'
export type { HeapmarkOptions } from '../core/config/options.js'
export type { ProvidedSettings } from './meta.js'
