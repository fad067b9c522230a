import { describe, expect, it } from 'vitest'
import { buildTestResult, type TestRecord } from '../../../../src/core/worker/test-result.js'

const identity = { id: 't1', name: 'a.test.ts > keeps', file: 'a.test.ts', state: 'passed' as const }

const minimal: TestRecord = {
  peakBytes: 2048,
  heapPeakBytes: 2000,
  externalPeakBytes: 48,
  allocatedBytes: 4096,
  overlapping: 0,
  durationMs: 1.5,
}

const full: TestRecord = {
  ...minimal,
  livePeakBytes: 1024,
  livePeakKind: 'lower-bound',
  peakUncertaintyBytes: 512,
  overlapping: 2,
  workerThreads: { peakBytes: 10, threads: 1 } as unknown as NonNullable<TestRecord['workerThreads']>,
  leaks: { kind: 'leaks' } as unknown as NonNullable<TestRecord['leaks']>,
  limit: { spec: '1 KB', bytes: 1024, currentThreadOnly: false, exceeded: true },
  increase: { exceeded: false } as unknown as NonNullable<TestRecord['increase']>,
  browser: 'chromium',
}

const attribution = { sampledBytes: 4000, allocationCount: 3, histogram: [{ upTo: 64, count: 3, bytes: 100 }], sites: [], incomplete: true }

// buildTestResult builds the report's per-test object field by field (no spreads: see its comment),
// so these pin the fields and their order in the JSON report.
describe('buildTestResult', () => {
  it('a record without optional fields and no attribution: every required field, in the report order', () => {
    const result = buildTestResult(identity, minimal, { notSampled: 'below-threshold' })
    expect(Object.keys(result)).toEqual([
      'id', 'name', 'file', 'state', 'peakBytes', 'heapPeakBytes', 'externalPeakBytes', 'totalBytes', 'allocationCount', 'sampled', 'notSampled', 'histogram', 'sites', 'durationMs',
    ])
    expect(result).toEqual({ ...identity, peakBytes: 2048, heapPeakBytes: 2000, externalPeakBytes: 48, totalBytes: 4096, allocationCount: 0, sampled: false, notSampled: 'below-threshold', histogram: [], sites: [], durationMs: 1.5 })
  })

  it('every optional field, in the report order, from the record and the attribution', () => {
    const result = buildTestResult(identity, full, attribution)
    expect(Object.keys(result)).toEqual([
      'id', 'name', 'file', 'state', 'peakBytes', 'heapPeakBytes', 'externalPeakBytes', 'livePeakBytes', 'livePeakKind', 'peakUncertaintyBytes',
      'totalBytes', 'allocationCount', 'sampled', 'sampledIncomplete', 'histogram', 'sites', 'limit', 'workerThreads', 'leaks', 'increase', 'shared', 'browser', 'durationMs',
    ])
    expect(result).toMatchObject({
      livePeakBytes: 1024,
      livePeakKind: 'lower-bound',
      peakUncertaintyBytes: 512,
      allocationCount: 3,
      sampled: true,
      sampledIncomplete: true,
      histogram: attribution.histogram,
      limit: { kind: 'memory', spec: '1 KB', bytes: 1024, currentThreadOnly: false, exceeded: true },
      workerThreads: full.workerThreads,
      leaks: full.leaks,
      increase: full.increase,
      shared: { overlapping: 2 },
      browser: 'chromium',
    })
  })

  it('no outcome at all: the file never finished', () => {
    expect(buildTestResult(identity, minimal, undefined)).toMatchObject({ sampled: false, notSampled: 'file-unfinished' })
  })

  it('copies only the identity fields it reports (a location stays out of the result)', () => {
    const result = buildTestResult({ ...identity, location: { line: 3, column: 1 } } as typeof identity, minimal, undefined)
    expect(result).not.toHaveProperty('location')
  })
})
