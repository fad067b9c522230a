/**
 * The baseline trap, detected and corrected (docs/measuring.md): a test starts on a heap holding
 * earlier garbage, and a full GC during the test frees it. Real V8, in this worker: the full GC is
 * a real mark-compact, as the GCProfiler reports it.
 */
import { expect, test } from 'vitest'
import v8 from 'node:v8'
import { ActiveReading } from '../../../../src/core/measure/active-reading.js'
import { MemoryMeter } from '../../../../src/core/measure/memory-meter.js'
import { getGc } from '../../../../src/core/measure/gc.js'

const MiB = 1024 * 1024
const block = (mib: number) => new Array((mib * MiB) / 8).fill(1)

test('GCs during a test that free 8 MiB of earlier garbage: the reading is corrected and says by how much it may be high', () => {
  const gc = getGc()
  gc()
  let garbage: number[] | undefined = block(8)
  expect(garbage.length).toBeGreaterThan(0)
  garbage = undefined
  // The baseline holds those 8 MiB (and whatever external garbage the worker had); the settle
  // measured at most 10 MiB of earlier garbage above its floor, young or old, and 2 MiB external.
  const stats = v8.getHeapStatistics() as v8.HeapInfo & { external_memory: number }
  const reading = new ActiveReading({ heap: stats.used_heap_size, external: stats.external_memory }, 0, { heap: 10 * MiB, young: 10 * MiB, external: 2 * MiB })
  const kept = block(3)
  gc()
  const result = reading.stop()
  expect(kept.length).toBe((3 * MiB) / 8)
  expect(result.majorGcs).toBeGreaterThanOrEqual(1)
  // Uncorrected, the readings after the GC are 8 MiB low: the end reading would be 3 - 8 MiB.
  // Corrected, within the accuracy promise (max(5%, 1 MiB)) below: what is added back is capped by
  // the 10 MiB gap, and the same GC also frees the worker's own garbage (2.89 MiB read once on
  // Node 24, where the test runner's garbage beyond the cap was freed too).
  for (const peak of [result.heapPeakBytes, result.peakBytes]) {
    expect(peak / MiB).toBeGreaterThan(2)
    expect(peak / MiB).toBeLessThan(3.5)
  }
  // What was added back: the 8 MiB of garbage, and the external garbage those GCs released.
  expect(result.uncertaintyBytes / MiB).toBeGreaterThan(7.5)
  expect(result.uncertaintyBytes / MiB).toBeLessThanOrEqual(12)
})

test('no GC during a test: no correction, no uncertainty', () => {
  const meter = new MemoryMeter()
  meter.settle({ full: true })
  const reading = meter.start(0)
  const small = new Array(1000).fill(1)
  const result = reading.stop()
  expect(small).toHaveLength(1000)
  expect(result.majorGcs).toBe(0)
  expect(result.uncertaintyBytes).toBe(0)
  expect(result.peakBytes).toBeLessThan(256 * 1024)
})

/** Tests that leave `mib` MiB of old-generation garbage each (promoted, then dropped), as json300's do. */
function leavePromotedGarbage(mib: number, keep?: number[][]): void {
  const gc = getGc()
  const held = [block(mib)]
  // Two scavenges promote it to the old generation, where only a full GC frees it.
  gc({ type: 'minor' })
  gc({ type: 'minor' })
  if (keep) keep.push(...held)
  held.length = 0
}

/** Runs `count` tests through the meter, each doing `body`; returns after which ones a full GC ran. */
function runTests(meter: MemoryMeter, count: number, body: () => void, precise = false): boolean[] {
  const fullGcs: boolean[] = []
  for (let i = 0; i < count; i++) {
    const reading = meter.start(meter.settle({ precise }))
    body()
    meter.observe(reading.stop())
    meter.settle({ precise })
    fullGcs.push(meter.lastLevel.exact)
  }
  return fullGcs
}

test('keeper GCs that find only garbage wait for more growth each time; one that finds memory kept makes the next test measured on its own', () => {
  const meter = new MemoryMeter()
  meter.settle({ full: true })
  // 12 tests of 2 MiB promoted garbage each: the old rule ran a full GC after every one (12).
  const garbage = runTests(meter, 12, () => leavePromotedGarbage(2))
  expect(garbage[0]).toBe(true)
  expect(garbage.filter(Boolean).length).toBeLessThanOrEqual(4)
  // A test keeps 3 MiB: a full GC measures it when the growth reaches the budget (with the garbage
  // of the tests after it, if it has not yet).
  const kept: number[][] = []
  runTests(meter, 1, () => leavePromotedGarbage(3, kept))
  const untilMeasured = runTests(meter, 20, () => leavePromotedGarbage(2))
  expect(untilMeasured).toContain(true)
  const measuredAt = untilMeasured.indexOf(true)
  // ...and the budget is back at 1 MiB: the next test that grows the heap gets a full GC at once.
  if (measuredAt < untilMeasured.length - 1) expect(untilMeasured[measuredAt + 1]).toBe(true)
  expect(kept[0]!.length).toBe((3 * MiB) / 8)
})

test('precise: a full GC after every test that grew the heap by 1 MiB, as before', () => {
  const meter = new MemoryMeter()
  meter.settle({ full: true, precise: true })
  expect(runTests(meter, 6, () => leavePromotedGarbage(2), true)).toEqual([true, true, true, true, true, true])
})
