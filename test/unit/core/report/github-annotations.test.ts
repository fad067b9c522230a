import { describe, expect, it } from 'vitest'
import { githubAnnotations } from '../../../../src/core/report/github-annotations.js'
import { memoryFacts, memoryFactsLine } from '../../../../src/core/report/memory-facts.js'
import { makeSite, makeTestResult } from '../../../helpers/records.js'

const MiB = 1024 * 1024
const limit = (spec: string, bytes: number, exceeded: boolean) => ({ kind: 'memory' as const, spec, bytes, currentThreadOnly: false, exceeded })

describe('memoryFacts', () => {
  it('says the peak, the limit with its verdict, retention and growth, with the flags', () => {
    const facts = memoryFacts({
      peakBytes: 32 * MiB, heapPeakBytes: 30 * MiB, externalPeakBytes: 2 * MiB,
      limit: limit('16 MB', 16 * MiB, true),
      retained: { bytes: 3 * MiB, exact: false },
      increase: { previousPeakBytes: 20 * MiB, allowedBytes: 2 * MiB, exceeded: true },
    })
    expect(facts).toEqual({
      peak: '32.0 MiB (JS heap 30.0 MiB, external 2.0 MiB)',
      limit: '16 MB (16.0 MiB): EXCEEDED by 16.0 MiB (peak is 200% of it)',
      retained: '3.0 MiB (lower bound)',
      increase: '+12.0 MiB since the last passing run (20.0 MiB): EXCEEDED the allowed +2.0 MiB',
      overLimit: true,
      grew: true,
    })
    expect(memoryFactsLine(memoryFacts({ peakBytes: MiB, heapPeakBytes: MiB, externalPeakBytes: 0, limit: limit('2.0 MiB', 2 * MiB, false) })))
      .toBe('peak 1.0 MiB (JS heap 1.0 MiB, external 0 B); limit 2.0 MiB: ok, peak is 50% of it')
  })

  it('judges a currentThreadOnly limit on this thread alone, as the limit does', () => {
    const facts = memoryFacts({
      peakBytes: 12 * MiB, heapPeakBytes: 4 * MiB, externalPeakBytes: 0, workerThreads: { count: 1, peakBytes: 8 * MiB, measured: true },
      limit: { ...limit('8 MB', 8 * MiB, false), currentThreadOnly: true },
    })
    expect(facts.peak).toBe('12.0 MiB (JS heap 4.0 MiB, external 0 B, worker threads 8.0 MiB)')
    expect(facts.limit).toBe('8 MB (8.0 MiB): ok, peak is 50% of it')
  })

  it('carries the live peak with its kind, and live verdicts in the live figure\'s words', () => {
    const facts = memoryFacts({
      peakBytes: 24 * MiB, heapPeakBytes: 24 * MiB, externalPeakBytes: 0, livePeakBytes: 8 * MiB, livePeakKind: 'lower-bound',
      limit: { ...limit('4 MB', 4 * MiB, true), measure: 'live', from: 'HEAPMARK_LIMIT' },
      increase: { previousPeakBytes: 6 * MiB, allowedBytes: MiB, exceeded: true, measure: 'live' },
    })
    expect(facts).toMatchObject({
      live: 'at least 8.0 MiB',
      limit: '4 MB (4.0 MiB, from HEAPMARK_LIMIT): EXCEEDED by 4.0 MiB (live peak is 200% of it)',
      increase: '+2.0 MiB since the last passing run (6.0 MiB): EXCEEDED the allowed +1.0 MiB',
      increaseMeasure: 'live',
    })
    expect(memoryFactsLine(facts)).toBe(
      'peak 24.0 MiB (JS heap 24.0 MiB, external 0 B); live peak at least 8.0 MiB; limit 4 MB (4.0 MiB, from HEAPMARK_LIMIT): EXCEEDED by 4.0 MiB (live peak is 200% of it); ' +
        'live peak increase +2.0 MiB since the last passing run (6.0 MiB): EXCEEDED the allowed +1.0 MiB',
    )
    // Not known (no GC ran): in the facts, not repeated on every test's line.
    const unknown = memoryFacts({ peakBytes: MiB, heapPeakBytes: MiB, externalPeakBytes: 0, livePeakBytes: MiB, livePeakKind: 'unknown' })
    expect(unknown.live).toBe('not known (no GC ran during the test)')
    expect(memoryFactsLine(unknown)).toBe('peak 1.0 MiB (JS heap 1.0 MiB, external 0 B)')
    expect(memoryFacts({ peakBytes: MiB, heapPeakBytes: MiB, externalPeakBytes: 0, livePeakBytes: MiB / 2, livePeakKind: 'estimate', increase: { previousPeakBytes: MiB, allowedBytes: MiB, exceeded: false, measure: 'live', notJudged: 'live-not-precise' } }))
      .toMatchObject({ live: '512.0 KiB', increase: 'not judged (its live peak is only a bound in this run: precise mode fell back, see docs/measuring.md)' })
  })
})

describe('githubAnnotations', () => {
  const over = makeTestResult({
    id: 'over', name: 'test/a, b.test.ts > 100% over', file: 'test/a, b.test.ts', peakBytes: 4 * MiB,
    limit: limit('1 MB', MiB, true), sites: [makeSite(4 * MiB, [{ functionName: 'build', file: 'src/build.ts', line: 3 }])],
  })
  const grew = makeTestResult({ id: 'grew', increase: { previousPeakBytes: 2 * MiB, previousRecordedAt: '2026-12-01T00:00:00.000Z', allowedBytes: MiB, exceeded: true }, sites: [] })
  const fine = makeTestResult({ id: 'fine', limit: limit('64 MB', 64 * MiB, false) })

  it('annotates only tests that failed on memory, escaped as GitHub workflow commands', () => {
    const lines = githubAnnotations([fine, over, grew], '/repo', (test) => (test.id === 'over' ? { line: 7, column: 1 } : undefined))
    expect(lines).toHaveLength(2)
    // ':' and ',' are escaped in properties, '%' and newlines everywhere.
    expect(lines[0]).toBe(
      '::error file=/repo/test/a%2C b.test.ts,line=7,col=1,title=heapmark%3A over its memory limit::test/a, b.test.ts > 100%25 over%0A' +
      'peak 4.0 MiB (JS heap 3.6 MiB, external 409.6 KiB); limit 1 MB (1.0 MiB): EXCEEDED by 3.0 MiB (peak is 400%25 of it)%0A' +
      'biggest allocating function: build at src/build.ts:3 -> 4.0 MiB',
    )
    // Without a known line (Jest, node:test), the file alone.
    expect(lines[1]).toMatch(/^::error file=\/repo\/src\/example\.test\.ts,title=heapmark%3A peak grew past --fail-on-increase::src\/example\.test\.ts > grew%0Apeak 10\.0 MiB .*; peak increase \+8\.0 MiB since the last passing run \(2\.0 MiB\): EXCEEDED the allowed \+1\.0 MiB$/)
  })
})
