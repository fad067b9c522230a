import { describe, expect, it } from 'vitest'
import { describeLeakFailure, judgeLeaks, steadyGrowth } from '../../../../src/core/assertions/leaks.js'
import type { LeakedLocation } from '../../../../src/core/measure/measurer.js'
import { makeFrame } from '../../../helpers/records.js'

/** limitLeaks' verdict (src/core/assertions/leaks.ts) on made-up leak windows: steady growth, the judgement, the message. */

const KiB = 1024
const MiB = 1024 * KiB

function at(functionName: string, bytes: number, count = 10, callers: string[] = []): LeakedLocation {
  return { frames: [makeFrame({ functionName, line: 1 }), ...callers.map((caller) => makeFrame({ functionName: caller, line: 2 }))], bytes, count, external: false }
}
const external = (bytes: number): LeakedLocation => ({ frames: [], bytes, count: 1, external: true })

describe('steady growth (iterations measured in two halves)', () => {
  it('keeps a location that grew in both halves, at its smaller half per iteration', () => {
    // 8 iterations: 4 + 4. "leak" grew 400 KiB then 480 KiB: 100 KiB per iteration is steady.
    const steady = steadyGrowth([at('leak', 400 * KiB, 40)], 4, [at('leak', 480 * KiB, 48)], 4, 8)
    expect(steady).toHaveLength(1)
    expect(steady[0]).toMatchObject({ bytes: 800 * KiB, count: 80 })
  })

  it('drops what grew in one half only: a cache filled once, code optimised mid-run', () => {
    const steady = steadyGrowth([at('cache', 5 * MiB), at('leak', 100 * KiB)], 2, [at('leak', 150 * KiB), at('jit', 2 * MiB)], 3, 5)
    expect(steady.map((location) => location.frames[0]!.functionName)).toEqual(['leak'])
    // min(100/2, 150/3) = 50 KiB per iteration, times 5.
    expect(steady[0]!.bytes).toBe(250 * KiB)
  })

  it('tells locations apart by their whole stack, and external memory as one location, biggest first', () => {
    const first = [at('push', 100 * KiB, 1, ['a']), at('push', 300 * KiB, 1, ['b']), external(MiB)]
    const second = [at('push', 100 * KiB, 1, ['b']), at('push', 100 * KiB, 1, ['c']), external(2 * MiB)]
    const steady = steadyGrowth(first, 2, second, 2, 4)
    expect(steady.map((location) => (location.external ? 'external' : location.frames[1]!.functionName))).toEqual(['external', 'b'])
    expect(steady.map((location) => location.bytes)).toEqual([2 * MiB, 200 * KiB])
  })
})

describe('leak judgement', () => {
  it('judges bytes per iteration against the limit, rounding what it reports', () => {
    const check = judgeLeaks('100 KB', 100 * KiB, 3, 1, [at('grow', 3 * 100 * KiB + 3, 31), at('small', 3 * 10 * KiB)], undefined)
    expect(check).toMatchObject({ spec: '100 KB', bytes: 100 * KiB, iterations: 3, warmup: 1, exceeded: true })
    expect(check.locations).toHaveLength(1)
    expect(check.locations[0]).toMatchObject({ bytes: 100 * KiB + 1, count: 10 })
  })

  it('passes at exactly the limit, and then reports the biggest locations (five at most)', () => {
    const leaked = Array.from({ length: 7 }, (_, i) => at(`f${i}`, (i + 1) * KiB))
    const check = judgeLeaks('7 KB', 7 * KiB, 1, 0, leaked, undefined)
    expect(check.exceeded).toBe(false)
    expect(check.locations.map((location) => location.frames[0]!.functionName)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4'])
  })

  it('lets the filter excuse a location (only an explicit false does)', () => {
    const leaked = [at('known', 2 * MiB), at('real', 2 * MiB)]
    const excused = judgeLeaks('1 MB', MiB, 1, 0, leaked, (stack) => stack.frames[0]!.functionName !== 'known')
    expect(excused.exceeded).toBe(true)
    expect(excused.locations.map((location) => location.frames[0]!.functionName)).toEqual(['real'])
    expect(judgeLeaks('1 MB', MiB, 1, 0, leaked, () => false).exceeded).toBe(false)
    expect(judgeLeaks('1 MB', MiB, 1, 0, leaked, (() => undefined) as never).exceeded).toBe(true)
  })

  it('names each location over the limit, its user callers, and what stayed alive in all', () => {
    const leaked = [at('remember', 3 * MiB, 10, ['load', 'main']), external(2 * MiB), { ...external(5 * MiB), external: false, workerThread: 7 }]
    const check = judgeLeaks('1 MB', MiB, 1, 0, leaked, undefined)
    expect(describeLeakFailure(check, leaked, 1)).toBe(
      'Test was allowed to leak 1.0 MiB (1 MB) per location but at least one location leaked more\n\n' +
        '- 3.0 MiB leaked at remember at src/allocate.ts:1\n' +
        '    called from load at src/allocate.ts:2\n' +
        '    called from main at src/allocate.ts:2\n' +
        '- 2.0 MiB leaked as external memory (Buffer/ArrayBuffer contents), which V8\'s sampler cannot attribute to a function\n' +
        '- 5.0 MiB held by worker thread 7, started by the test and still running (currentThreadOnly: true ignores it)\n\n' +
        'In all, 10.0 MiB allocated during the test was still alive after it.',
    )
    const iterated = judgeLeaks('1 MB', MiB, 4, 2, [at('grow', 8 * MiB)], undefined)
    expect(describeLeakFailure(iterated, [at('grow', 8 * MiB)], 4)).toBe(
      'Test was allowed to grow 1.0 MiB (1 MB) per iteration per location but at least one location grew more (4 iterations after 2 warm-up runs)\n\n' +
        '- 2.0 MiB per iteration (8.0 MiB over 4) at grow at src/allocate.ts:1\n\n' +
        'In all, 8.0 MiB allocated during the measured iterations was still alive after it.',
    )
  })
})
