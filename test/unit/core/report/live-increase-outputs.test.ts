/**
 * Issue 17's last outputs: `heapmark compare --measure live`, the Markdown summary's increases
 * following `increaseMeasure`, and the --fail-on-increase verdict in JUnit properties.
 */
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import { compareReports } from '../../../../src/core/report/compare.js'
import { renderMarkdownReport } from '../../../../src/core/report/markdown.js'
import { testProperties } from '../../../../src/core/report/test-properties.js'
import type { IncreaseResult, TestMemoryResult } from '../../../../src/core/report/model.js'
import { makeTestResult } from '../../../helpers/records.js'

const MiB = 1024 * 1024
const META = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384 }
const test = (name: string, overrides: Partial<TestMemoryResult>) => makeTestResult({ id: name, name, ...overrides })
const estimate = (peak: number, live: number) => ({ peakBytes: peak * MiB, livePeakBytes: live * MiB, livePeakKind: 'estimate' as const })
const bound = (peak: number, live: number) => ({ peakBytes: peak * MiB, livePeakBytes: live * MiB, livePeakKind: 'lower-bound' as const })

describe('compareReports with measure "live"', () => {
  const before = buildReport([
    test('precise grew', estimate(2, 8)),
    test('precise same', estimate(2, 4)),
    test('old bound', bound(16, 8)),
    test('new unknown', estimate(2, 1)),
    test('older report', { peakBytes: 3 * MiB }),
    test('gone', bound(5, 3)),
  ], META)
  const after = buildReport([
    test('precise grew', estimate(2, 12)),
    test('precise same', estimate(2, 4.25)),
    test('old bound', estimate(2, 30)),
    test('new unknown', { peakBytes: 2 * MiB, livePeakBytes: 2 * MiB, livePeakKind: 'unknown' }),
    test('older report', estimate(3, 2)),
    test('new', bound(6, 5)),
  ], META)
  const comparison = compareReports(before, after, { percent: 10 }, 'live')

  it('compares precise live peaks only, with the used peaks left aside', () => {
    expect(comparison.measure).toBe('live')
    expect(comparison.changed.map((row) => [row.name, row.before, row.after, row.change, row.grew])).toEqual([
      ['precise grew', 8 * MiB, 12 * MiB, 4 * MiB, true],
      ['precise same', 4 * MiB, 4.25 * MiB, 0.25 * MiB, false],
    ])
    expect(comparison.grewCount).toBe(1)
  })

  it('lists a lower bound, an unknown figure and a report without live peaks as not judged, with each side\'s kind, never as growth', () => {
    expect(comparison.notJudged.map((row) => [row.name, row.beforeKind, row.afterKind, row.notJudged, row.change, row.grew])).toEqual([
      ['old bound', 'lower-bound', 'estimate', 'live-not-precise', undefined, false],
      ['new unknown', 'estimate', 'unknown', 'live-not-precise', undefined, false],
      ['older report', 'missing', 'estimate', 'live-not-precise', undefined, false],
    ])
    // "old bound" grew from ≥ 8 to 30 MiB: past any threshold, yet a bound is no baseline.
    expect(comparison.notJudged.find((row) => row.name === 'older report')).toMatchObject({ before: undefined, after: 2 * MiB })
  })

  it('gives added and removed tests their live figure and its kind', () => {
    expect(comparison.added).toEqual([{ name: 'new', before: undefined, after: 5 * MiB, beforeKind: undefined, afterKind: 'lower-bound', change: undefined, allowedBytes: undefined, grew: false }])
    expect(comparison.removed.map((row) => [row.name, row.before, row.beforeKind])).toEqual([['gone', 3 * MiB, 'lower-bound']])
  })
})

describe('compareReports with measure "used" (the default)', () => {
  it('does not compare a used peak measured with precise mode\'s small young generation with one measured without', () => {
    const before = buildReport([test('mixed', bound(16, 8)), test('both default', bound(16, 8)), test('both precise', estimate(2, 8))], META)
    const after = buildReport([test('mixed', estimate(2, 8)), test('both default', bound(20, 8)), test('both precise', estimate(5, 8))], META)
    const comparison = compareReports(before, after, { percent: 10 })
    expect(comparison.measure).toBe('used')
    expect(comparison.changed.map((row) => [row.name, row.change, row.grew])).toEqual([['both default', 4 * MiB, true], ['both precise', 3 * MiB, true]])
    expect(comparison.notJudged).toEqual([{ name: 'mixed', before: 16 * MiB, after: 2 * MiB, change: undefined, allowedBytes: undefined, grew: false, notJudged: 'young-generation-changed' }])
    // Used comparisons carry no live kinds.
    expect(comparison.changed[0]).not.toHaveProperty('beforeKind')
  })
})

