import { buildReport } from '../../src/core/report/build.js'
import type { MemoryReport, TestMemoryResult, WorkerIncident } from '../../src/core/report/model.js'
import { renderFlamegraph } from '../../src/reporters/flamegraph.js'
import { renderTimeline } from '../../src/reporters/timeline.js'
import { makeCapture, sampleTree } from './captures.js'
import { makeSite, makeTestResult } from './records.js'

/**
 * Sample pages for the page-script tests (test/unit/reporters/client/*) and for comparing the
 * pages' look in Chromium: the flamegraph of captures.ts's sample tree, and the timeline of a run
 * whose worker 101 ran two files (one test kept 3 MiB, one 12 MiB) and whose worker 202 died.
 */

const MiB = 1024 * 1024
const meta = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.20.2', samplingInterval: 32768, createdAt: '2026-01-02T03:04:05.000Z' }

export function sampleFlamegraphPage(): string {
  return renderFlamegraph(makeCapture(sampleTree()))
}

export function sampleTimelineReport(): MemoryReport {
  const fill = makeSite(2 * MiB, [{ functionName: 'fill', file: 'src/fill.ts', line: 4 }, { functionName: 'runTest', file: 'node_modules/@vitest/runner/dist/index.js', line: 9, kind: 'dependency' }])
  const cache = makeSite(9 * MiB, [{ functionName: 'remember', file: 'src/cache.ts', line: 12 }, { functionName: 'load', file: 'src/cache.ts', line: 30 }, { functionName: 'a', file: 'src/x.ts', line: 1 }, { functionName: 'b', file: 'src/x.ts', line: 2 }, { functionName: 'c', file: 'src/x.ts', line: 3 }, { functionName: 'runTest', file: 'node_modules/@vitest/runner/dist/index.js', line: 9, kind: 'dependency' }])
  const tests: TestMemoryResult[] = [
    makeTestResult({ id: 'one', name: 'a.test.ts > one', file: 'a.test.ts', sites: [fill] }),
    makeTestResult({ id: 'two', name: 'a.test.ts > two', file: 'a.test.ts', retained: { bytes: 3 * MiB, exact: true }, sites: [fill, makeSite(MiB)] }),
    makeTestResult({ id: 'three', name: 'a.test.ts > three', file: 'a.test.ts', state: 'failed', sites: [fill] }),
    makeTestResult({ id: 'c1', name: 'c.test.ts > caches', file: 'c.test.ts', retained: { bytes: 12 * MiB, exact: false }, sites: [cache, fill] }),
    makeTestResult({ id: 'c2', name: 'c.test.ts > small', file: 'c.test.ts', sampled: false, sites: [] }),
    makeTestResult({ id: 'b1', name: 'b.test.ts > b1', file: 'b.test.ts', sampled: false, sites: [] }),
  ]
  const incident: WorkerIncident = {
    worker: '202', kind: 'died', heapLimitBytes: 64 * MiB,
    runningTest: { name: 'b.test.ts > boom', file: 'b.test.ts', liveBytesAtStart: 40 * MiB },
    maxLive: { bytes: 40 * MiB, beforeTest: 'b.test.ts > boom' }, resultsLost: 1,
    tests: [
      { name: 'b.test.ts > b1', file: 'b.test.ts', peakBytes: 5 * MiB, retainedBytes: 20 * MiB },
      { name: 'b.test.ts > b2', file: 'b.test.ts', peakBytes: 6 * MiB },
      { name: 'b.test.ts > boom', file: 'b.test.ts' },
    ],
  }
  return buildReport(tests, meta, [{
    worker: '101',
    points: [
      { file: 'a.test.ts', bytes: 10 * MiB, exact: true },
      { test: 'a.test.ts > one', file: 'a.test.ts', bytes: 11 * MiB, exact: false },
      { test: 'a.test.ts > two', file: 'a.test.ts', bytes: 13 * MiB, exact: true },
      { test: 'a.test.ts > three', file: 'a.test.ts', bytes: 13.5 * MiB, exact: false },
      { file: 'c.test.ts', bytes: 13 * MiB, exact: true },
      { test: 'c.test.ts > caches', file: 'c.test.ts', bytes: 25 * MiB, exact: true },
      { test: 'c.test.ts > small', file: 'c.test.ts', bytes: 25.5 * MiB, exact: false },
    ],
  }], [incident])
}

export function sampleTimelinePage(): string {
  return renderTimeline(sampleTimelineReport(), 'out/report.json')
}
