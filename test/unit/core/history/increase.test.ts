import { describe, expect, it } from 'vitest'
import type { Attribution } from '../../../../src/core/attribution/attribution.js'
import { allowedIncrease, compareWithHistory, formatTolerance, increaseFailure, INCREASE_NOISE_FLOOR_BYTES, parseTolerance } from '../../../../src/core/history/increase.js'
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
})
