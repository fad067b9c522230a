import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import type { MemoryLimitResult, NotSampledReason, TestMemoryResult } from '../../../../src/core/report/model.js'
import { printablePath } from '../../../../src/core/report/printable-path.js'
import { renderTextReport, type TextReportOptions } from '../../../../src/core/report/render-text.js'
import { makeHistogram, makeSite, makeTestResult } from '../../../helpers/records.js'

const MiB = 1024 * 1024
const META = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384 }
const PLAIN: TextReportOptions = { mostAllocations: 5, stacks: 1, color: false }
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/

function render(tests: TestMemoryResult[], options: Partial<TextReportOptions> = {}): string {
  return renderTextReport(buildReport(tests, META), { ...PLAIN, ...options })
}

/** Test names in the order their blocks appear. */
function blockNames(text: string): string[] {
  return [...text.matchAll(/^Allocation results for (.+?) at the high watermark/gm)].map((match) => match[1]!)
}

/** The lines of the block for one test. */
function blockOf(text: string, name: string): string[] {
  const block = text.split('\n\n').find((part) => part.startsWith(`Allocation results for ${name} `))
  if (!block) throw new Error(`no block for ${name} in:\n${text}`)
  return block.split('\n')
}

const tests = [
  makeTestResult({ id: 'a', name: 'a.test.ts > small', peakBytes: 1 * MiB }),
  makeTestResult({ id: 'b', name: 'b.test.ts > huge', peakBytes: 40 * MiB }),
  makeTestResult({ id: 'c', name: 'c.test.ts > medium', peakBytes: 8 * MiB }),
]

