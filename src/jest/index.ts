/**
 * heapmark for Jest. In jest.config: `testEnvironment: 'heapmark/jest/environment'` (or
 * 'heapmark/jest/jsdom') and `reporters: ['default', 'heapmark/jest/reporter']`; for an
 * environment of your own, `module.exports = withHeapmark(YourEnvironment)` in its module.
 */
export { withHeapmark, type JestEnvironmentClass } from './with-heapmark.js'
export { default as HeapmarkJestReporter } from './reporter.js'
export { limitMemory, type LimitMemoryOptions } from '../core/assertions/limits.js'
export { limitLeaks, type LimitLeaksOptions, type LeakStack } from '../core/assertions/leaks.js'
export type { HeapmarkOptions } from '../core/config/options.js'
