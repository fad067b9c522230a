import v8 from 'node:v8'
import vm from 'node:vm'
import { HeapmarkError } from '../../errors.js'

export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' }) => void

let cached: GcFunction | undefined

/**
 * How often to try for `gc` before giving up. V8's flags belong to the process, so in a thread
 * pool another worker thread can reset `--expose-gc` between this thread setting it and creating
 * its context (4 to 13 in 120 worker threads started four at a time did, before the retry). Each thread
 * resets the flag only while it is getting its own `gc`, so a few attempts always get through;
 * the bound only keeps a broken runtime from looping for ever.
 */
const ATTEMPTS = 100

/**
 * A working `gc()` in any pool without command-line flags: `--expose-gc` in a worker's execArgv
 * stops Vitest's thread pools from starting, but setting the flag at runtime and reading `gc`
 * from a fresh context works everywhere (Jest's leak detector does the same). The function keeps
 * working once the flag is reset.
 */
export function getGc(): GcFunction {
  if (cached) return cached
  const existing = (globalThis as { gc?: unknown }).gc
  cached = typeof existing === 'function' ? (existing as GcFunction) : exposeGc()
  return cached
}

function exposeGc(): GcFunction {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    v8.setFlagsFromString('--expose-gc')
    const gc: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined")
    // Back as it was, as Jest's leak detector does: contexts created later (vm pools, jsdom) must
    // not find a `gc` of heapmark's making, and V8 rejects a code cache made under other flags
    // than the worker that reads it starts with (core/load/cached-bundle.ts).
    v8.setFlagsFromString('--no-expose-gc')
    if (typeof gc === 'function') return gc as GcFunction
  }
  throw new HeapmarkError('HEAPMARK_INTERNAL', `heapmark could not get V8's gc() in ${ATTEMPTS} attempts: another thread kept resetting --expose-gc`)
}