describe('renderTextReport', () => {
  it('says so when nothing was measured', () => {
    expect(render([])).toBe('heapmark: no tests were measured.')
  })

  it('shows the top N tests by peak, largest first', () => {
    const text = render(tests, { mostAllocations: 2 })
    expect(text.split('\n')[0]).toBe('heapmark: memory report (3 tests measured; top 2 by peak)')
    expect(blockNames(text)).toEqual(['b.test.ts > huge', 'c.test.ts > medium'])
  })

  it('shows every test when mostAllocations is 0', () => {
    const text = render(tests, { mostAllocations: 0 })
    expect(text.split('\n')[0]).toBe('heapmark: memory report (3 tests measured; all shown, largest peak first)')
    expect(blockNames(text)).toEqual(['b.test.ts > huge', 'c.test.ts > medium', 'a.test.ts > small'])
  })

  it('prints peak, split, totals and the estimated allocation count', () => {
    const lines = blockOf(render([makeTestResult({
      id: 'x', name: 'x', peakBytes: 48 * MiB, heapPeakBytes: 47 * MiB, externalPeakBytes: MiB, totalBytes: 97 * MiB, allocationCount: 12_400,
    })]), 'x')
    expect(lines).toContain('    Peak memory: 48.0 MiB (heap 47.0 MiB, external 1.0 MiB)')
    expect(lines).toContain('    Total allocated: 97.0 MiB')
    expect(lines).toContain('    Allocations: ~12.4k (estimated from sampling)')
  })

  it('draws a histogram from the first to the last used bucket, folding runs of empty ones', () => {
    const histogram = makeHistogram([[64, 1000, 40_000], [1024, 500, 300_000], [16_777_216, 10, 100 * MiB]])
    const lines = blockOf(render([makeTestResult({ id: 'h', name: 'h', histogram })]), 'h')
    const start = lines.indexOf('    Histogram of allocation sizes:')
    expect(start).toBeGreaterThan(-1)
    expect(lines.slice(start + 1, start + 6)).toEqual([
      // Labels are padded to the widest bucket in range ("≤ 256 KiB"), folded or not.
      `        ≤ 64 B    ${'▇'.repeat(30)} 1.0k (39.1 KiB)`,
      '        ≤ 256 B   0',
      `        ≤ 1 KiB   ${'▇'.repeat(15)} 500 (293.0 KiB)`,
      '        ⋮         none from 1 KiB to 4 MiB',
      '        ≤ 16 MiB  ▇ 10 (100.0 MiB)',
    ])
    expect(lines[start + 6]).toBe('    Biggest allocating functions:')
  })

  it('omits the histogram when no allocation was sampled', () => {
    const text = render([makeTestResult({ id: 'e', name: 'e', histogram: [] })])
    expect(text).not.toContain('Histogram')
  })

  it('lists up to five sites with as many frames as asked for', () => {
    const frames = [
      { functionName: 'buildTable', file: 'src/table.ts', line: 12 },
      { functionName: 'parse', file: 'src/parse.ts', line: 30 },
      { functionName: 'main', file: 'src/main.ts', line: 3 },
    ]
    const sites = Array.from({ length: 7 }, (_, index) => makeSite((7 - index) * MiB, frames))
    const test = makeTestResult({ id: 's', name: 's', sites })

    const one = blockOf(render([test], { stacks: 1 }), 's')
    expect(one.filter((line) => line.startsWith('        - '))).toHaveLength(5)
    expect(one).toContain('        - buildTable at src/table.ts:12 -> 7.0 MiB')
    expect(one.some((line) => line.includes('called from'))).toBe(false)

    const two = blockOf(render([test], { stacks: 2 }), 's')
    const first = two.indexOf('        - buildTable at src/table.ts:12 -> 7.0 MiB')
    expect(two.slice(first + 1, first + 3)).toEqual([
      '            called from parse at src/parse.ts:30',
      '        - buildTable at src/table.ts:12 -> 6.0 MiB',
    ])
    expect(two.filter((line) => line.includes('called from'))).toHaveLength(5)

    const all = blockOf(render([test], { stacks: 10 }), 's') // more than there are frames
    expect(all.filter((line) => line.includes('called from main at src/main.ts:3'))).toHaveLength(5)
  })

  it('says when no allocating function was sampled', () => {
    expect(blockOf(render([makeTestResult({ id: 'n', name: 'n', sites: [] })]), 'n')).toContain('    Biggest allocating functions: none sampled')
  })

  it('prints the limit verdict', () => {
    const ok = makeTestResult({ id: 'ok', name: 'ok', peakBytes: 48 * MiB, limit: { kind: 'memory', spec: '64 MB', bytes: 64 * MiB, currentThreadOnly: false, exceeded: false } })
    const over = makeTestResult({ id: 'over', name: 'over', peakBytes: 30 * MiB, limit: { kind: 'memory', spec: '24 MB', bytes: 24 * MiB, currentThreadOnly: false, exceeded: true } })
    const text = render([ok, over])
    expect(blockOf(text, 'ok')).toContain('    Memory limit: 64 MB (64.0 MiB): ok, peak is 75% of it')
    expect(blockOf(text, 'over')).toContain('    Memory limit: 24 MB (24.0 MiB): EXCEEDED by 6.0 MiB (peak is 125% of it)')
    expect(blockOf(render([makeTestResult({ id: 'n', name: 'n' })]), 'n').some((line) => line.includes('Memory limit'))).toBe(false)
  })

  it('always includes tests over their limit, even outside the top N', () => {
    const over = makeTestResult({ id: 'o', name: 'o.test.ts > over', peakBytes: 2 * MiB, limit: { kind: 'memory', spec: '1 MB', bytes: MiB, currentThreadOnly: false, exceeded: true } })
    const text = render([...tests, over], { mostAllocations: 1 })
    expect(text.split('\n')[0]).toBe('heapmark: memory report (4 tests measured; top 1 by peak, plus 1 that failed a memory check)')
    expect(blockNames(text)).toEqual(['b.test.ts > huge', 'o.test.ts > over'])
    expect(text).toContain('Allocation results for o.test.ts > over at the high watermark (over its memory limit; outside the top 1)')
  })

  it('labels tests that shared the isolate with others', () => {
    const text = render([
      makeTestResult({ id: 's1', name: 's1', shared: { overlapping: 2 } }),
      makeTestResult({ id: 's2', name: 's2', shared: { overlapping: 1 } }),
      makeTestResult({ id: 'alone', name: 'alone' }),
    ])
    expect(blockOf(text, 's1')[1]).toBe('    (shared: ran concurrently with 2 other tests; numbers include theirs)')
    expect(blockOf(text, 's2')[1]).toBe('    (shared: ran concurrently with 1 other test; numbers include theirs)')
    expect(blockOf(text, 'alone').some((line) => line.includes('shared'))).toBe(false)
  })

  it('closes with the run totals', () => {
    const lines = render(tests, { mostAllocations: 1 }).split('\n')
    expect(lines.at(-1)).toBe('heapmark totals: 3 tests measured, largest peak 40.0 MiB, 98.0 MiB allocated in total')
    const failing = makeTestResult({ id: 'f', peakBytes: 2, limit: { kind: 'memory', spec: '1 B', bytes: 1, currentThreadOnly: false, exceeded: true } })
    expect(render([failing]).split('\n').at(-1)).toMatch(/, 1 test over its memory limit$/)
  })

  it('formats large counts compactly', () => {
    expect(render([makeTestResult({ id: 'm', name: 'm', allocationCount: 3_400_000 })])).toContain('Allocations: ~3.4M')
    expect(render([makeTestResult({ id: 'k', name: 'k', allocationCount: 999 })])).toContain('Allocations: ~999 ')
  })

  it('emits no ANSI codes without colour, and colours with it', () => {
    const over = makeTestResult({
      id: 'c', name: 'c', shared: { overlapping: 1 },
      limit: { kind: 'memory', spec: '1 B', bytes: 1, currentThreadOnly: false, exceeded: true },
      sites: [makeSite(MiB, [{ kind: 'user' }, { kind: 'node', functionName: 'readFile', file: 'node:fs' }])],
    })
    expect(render([over], { stacks: 2, color: false })).not.toMatch(ANSI)
    const coloured = render([over], { stacks: 2, color: true })
    expect(coloured).toMatch(ANSI)
    expect(coloured).toContain('\u001b[2mreadFile at node:fs:10\u001b[22m') // non-user frames are dimmed
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(render([over], { stacks: 2, color: false }))
  })
})

