/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: its first use loads perf_hooks (eight
 * internal modules, ~1.5 ms), which a node:test file's process otherwise never loads, and which
 * the near-limit read would otherwise load with the heap all but full.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}
