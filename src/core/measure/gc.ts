import v8 from 'node:v8'
import vm from 'node:vm'

export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' }) => void

let cached: GcFunction | undefined

/**
 * A working `gc()` in any pool without command-line flags: `--expose-gc` in a worker's execArgv
 * stops Vitest's thread pools from starting, but setting the flag at runtime and reading `gc`
 * from a fresh context works everywhere (Jest's leak detector does the same). The function keeps
 * working once the flag is reset.
 */
export function getGc(): GcFunction {
  if (cached) return cached
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') {
    cached = existing as GcFunction
  } else {
    v8.setFlagsFromString('--expose-gc')
    cached = vm.runInNewContext('gc') as GcFunction
    // Back as it was, as Jest's leak detector does: contexts created later (vm pools, jsdom) must
    // not find a `gc` of heapmark's making, and V8 rejects a code cache made under other flags
    // than the worker that reads it starts with (core/load/cached-bundle.ts).
    v8.setFlagsFromString('--no-expose-gc')
  }
  return cached
}
