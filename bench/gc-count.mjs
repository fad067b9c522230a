// Preloaded into every Node process of a bench run (NODE_OPTIONS=--import=<this file>, set by
// lib.mjs's gcCounting()): counts this process's garbage collections by kind with a
// PerformanceObserver and keeps the counts in BENCH_GC_DIR/<pid>.json, rewritten now and then and
// after every batch of GC entries (a worker that is killed keeps its counts). Both variants of a bench load it, so its
// own small cost cancels out. Worker threads do not load NODE_OPTIONS' --import: the counts cover
// the main thread of each process (Vitest's default forks pool, Jest in band, node:test's processes).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PerformanceObserver, constants } from 'node:perf_hooks'

const dir = process.env.BENCH_GC_DIR
if (dir) {
  const counts = { markCompacts: 0, scavenges: 0 }
  const file = join(dir, `${process.pid}.json`)
  const save = () => {
    try {
      writeFileSync(file, JSON.stringify(counts))
    } catch {
      // The run's folder is gone (the bench moved on): nothing to keep.
    }
  }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = entry.detail?.kind ?? entry.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.markCompacts++
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.scavenges++
    }
    // Written at every batch: test runners kill short-lived workers (Vitest's forks, Jest's), so
    // neither an exit handler nor a timer is sure to run; a batch is a handful of GCs.
    save()
  }).observe({ entryTypes: ['gc'] })
  setInterval(save, 250).unref()
  process.on('exit', save)
}
