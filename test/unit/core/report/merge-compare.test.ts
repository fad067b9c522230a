import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import { compareReports } from '../../../../src/core/report/compare.js'
import { renderMarkdownReport } from '../../../../src/core/report/markdown.js'
import { mergeReports } from '../../../../src/core/report/merge.js'
import type { MemoryReport, WorkerIncident } from '../../../../src/core/report/model.js'
import { makeSite, makeTestResult } from '../../../helpers/records.js'

/** The report functions `heapmark merge`, `heapmark compare` and the CI summary use, on made-up reports. */

const MiB = 1024 * 1024
const meta = (runner = 'vitest', version = '4.1.12') => ({ heapmarkVersion: '0.1.0', runner: { name: runner, version }, node: 'v20.20.2', samplingInterval: 16384, createdAt: '2026-12-06T08:00:00.000Z' })
const peaks = (report: MemoryReport) => report.tests.map((test) => [test.name, test.peakBytes])

describe('mergeReports', () => {
  it('joins shards: every test once, largest peak first, totals recomputed, timelines and incidents kept', () => {
    const incident: WorkerIncident = { worker: '9', kind: 'near-heap-limit', heapLimitBytes: 64 * MiB, maxLive: { bytes: 60 * MiB, beforeTest: 'b > y' }, resultsLost: 0, tests: [] }
    const shard1 = buildReport([makeTestResult({ id: 'a', name: 'a > x', peakBytes: 5 * MiB, totalBytes: 10 })], meta(), [{ worker: '1', points: [{ file: 'a', bytes: MiB, exact: true }] }])
    const shard2 = buildReport(
      [makeTestResult({ id: 'b', name: 'b > y', peakBytes: 9 * MiB, totalBytes: 20, limit: { kind: 'memory', spec: '8 MB', bytes: 8 * MiB, currentThreadOnly: false, exceeded: true } })],
      meta(), [], [incident],
    )
    const merged = mergeReports([shard1, shard2])
    expect(peaks(merged)).toEqual([['b > y', 9 * MiB], ['a > x', 5 * MiB]])
    expect(merged.totals).toMatchObject({ tests: 2, peakBytes: 9 * MiB, totalBytes: 30, limitFailures: 1 })
    expect(merged.runner).toEqual({ name: 'vitest', version: '4.1.12' })
    expect(merged.workers.map((worker) => worker.worker)).toEqual(['1'])
    expect(merged.incidents).toEqual([incident])
  })

  it('keeps the last occurrence of a test seen twice by the same runner, and both runners\' tests of one id', () => {
    const first = buildReport([makeTestResult({ id: 't', name: 'same', peakBytes: MiB })], meta())
    const rerun = buildReport([makeTestResult({ id: 't', name: 'same', peakBytes: 2 * MiB })], meta())
    const jest = buildReport([makeTestResult({ id: 't', name: 'same', peakBytes: 3 * MiB })], meta('jest', '30.5.2'))
    const merged = mergeReports([first, rerun, jest])
    expect(peaks(merged)).toEqual([['same', 3 * MiB], ['same', 2 * MiB]])
    expect(merged.runner).toEqual({ name: 'vitest+jest', version: 'vitest@4.1.12, jest@30.5.2' })
  })
})

