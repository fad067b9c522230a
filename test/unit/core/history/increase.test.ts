import { describe, expect, it } from 'vitest'
import type { Attribution } from '../../../../src/core/attribution/attribution.js'
import { allowedIncrease, checkIncrease, compareWithHistory, formatTolerance, increaseFailure, INCREASE_NOISE_FLOOR_BYTES, parseTolerance } from '../../../../src/core/history/increase.js'
import { makeHistogram, makeSite } from '../../../helpers/records.js'

/** --fail-on-increase's verdict (src/core/history/increase.ts), without a run: tolerance, allowance, comparison, message. */

const MiB = 1024 * 1024
const previous = (peakBytes: number) => ({ peakBytes, recordedAt: '2026-12-01T10:00:00.000Z' })

describe('fail-on-increase verdict', () => {
  it('reads a tolerance as a percentage or a size', () => {
    expect(parseTolerance('10%')).toEqual({ percent: 10 })
    expect(parseTolerance(' 2.5 % ')).toEqual({ percent: 2.5 })
    expect(parseTolerance('2 MB')).toEqual({ bytes: 2 * MiB })
    expect(parseTolerance(4096)).toEqual({ bytes: 4096 })
    expect(() => parseTolerance('10 percent')).toThrow(expect.objectContaining({ code: 'HEAPMARK_INVALID_SIZE' }))
    expect(formatTolerance({ percent: 10 })).toBe('10%')
    expect(formatTolerance({ bytes: 2 * MiB })).toBe('2.0 MiB')
  })

  it('allows the tolerance over the old peak, never less than the noise floor', () => {
    expect(INCREASE_NOISE_FLOOR_BYTES).toBe(MiB)
    expect(allowedIncrease(100 * MiB, { percent: 10 })).toBe(10 * MiB)
    // 10% of 2 MiB is within what heapmark can tell apart from noise: the floor applies.
    expect(allowedIncrease(2 * MiB, { percent: 10 })).toBe(MiB)
    expect(allowedIncrease(2 * MiB, { bytes: 3 * MiB })).toBe(3 * MiB)
    expect(allowedIncrease(0, { bytes: 10 })).toBe(MiB)
  })

  it('fails growth past the allowance only: equal is a pass, shrinking is a pass', () => {
    const tolerance = { percent: 10 }
    expect(compareWithHistory({ peakBytes: 110 * MiB }, previous(100 * MiB), tolerance)).toEqual({
      previousPeakBytes: 100 * MiB, previousRecordedAt: '2026-12-01T10:00:00.000Z', allowedBytes: 10 * MiB, exceeded: false,
    })
    expect(compareWithHistory({ peakBytes: 110 * MiB + 1 }, previous(100 * MiB), tolerance).exceeded).toBe(true)
    expect(compareWithHistory({ peakBytes: 50 * MiB }, previous(100 * MiB), tolerance).exceeded).toBe(false)
    expect(compareWithHistory({ peakBytes: 2.9 * MiB }, previous(2 * MiB), tolerance).exceeded).toBe(false) // under the floor
  })

  it('says how much the peak grew, what was allowed, where the memory came from and where the history is', () => {
    const check = compareWithHistory({ peakBytes: 150 * MiB }, previous(100 * MiB), { percent: 10 })
    const attribution: Attribution = {
      sampledBytes: 60 * MiB, allocationCount: 10, histogram: makeHistogram([]),
      sites: [makeSite(40 * MiB, [{ functionName: 'buildCache', file: 'src/cache.ts', line: 7 }, { functionName: 'load', file: 'src/load.ts', line: 3 }])],
    }
    const error = increaseFailure({ peakBytes: 150 * MiB }, check, { percent: 10 }, '/ci/history.json', attribution, 2)
    expect(error).toMatchObject({ name: 'MemoryIncreaseError', code: 'HEAPMARK_MEMORY_INCREASE' })
    expect(error.message).toBe(
      'Peak memory grew from 100.0 MiB in the last run where this test passed (2026-12-01T10:00:00.000Z) to 150.0 MiB (+50%); ' +
        '--fail-on-increase allows +10.0 MiB (tolerance 10%, never under 1.0 MiB).\n\n' +
        'Biggest allocating functions:\n' +
        '    - buildCache at src/cache.ts:7 -> 40.0 MiB\n' +
        '        called from load at src/load.ts:3\n' +
        'History: /ci/history.json. A passing run records the new peak as the baseline.',
    )
    const withoutSites = increaseFailure({ peakBytes: 150 * MiB }, check, { bytes: MiB }, '/ci/history.json', undefined, 2)
    expect(withoutSites.message).not.toContain('Biggest allocating functions')
    expect(withoutSites.message).toContain('(tolerance 1.0 MiB, never under 1.0 MiB)')
  })

  describe('which figure is compared (checkIncrease)', () => {
    const used = { measure: 'used' as const, smallYoungGeneration: false }
    const live = { measure: 'live' as const, smallYoungGeneration: true }
    const history = { peakBytes: 20 * MiB, recordedAt: 't1', livePeakBytes: 8 * MiB, liveRecordedAt: 't0' }
    const tolerance = { percent: 10 }

    it('used: the used peaks, as before', () => {
      expect(checkIncrease({ peakBytes: 30 * MiB, livePeakBytes: 8 * MiB, livePeakKind: 'estimate' }, { peakBytes: 20 * MiB, recordedAt: 't1' }, tolerance, used)).toEqual({
        previousPeakBytes: 20 * MiB, previousRecordedAt: 't1', allowedBytes: 2 * MiB, exceeded: true,
      })
    })

    it('used: a peak measured with the other young generation is not judged (livePeak shrinks used peaks)', () => {
      expect(checkIncrease({ peakBytes: 30 * MiB }, { peakBytes: 2 * MiB, recordedAt: 't1', smallYoungGeneration: true }, tolerance, used)).toMatchObject({ exceeded: false, notJudged: 'young-generation-changed' })
      expect(checkIncrease({ peakBytes: 30 * MiB, livePeakKind: 'estimate' }, { peakBytes: 2 * MiB, recordedAt: 't1' }, tolerance, { ...used, smallYoungGeneration: true })).toMatchObject({ exceeded: false, notJudged: 'young-generation-changed' })
      // livePeak on, but this worker's young generation was not small (a bound, not an estimate): measured as by default.
      expect(checkIncrease({ peakBytes: 30 * MiB, livePeakKind: 'lower-bound' }, { peakBytes: 2 * MiB, recordedAt: 't1' }, tolerance, { ...used, smallYoungGeneration: true })).toMatchObject({ exceeded: true })
    })

    it('live: precise estimates against the last precise estimate, whatever the used peak did', () => {
      expect(checkIncrease({ peakBytes: 40 * MiB, livePeakBytes: 8.5 * MiB, livePeakKind: 'estimate' }, history, tolerance, live)).toEqual({
        previousPeakBytes: 8 * MiB, previousRecordedAt: 't0', allowedBytes: MiB, exceeded: false, measure: 'live',
      })
      expect(checkIncrease({ peakBytes: 10 * MiB, livePeakBytes: 9.5 * MiB, livePeakKind: 'estimate' }, history, tolerance, live)).toMatchObject({ exceeded: true, measure: 'live' })
    })

    it('live: a lower bound or unknown figure is never judged; no live baseline means nothing to compare', () => {
      for (const kind of ['lower-bound', 'unknown'] as const) {
        expect(checkIncrease({ peakBytes: 40 * MiB, livePeakBytes: 30 * MiB, livePeakKind: kind }, history, tolerance, live)).toMatchObject({ exceeded: false, measure: 'live', notJudged: 'live-not-precise', previousPeakBytes: 8 * MiB })
      }
      expect(checkIncrease({ peakBytes: 40 * MiB, livePeakBytes: 30 * MiB, livePeakKind: 'estimate' }, { peakBytes: 20 * MiB, recordedAt: 't1' }, tolerance, live)).toBeUndefined()
    })

    it('names the live peak in the failure', () => {
      const record = { peakBytes: 10 * MiB, livePeakBytes: 12 * MiB, livePeakKind: 'estimate' as const }
      const check = checkIncrease(record, history, tolerance, live)!
      expect(increaseFailure(record, check, tolerance, '/h.json', undefined, 1).message).toMatch(/^Live peak \(precise mode\) grew from 8\.0 MiB in the last run where this test passed \(t0\) to 12\.0 MiB \(\+50%\); --fail-on-increase allows \+1\.0 MiB/)
    })
  })
})
