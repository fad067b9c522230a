import v8 from 'node:v8'
import vm from 'node:vm'

export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' }) => void

let cached: GcFunction | undefined

/**
 * A working `gc()` in any pool without command-line flags: `--expose-gc` in a worker's execArgv
 * stops Vitest's thread pools from starting, but setting the flag at runtime and reading `gc`
 * from a fresh context works everywhere (Jest's leak detector does the same).
 */
export function getGc(): GcFunction {
  if (cached) return cached
  const existing = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') {
    cached = existing as GcFunction
  } else {
    v8.setFlagsFromString('--expose-gc')
    cached = vm.runInNewContext('gc') as GcFunction
  }
  return cached
}