describe('tests whose allocation sites were not read', () => {
  const unsampled = (notSampled?: NotSampledReason) =>
    makeTestResult({ id: 'tiny', peakBytes: 1000, sampled: false, allocationCount: 0, histogram: [], sites: [], ...(notSampled ? { notSampled } : {}) })

  it('says so instead of showing zero allocations', () => {
    const text = render([unsampled('below-threshold')])
    expect(text).toContain('Allocations: not sampled: no test in its file peaked at 1 MiB or allocated 4 MiB (reading sites costs a full GC)')
    expect(text).not.toContain('Allocations: ~0')
    expect(text).not.toContain('Biggest allocating functions')
  })

  it('states the one reason that applied, not every possible one', () => {
    const line = (reason?: NotSampledReason) => blockOf(render([unsampled(reason)]), 'src/example.test.ts > tiny').find((l) => l.includes('not sampled'))
    expect(line('heap-prof')).toBe("    Allocations: not sampled: Node's --heap-prof was using V8's one sampling heap profiler")
    expect(line('precise-retention')).toBe("    Allocations: not sampled: precise retention was on (it uses V8's one sampling heap profiler)")
    expect(line('sampler-unavailable')).toContain('could not be opened')
    expect(line('file-unfinished')).toContain("its file's results never arrived")
    expect(line('not-shown')).toContain('--most-allocations 0 reads every file')
    expect(line('unmarked')).toContain('right after a file with no test worth reading')
    // A report from before the reason existed: nothing arrived is all that can be said.
    expect(line(undefined)).toBe(line('file-unfinished'))
    for (const reason of ['below-threshold', 'not-shown', 'unmarked', 'heap-prof', 'precise-retention', 'sampler-unavailable', 'file-unfinished'] as const) {
      expect(line(reason)!.split(/, | or /).length, reason).toBeLessThanOrEqual(2)
    }
  })
})

describe('allocating functions that explain a meaningful share', () => {
  const frame = (functionName: string, file = 'src/work.ts') => [{ functionName, file, line: 3 }]

  it('hides sites under 1% of what the test allocated, with a count of what was left out', () => {
    const sites = [makeSite(29 * MiB, frame('build')), makeSite(MiB, frame('parse')), makeSite(16 * 1024, frame('assert', '/x/node_modules/chai/index.js'))]
    const lines = blockOf(render([makeTestResult({ id: 's', name: 's', totalBytes: 30 * MiB, sites })]), 's')
    const start = lines.indexOf('    Biggest allocating functions:')
    expect(lines.slice(start + 1)).toEqual(['        - build at src/work.ts:3 -> 29.0 MiB', '        - parse at src/work.ts:3 -> 1.0 MiB', '        … 1 smaller site'])
  })

  it('says so when every site is under 1%', () => {
    const sites = [makeSite(16 * 1024, frame('a')), makeSite(16 * 1024, frame('b'))]
    const lines = blockOf(render([makeTestResult({ id: 's', name: 's', totalBytes: 30 * MiB, sites })]), 's')
    expect(lines).toContain('    Biggest allocating functions: none above 1% of 30.0 MiB (2 smaller sites)')
  })

  it('prints dependency frames outside the root from node_modules/, like frames under it', () => {
    const sites = [makeSite(20 * MiB, [{ functionName: 'parse', file: '/home/ci/repo/node_modules/.pnpm/yaml@2/node_modules/yaml/dist/parse.js', line: 7, kind: 'dependency' }])]
    const lines = blockOf(render([makeTestResult({ id: 'd', name: 'd', totalBytes: 20 * MiB, sites })]), 'd')
    expect(lines).toContain('        - parse at node_modules/yaml/dist/parse.js:7 -> 20.0 MiB')
    expect(printablePath('src/a.ts')).toBe('src/a.ts')
    expect(printablePath('node:fs')).toBe('node:fs')
    expect(printablePath('/abs/src/a.ts')).toBe('/abs/src/a.ts')
    expect(printablePath('C:\\repo\\node_modules\\chai\\index.js')).toBe('node_modules/chai/index.js')
  })
})

