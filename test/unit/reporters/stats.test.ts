import { describe, expect, it } from 'vitest'
import { buildStats, renderStatsJson, renderStatsText } from '../../../src/reporters/stats.js'
import { makeCapture, sampleTree, scaledSample } from '../../helpers/captures.js'

describe('buildStats', () => {
  const stats = buildStats(makeCapture(sampleTree()))

  it('takes peak and totals from the metadata and counts samples', () => {
    expect(stats).toMatchObject({
      kind: 'heapmark-stats',
      version: 1,
      name: 'test/app.test.ts > app > builds',
      hasMetadata: true,
      peakBytes: 12 * 1024 * 1024,
      totalBytes: 20 * 1024 * 1024,
      allocationCount: 5000,
      samples: 14,
      samplingInterval: 16384,
      samplingIntervalAssumed: false,
      limit: null,
    })
    expect(stats.sampledBytes).toBe(stats.histogram.reduce((sum, bucket) => sum + bucket.bytes, 0))
  })

  it('bins samples by their decoded object size', () => {
    expect(stats.histogram).toEqual([
      // 40 B objects decode exactly (see EXACT_SIZES).
      { upTo: 64, count: 9 * 410, bytes: 9 * scaledSample(40) },
      { upTo: 1024, count: 2 * 17, bytes: 2 * scaledSample(1000) },
      { upTo: 4096, count: 6, bytes: scaledSample(3000) },
      { upTo: 1048576, count: 1, bytes: scaledSample(300 * 1024) },
      { upTo: 16777216, count: 1, bytes: scaledSample(5 * 1024 * 1024) },
    ])
  })

  it('lists top allocators by own bytes and by count', () => {
    expect(stats.topBySize.map((entry) => entry.functionName)).toEqual(['toCsv', 'makeRow', 'buildTable', 'JSON.parse', 'lodashClone'])
    expect(stats.topByCount.map((entry) => entry.functionName).slice(0, 2)).toEqual(['makeRow', 'buildTable'])
    expect(stats.topBySize[0]).toMatchObject({ location: 'src/csv.ts:3', kind: 'user', count: 1 })
    expect(buildStats(makeCapture(sampleTree()), { top: 2 }).topBySize).toHaveLength(2)
  })

  it('falls back to sampled numbers without metadata', () => {
    const plain = buildStats(makeCapture(sampleTree(), { metadata: false, interval: 16384 }))
    expect(plain).toMatchObject({ hasMetadata: false, peakBytes: null, samplingIntervalAssumed: true, name: 'app.heapprofile' })
    expect(plain.totalBytes).toBe(plain.sampledBytes)
  })
})

describe('renderStats', () => {
  it('renders text with the histogram and folds empty bucket runs', () => {
    const text = renderStatsText(buildStats(makeCapture(sampleTree())), { color: false })
    expect(text).toContain('Memory statistics for test/app.test.ts > app > builds')
    expect(text).toContain('Peak memory: 12.0 MiB (heap 11.0 MiB, external 1.0 MiB)')
    expect(text).toContain('Total allocated: 20.0 MiB (sampled: ')
    expect(text).toMatch(/≤ 64 B +▇+ 3\.7k/)
    expect(text).toContain('≤ 256 B   0')
    expect(text).toContain('none from 4 KiB to 256 KiB')
    expect(text).toContain('- toCsv at src/csv.ts:3 -> 5.0 MiB')
    expect(text).not.toContain('\u001b[')
  })

  it('says when a plain profile has no metadata', () => {
    const text = renderStatsText(buildStats(makeCapture(sampleTree(), { metadata: false })), { color: false })
    expect(text).toContain('Peak memory: n/a, no heapmark metadata')
    expect(text).toContain('(assumed: node --heap-prof default')
  })

  it('renders JSON that parses back to the model', () => {
    const stats = buildStats(makeCapture(sampleTree()))
    expect(JSON.parse(renderStatsJson(stats))).toEqual(stats)
  })
})