describe('the Markdown summary\'s increases follow increaseMeasure', () => {
  const liveIncrease: IncreaseResult = { previousPeakBytes: 8 * MiB, previousRecordedAt: '2026-12-06T08:00:00.000Z', allowedBytes: MiB, exceeded: true, measure: 'live' }
  const report = buildReport([
    test('held more', { ...estimate(3, 12), previousPeakBytes: 2 * MiB, previousLivePeakBytes: 8 * MiB, increase: liveIncrease }),
    test('fell back', { ...bound(16, 9), previousPeakBytes: 2 * MiB, previousLivePeakBytes: 8 * MiB, increase: { ...liveIncrease, exceeded: false, notJudged: 'live-not-precise' } }),
    test('no live history', { ...estimate(3, 3), previousPeakBytes: 2 * MiB }),
  ], META)

  it('live: precise live peaks against the last precise ones; bounds counted in a note, not compared', () => {
    const markdown = renderMarkdownReport(report, { mostAllocations: 0, increaseMeasure: 'live' })
    expect(markdown).toContain('#### Biggest live peak increases since the last passing run\n\n| Test | Before | Now | Change |\n|---|--:|--:|--:|\n| held more | 8.0 MiB | 12.0 MiB | +4.0 MiB ❌ |\n')
    expect(markdown).not.toMatch(/\| fell back \| 8\.0 MiB/)
    expect(markdown).toContain('_1 test with history not compared: its live peak in this run is only a bound (≥ or ?), and only precise live peaks are compared (see docs/measuring.md)._')
  })

  it('used (the default): used peaks, as before; a test judged across young generations is left out with a note', () => {
    const used = buildReport([
      test('grew', { peakBytes: 6 * MiB, previousPeakBytes: 2 * MiB }),
      test('mixed', { ...bound(16, 8), previousPeakBytes: 2 * MiB, increase: { previousPeakBytes: 2 * MiB, previousRecordedAt: 'x', allowedBytes: MiB, exceeded: false, notJudged: 'young-generation-changed' } }),
    ], META)
    const markdown = renderMarkdownReport(used, { mostAllocations: 0 })
    expect(markdown).toContain('#### Biggest increases since the last passing run\n\n| Test | Before | Now | Change |\n|---|--:|--:|--:|\n| grew | 2.0 MiB | 6.0 MiB | +4.0 MiB |\n')
    expect(markdown).not.toMatch(/\| mixed \| 2\.0 MiB/)
    expect(markdown).toContain('_1 test with history not compared: its last passing peak was measured with livePeak on and this one without, or the reverse (different young generations)._')
  })
})

describe('JUnit properties carry the increase verdict like the limit\'s', () => {
  const increase: IncreaseResult = { previousPeakBytes: 8 * MiB, previousRecordedAt: 'x', allowedBytes: MiB, exceeded: true, measure: 'live' }
  const values = (result: TestMemoryResult) => Object.fromEntries(testProperties(result).map(({ name, value }) => [name, value]))

  it('the verdict in words, its code, the measure and the bytes compared', () => {
    expect(values(test('grew', { ...estimate(3, 12), increase }))).toMatchObject({
      'heapmark.increase': '+4.0 MiB since the last passing run (8.0 MiB): EXCEEDED the allowed +1.0 MiB',
      'heapmark.increaseVerdict': 'exceeded',
      'heapmark.increaseMeasure': 'live',
      'heapmark.increasePreviousBytes': String(8 * MiB),
      'heapmark.increaseAllowedBytes': String(MiB),
    })
    const ok = values(test('ok', { peakBytes: 8.5 * MiB, increase: { ...increase, exceeded: false, measure: undefined } }))
    expect(ok).toMatchObject({ 'heapmark.increaseVerdict': 'ok', 'heapmark.increaseMeasure': 'used', 'heapmark.increase': '+512.0 KiB since the last passing run (8.0 MiB): ok, +1.0 MiB allowed' })
    expect(ok).not.toHaveProperty('heapmark.increaseNotJudged')
  })

  it('a test not judged says why, in words and as a code', () => {
    const properties = values(test('fell back', { ...bound(16, 9), increase: { ...increase, exceeded: false, notJudged: 'live-not-precise' } }))
    expect(properties).toMatchObject({ 'heapmark.increaseVerdict': 'not-judged', 'heapmark.increaseNotJudged': 'live-not-precise', 'heapmark.increaseMeasure': 'live' })
    expect(properties['heapmark.increase']).toMatch(/^not judged \(its live peak is only a bound in this run/)
  })

  it('no increase properties without a verdict; limits name their measure and a default limit not judged', () => {
    expect(Object.keys(values(test('plain', {}))).filter((name) => name.startsWith('heapmark.increase'))).toEqual([])
    const limited = values(test('limited', { ...bound(16, 9), limit: { kind: 'memory', spec: '4 MB', bytes: 4 * MiB, currentThreadOnly: false, measure: 'live', exceeded: true } }))
    expect(limited).toMatchObject({ 'heapmark.limit': '4 MB (exceeded)', 'heapmark.limitMeasure': 'live' })
    const shared = values(test('shared', { limit: { kind: 'memory', spec: '4 MB', bytes: 4 * MiB, currentThreadOnly: false, exceeded: false, origin: 'default', notJudged: 'concurrent' } }))
    expect(shared).toMatchObject({ 'heapmark.limit': '4 MB (not judged)', 'heapmark.limitMeasure': 'used', 'heapmark.limitNotJudged': 'concurrent' })
  })
})