describe('default and file limits', () => {
  const limited = (limit: Partial<MemoryLimitResult>, extra: Partial<TestMemoryResult> = {}) =>
    makeTestResult({ id: 'l', name: 'l', peakBytes: 60 * MiB, limit: { kind: 'memory', spec: '48 MB', bytes: 48 * MiB, currentThreadOnly: false, exceeded: true, ...limit }, ...extra })

  it('names the default limit and where it was set', () => {
    const text = render([limited({ origin: 'default', from: 'HEAPMARK_LIMIT' })])
    expect(blockOf(text, 'l')).toContain('    Default limit: 48 MB (48.0 MiB, from HEAPMARK_LIMIT): EXCEEDED by 12.0 MiB (peak is 125% of it)')
    expect(text).toContain('1 test over its memory limit')
  })

  it('names a file limit and its comment', () => {
    const lines = blockOf(render([limited({ origin: 'file', from: '@heapmark-limit at a.test.ts:1', spec: '64 MB', bytes: 64 * MiB, exceeded: false })]), 'l')
    expect(lines).toContain('    File limit: 64 MB (64.0 MiB, from @heapmark-limit at a.test.ts:1): ok, peak is 94% of it')
  })

  it('says a concurrent test was not judged, in its block and in the totals', () => {
    const text = render([limited({ origin: 'default', from: 'HEAPMARK_LIMIT', exceeded: false, notJudged: 'concurrent' }, { shared: { overlapping: 2 } })])
    expect(blockOf(text, 'l')).toContain('    Default limit: 48 MB (48.0 MiB, from HEAPMARK_LIMIT): not judged (ran concurrently with 2 other tests, whose memory counts in its peak)')
    expect(text).toContain('1 test not judged against the default limit (ran concurrently with others)')
    expect(text).not.toContain('over its memory limit')
  })

  it('a live default limit and live increase verdicts are worded for the live figure', () => {
    const text = render([limited({ origin: 'default', from: 'HEAPMARK_LIMIT', measure: 'live', exceeded: false }, {
      livePeakBytes: 24 * MiB, livePeakKind: 'estimate',
      increase: { previousPeakBytes: 20 * MiB, previousRecordedAt: 't', allowedBytes: 2 * MiB, exceeded: false, measure: 'live' },
    })])
    expect(blockOf(text, 'l')).toEqual(expect.arrayContaining([
      '    Live peak: 24.0 MiB (precise mode; the rest of the peak was garbage not yet collected)',
      '    Default limit: 48 MB (48.0 MiB, from HEAPMARK_LIMIT): ok, live peak is 50% of it',
      '    Live peak increase: +4.0 MiB since the last passing run (20.0 MiB): ok, +2.0 MiB allowed',
    ]))
    const notJudged = render([limited({}, { livePeakBytes: 24 * MiB, livePeakKind: 'lower-bound', increase: { previousPeakBytes: 20 * MiB, previousRecordedAt: 't', allowedBytes: 2 * MiB, exceeded: false, measure: 'live', notJudged: 'live-not-precise' } })])
    expect(blockOf(notJudged, 'l')).toContain('    Live peak increase: not judged (its live peak is only a bound in this run: precise mode fell back, see docs/measuring.md)')
  })

  it('keeps the limitMemory line as it was', () => {
    expect(blockOf(render([limited({})]), 'l')).toContain('    Memory limit: 48 MB (48.0 MiB): EXCEEDED by 12.0 MiB (peak is 125% of it)')
  })

  it('marks a test outside the top N by the limit it went over', () => {
    const text = render([makeTestResult({ id: 'big', name: 'big', peakBytes: 100 * MiB }), limited({ origin: 'default', from: 'HEAPMARK_LIMIT' })], { mostAllocations: 1 })
    expect(text).toContain('Allocation results for l at the high watermark (over the default memory limit; outside the top 1)')
  })
})
