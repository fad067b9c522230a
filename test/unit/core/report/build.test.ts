import { describe, expect, it } from 'vitest'
import { buildReport } from '../../../../src/core/report/build.js'
import { REPORT_VERSION } from '../../../../src/core/report/model.js'
import { makeTestResult } from '../../../helpers/records.js'

const META = { heapmarkVersion: '0.1.0', runner: { name: 'vitest', version: '4.1.12' }, node: 'v20.19.0', samplingInterval: 16384 }

describe('buildReport', () => {
  it('sorts tests by peak, largest first, ties by name', () => {
    const report = buildReport(
      [
        makeTestResult({ id: 'small', peakBytes: 100 }),
        makeTestResult({ id: 'tie-b', name: 'b', peakBytes: 500 }),
        makeTestResult({ id: 'big', peakBytes: 900 }),
        makeTestResult({ id: 'tie-a', name: 'a', peakBytes: 500 }),
      ],
      META,
    )
    expect(report.tests.map((test) => test.id)).toEqual(['big', 'tie-a', 'tie-b', 'small'])
  })

  it('computes run totals', () => {
    const report = buildReport(
      [
        makeTestResult({ id: 'a', peakBytes: 300, totalBytes: 1000, allocationCount: 10, limit: { kind: 'memory', spec: '200 B', bytes: 200, currentThreadOnly: false, exceeded: true } }),
        makeTestResult({ id: 'b', peakBytes: 700, totalBytes: 2000, allocationCount: 5, limit: { kind: 'memory', spec: '1 KB', bytes: 1024, currentThreadOnly: false, exceeded: false } }),
        makeTestResult({ id: 'c', peakBytes: 50, totalBytes: 30, allocationCount: 1 }),
      ],
      META,
    )
    expect(report.totals).toEqual({ tests: 3, peakBytes: 700, totalBytes: 3030, allocationCount: 16, limitFailures: 1, increaseFailures: 0 })
  })

  it('fills in the metadata', () => {
    const report = buildReport([], { ...META, createdAt: '2025-01-01T00:00:00.000Z' })
    expect(report).toEqual({
      version: REPORT_VERSION,
      ...META,
      createdAt: '2025-01-01T00:00:00.000Z',
      tests: [],
      totals: { tests: 0, peakBytes: 0, totalBytes: 0, allocationCount: 0, limitFailures: 0, increaseFailures: 0 },
      workers: [],
      incidents: [],
    })
  })

  it('stamps the current time when createdAt is not given', () => {
    const before = Date.now()
    const created = Date.parse(buildReport([], META).createdAt)
    expect(created).toBeGreaterThanOrEqual(before - 1000)
    expect(created).toBeLessThanOrEqual(Date.now())
  })

  it('does not reorder the caller\'s array', () => {
    const tests = [makeTestResult({ id: 'a', peakBytes: 1 }), makeTestResult({ id: 'b', peakBytes: 2 })]
    buildReport(tests, META)
    expect(tests.map((test) => test.id)).toEqual(['a', 'b'])
  })
})
