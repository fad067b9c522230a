// Counts the worker's GCs for bench/live-peak.mjs: one GCProfiler per worker (synchronous, unlike a
// PerformanceObserver, whose entries can arrive after the file's last hook). After each file the
// worker's running totals are appended; the bench keeps each worker's last line.
import { appendFileSync } from 'node:fs'
import v8 from 'node:v8'
import { threadId } from 'node:worker_threads'
import { afterAll } from 'vitest'

const key = Symbol.for('bench.gcCounts')
const global = globalThis as unknown as Record<symbol, { major: number; minor: number; profiler: v8.GCProfiler } | undefined>
const counts = (global[key] ??= { major: 0, minor: 0, profiler: new v8.GCProfiler() })
counts.profiler.start()

afterAll(() => {
  for (const gc of counts.profiler.stop()?.statistics ?? []) {
    if (gc.gcType === 'MarkSweepCompact') counts.major++
    else if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') counts.minor++
  }
  const dir = process.env.BENCH_GC_DIR
  if (dir) appendFileSync(`${dir}/counts.txt`, `${process.pid}/${threadId} ${counts.major} ${counts.minor}\n`)
})
