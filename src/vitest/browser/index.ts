/**
 * heapmark inside a Vitest browser-mode page: what `heapmark` and `heapmark/vitest` resolve to
 * under the `browser` export condition. Only what a test file uses; the plugin runs in Node.
 *
 * The condition can also match where Node runs the tests (Vitest's jsdom and happy-dom
 * environments use Vite's client environment, whose conditions include `browser`; Jest's jsdom
 * environment asks for it too): there Node's wrappers must measure. So each wrapper picks, when the
 * test runs, the page's measuring, Node's, or none (heapmark off).
 */
import { limitLeaks as limitLeaksInNode, type LimitLeaksOptions } from '../../core/assertions/leaks.js'
import { limitMemory as limitMemoryInNode, type LimitMemoryOptions } from '../../core/assertions/limits.js'
import { limitLeaksInPage, limitMemoryInPage } from './limits.js'
import { getBrowserState } from './state.js'

export type { LimitMemoryOptions, LimitLeaksOptions }
export type { LeakStack } from '../../core/assertions/leaks.js'
export { parseSize, formatSize } from '../../core/config/size.js'
export { HeapmarkError, MemoryLimitError, LeakLimitError, isHeapmarkError, type HeapmarkErrorCode } from '../../errors.js'

/** Fails the test when its peak memory reaches `limit`: in a page, its JS heap plus ArrayBuffer backing stores. */
export function limitMemory<Args extends unknown[], Result>(
  limit: string | number,
  fn: (...args: Args) => Result,
  options: LimitMemoryOptions = {},
): (...args: Args) => Result {
  return choose(limitMemoryInPage(limit, fn, options), () => limitMemoryInNode(limit, fn, options), fn)
}

/** Fails the test when it leaves memory behind: in a page, DOM (detached trees, listeners) or JS heap growth. */
export function limitLeaks<Args extends unknown[]>(
  limit: string | number,
  fn: (...args: Args) => unknown,
  options: LimitLeaksOptions = {},
): (...args: Args) => Promise<void> {
  const plain = async function (this: unknown, ...args: Args): Promise<void> {
    await fn.apply(this, args)
  }
  return choose(limitLeaksInPage(limit, fn, options), () => limitLeaksInNode(limit, fn, options), plain)
}

function choose<F extends (...args: never[]) => unknown>(inPage: F, inNode: () => F, plain: (...args: never[]) => unknown): F {
  let node: F | undefined
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    if (getBrowserState().enabled) return inPage.apply(this, args) as ReturnType<F>
    // A real browser page with heapmark off has no `process`; Node's wrappers need it.
    if (typeof process === 'undefined') return plain.apply(this, args) as ReturnType<F>
    node ??= inNode()
    return node.apply(this, args) as ReturnType<F>
  }
  Object.defineProperty(wrapped, 'toString', { value: () => inPage.toString() })
  Object.defineProperty(wrapped, 'length', { value: inPage.length })
  return wrapped as unknown as F
}
