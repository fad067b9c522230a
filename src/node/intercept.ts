/**
 * How heapmark gets exactly the test body in node:test, whatever way the test file imports it.
 *
 * The public options were measured and fall short (docs/measuring.md, "node:test"):
 * - Global beforeEach/afterEach hooks (from an --import module) bracket more than the body: they
 *   run first, so the file's and describe blocks' beforeEach hooks (and describe-level afterEach)
 *   fall inside the measurement; and the only way to fail a test from afterEach is to throw there,
 *   which makes node:test skip the afterEach hooks that come after ours, the test file's own
 *   cleanup included.
 * - Replacing `test`/`it` on the `node:test` module reaches named imports only: the default export
 *   (`import test from 'node:test'`, `require('node:test')`) is the `test` function itself.
 * - Node 24's `node.test` tracing channel spans the hooks too and cannot fail a test.
 *
 * What works on Node 20, 22 and 24: every node:test test is an AsyncResource of type 'Test', so an
 * async_hooks `init` callback sees each one as it is constructed, before its constructor stores
 * the test function in `this.fn`. An accessor for `fn` on that instance receives the function
 * and hands node:test a wrapper instead. node:test then runs the wrapper exactly where it would
 * have run the body (after beforeEach hooks, before afterEach hooks, inside the test's async
 * scope), and whatever the wrapper throws or rejects with is the test's own failure, shown by every
 * reporter like any other, with all hooks still run.
 *
 * Node internals this relies on (checked in Node 20.20's and 24.21's lib/internal/test_runner/test.js):
 * the resource type 'Test', the class name 'Test' (suites and hooks are subclasses, left alone),
 * the body stored in and read from `fn`, `Function.prototype` as the body of skipped tests and of
 * todo tests without one, and `parent` pointing at the enclosing test or suite. Should a future Node
 * change them, tests simply run unmeasured, and heapmark's reporter says that nothing was measured.
 */
import { createHook } from 'node:async_hooks'

/** node:test's internal test object: opaque to heapmark except for `parent`. */
export type NodeTestObject = object

export type TestBody = (this: unknown, ...args: unknown[]) => unknown

/** Returns what node:test should run instead of `body`. */
export type BodyWrapper = (test: NodeTestObject, body: TestBody) => TestBody

/** Starts handing every test's body to `wrap`, for tests constructed from now on. */
export function interceptTestBodies(wrap: BodyWrapper): void {
  createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type !== 'Test' || (resource as { constructor?: { name?: string } }).constructor?.name !== 'Test') return
      let body: unknown
      Object.defineProperty(resource, 'fn', {
        configurable: true,
        enumerable: true,
        get: () => body,
        set: (fn: unknown) => {
          // Function.prototype is node:test's no-op body: skipped tests, todo tests without a body,
          // and the root test. Nothing of the user's runs there.
          body = typeof fn === 'function' && fn !== Function.prototype ? wrap(resource, fn as TestBody) : fn
        },
      })
    },
  }).enable()
}

/** The test or suite a test was declared in (undefined for a top-level test). */
export function parentOf(test: NodeTestObject): NodeTestObject | undefined {
  const parent = (test as { parent?: unknown }).parent
  return typeof parent === 'object' && parent !== null ? parent : undefined
}
