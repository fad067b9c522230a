/** heapmark for Vitest: `plugins: [heapmark()]` in vitest.config. */
export { heapmark } from './plugin.js'
export { HeapmarkReporter } from './reporter.js'
export { limitMemory, type LimitMemoryOptions } from '../core/limits.js'
export { limitLeaks, type LimitLeaksOptions, type LeakStack } from '../core/leaks.js'
export type { HeapmarkOptions } from '../core/options.js'
export type { ProvidedSettings } from './meta.js'
