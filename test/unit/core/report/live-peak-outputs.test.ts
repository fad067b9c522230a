/** The live peak in every output: text report, Markdown summary, JUnit properties, limit verdicts. */
import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import { renderMarkdownReport } from '../../../../src/core/report/markdown.js'
import { renderTextReport } from '../../../../src/core/report/render-text.js'
import { testProperties } from '../../../../src/core/report/test-properties.js'
import { limitedPeak } from '../../../../src/core/worker/test-result.js'
import { makeTestResult } from '../../../helpers/records.js'

const MiB = 1024 * 1024
const META = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384 }

const churn = makeTestResult({ id: 'churn', name: 'c.test.ts > churn', peakBytes: 15.9 * MiB, livePeakBytes: 8.1 * MiB, livePeakKind: 'lower-bound' })
const precise = makeTestResult({ id: 'precise', name: 'c.test.ts > precise', peakBytes: 9 * MiB, livePeakBytes: 8 * MiB, livePeakKind: 'estimate' })
const noGc = makeTestResult({ id: 'quiet', name: 'c.test.ts > quiet', peakBytes: 2 * MiB, livePeakBytes: 2 * MiB, livePeakKind: 'unknown' })
const older = makeTestResult({ id: 'older', name: 'c.test.ts > from an older report', peakBytes: 1 * MiB })
const report = buildReport([churn, precise, noGc, older], META)

describe('text report', () => {
  const text = renderTextReport(report, { mostAllocations: 0, stacks: 1, color: false })

  it('words each kind for what is known', () => {
    expect(text).toContain('Live peak: at least 8.1 MiB (found reachable by GCs during the test; the rest of the peak may be garbage not yet collected)')
    expect(text).toContain('Live peak: 8.0 MiB (precise mode; the rest of the peak was garbage not yet collected)')
  })

  it('leaves the line out when no GC ran during the test (nothing known beyond the peak)', () => {
    expect(text.split('\n\n').find((block) => block.includes('c.test.ts > quiet'))).not.toContain('Live peak')
  })

  it('leaves the line out for reports written before the live peak existed', () => {
    expect(text.split('\n\n').find((block) => block.includes('from an older report'))).not.toContain('Live peak')
  })
})

it('the Markdown summary has a live peak column with ≥ for bounds and ? when unknown', () => {
  const markdown = renderMarkdownReport(report, { mostAllocations: 0 })
  expect(markdown).toContain('| Test | Peak | Allocated | Biggest allocating function | Live peak |')
  expect(markdown).toMatch(/\| c\.test\.ts > churn \| 15\.9 MiB \| [^|]+ \| [^|]+ \| ≥ 8\.1 MiB \|/)
  expect(markdown).toMatch(/\| c\.test\.ts > precise \| 9\.0 MiB \| [^|]+ \| [^|]+ \| 8\.0 MiB \|/)
  expect(markdown).toMatch(/\| c\.test\.ts > quiet \| 2\.0 MiB \| [^|]+ \| [^|]+ \| \? \|/)
})

it('JUnit properties carry the live peak in words, bytes and kind', () => {
  expect(testProperties(churn)).toEqual(expect.arrayContaining([
    { name: 'heapmark.livePeak', value: 'at least 8.1 MiB' },
    { name: 'heapmark.livePeakBytes', value: String(8.1 * MiB) },
    { name: 'heapmark.livePeakKind', value: 'lower-bound' },
  ]))
  expect(testProperties(noGc)).toContainEqual({ name: 'heapmark.livePeak', value: 'unknown (no GC during the test)' })
})

describe('limits judge the figure they are asked to', () => {
  const record = { peakBytes: 20 * MiB, livePeakBytes: 6 * MiB, workerThreads: { count: 1, peakBytes: 2 * MiB, measured: true } }

  it('the used peak by default, worker threads included unless told otherwise', () => {
    expect(limitedPeak(record, { currentThreadOnly: false })).toBe(20 * MiB)
    expect(limitedPeak(record, { currentThreadOnly: true })).toBe(18 * MiB)
  })

  it('the live peak with measure "live", plus the worker threads\' peaks unless currentThreadOnly', () => {
    expect(limitedPeak(record, { currentThreadOnly: false, measure: 'live' })).toBe(8 * MiB)
    expect(limitedPeak(record, { currentThreadOnly: true, measure: 'live' })).toBe(6 * MiB)
  })
})