describe('compareReports', () => {
  const before = buildReport([
    makeTestResult({ id: '1', name: 'grew', peakBytes: 100 * MiB }),
    makeTestResult({ id: '2', name: 'grew a little', peakBytes: 100 * MiB }),
    makeTestResult({ id: '3', name: 'shrank', peakBytes: 50 * MiB }),
    makeTestResult({ id: '4', name: 'removed', peakBytes: 7 * MiB }),
  ], meta())
  const after = buildReport([
    makeTestResult({ id: '1', name: 'grew', peakBytes: 130 * MiB }),
    makeTestResult({ id: '2', name: 'grew a little', peakBytes: 105 * MiB }),
    makeTestResult({ id: '3', name: 'shrank', peakBytes: 40 * MiB }),
    makeTestResult({ id: '5', name: 'added small', peakBytes: MiB }),
    makeTestResult({ id: '6', name: 'added big', peakBytes: 20 * MiB }),
  ], meta())

  it('matches tests by name and flags growth past the tolerance, largest change first', () => {
    const comparison = compareReports(before, after, { percent: 10 })
    expect(comparison.changed.map((row) => [row.name, row.change, row.allowedBytes, row.grew])).toEqual([
      ['grew', 30 * MiB, 10 * MiB, true],
      ['grew a little', 5 * MiB, 10 * MiB, false],
      ['shrank', -10 * MiB, 5 * MiB, false],
    ])
    expect(comparison.grewCount).toBe(1)
    expect(comparison.added.map((row) => [row.name, row.after])).toEqual([['added big', 20 * MiB], ['added small', MiB]])
    expect(comparison.removed).toEqual([{ name: 'removed', before: 7 * MiB, after: undefined, change: undefined, allowedBytes: undefined, grew: false }])
  })

  it('uses the same allowance as --fail-on-increase: a size tolerance, and the 1 MiB floor', () => {
    expect(compareReports(before, after, { bytes: 4 * MiB }).changed.filter((row) => row.grew).map((row) => row.name)).toEqual(['grew', 'grew a little'])
    const tiny = compareReports(buildReport([makeTestResult({ id: 'x', name: 'x', peakBytes: MiB })], meta()), buildReport([makeTestResult({ id: 'x', name: 'x', peakBytes: 1.9 * MiB })], meta()), { percent: 1 })
    expect(tiny.changed[0]).toMatchObject({ allowedBytes: MiB, grew: false })
  })
})

describe('renderMarkdownReport', () => {
  it('writes totals, the top tests, the tests over their limit and the biggest increases as tables', () => {
    const report = buildReport([
      makeTestResult({ id: '1', name: 'api > big | piped', peakBytes: 30 * MiB, totalBytes: 60 * MiB, sites: [makeSite(20 * MiB, [{ functionName: 'load', file: 'src/api.ts', line: 4 }])],
        limit: { kind: 'memory', spec: '24 MB', bytes: 24 * MiB, currentThreadOnly: false, exceeded: true } }),
      makeTestResult({ id: '2', name: 'api > grew', peakBytes: 12 * MiB, totalBytes: 20 * MiB, sites: [], previousPeakBytes: 8 * MiB,
        increase: { previousPeakBytes: 8 * MiB, previousRecordedAt: 't', allowedBytes: MiB, exceeded: true } }),
      makeTestResult({ id: '3', name: 'api > steady', peakBytes: 2 * MiB, totalBytes: 3 * MiB, sites: [], previousPeakBytes: 3 * MiB }),
    ], meta())
    expect(renderMarkdownReport(report, { mostAllocations: 2 })).toBe([
      '### heapmark memory report',
      '',
      '3 tests measured · largest peak **30.0 MiB** · 83.0 MiB allocated in total · **1 test over its memory limit** · **1 test grew past --fail-on-increase**',
      '',
      '| Test | Peak | Allocated | Biggest allocating function |',
      '|---|--:|--:|---|',
      '| api > big \\| piped | 30.0 MiB | 60.0 MiB | load (src/api.ts:4) |',
      '| api > grew | 12.0 MiB | 20.0 MiB |  |',
      '',
      '#### Over their memory limit',
      '',
      '| Test | Limit | Peak |',
      '|---|--:|--:|',
      '| api > big \\| piped | 24 MB | 30.0 MiB |',
      '',
      '#### Biggest increases since the last passing run',
      '',
      '| Test | Before | Now | Change |',
      '|---|--:|--:|--:|',
      '| api > grew | 8.0 MiB | 12.0 MiB | +4.0 MiB ❌ |',
      '',
    ].join('\n'))
  })

  it('is one line of totals for an empty run', () => {
    expect(renderMarkdownReport(buildReport([], meta()), { mostAllocations: 10 })).toBe('### heapmark memory report\n\n0 tests measured · largest peak **0 B** · 0 B allocated in total\n')
  })
})
