/** heapmark's runner-agnostic public API. Runner adapters live behind subpaths (heapmark/vitest). */
export { limitMemory, type LimitMemoryOptions } from './core/assertions/limits.js'
export { limitLeaks, type LimitLeaksOptions, type LeakStack } from './core/assertions/leaks.js'
export { parseSize, formatSize } from './core/config/size.js'
export { HeapmarkError, MemoryLimitError, LeakLimitError, isHeapmarkError, type HeapmarkErrorCode } from './errors.js'
export type { HeapmarkOptions, ResolvedHeapmarkOptions } from './core/config/options.js'
export type * from './core/report/model.js'
export { REPORT_VERSION, HISTOGRAM_BOUNDS } from './core/report/model.js'
