/**
 * The baseline trap, detected and corrected (docs/measuring.md): a test starts on a heap holding
 * earlier garbage, and a full GC during the test frees it. Real V8, in this worker: the full GC is
 * a real mark-compact, as the GCProfiler reports it.
 */
import { expect, test } from 'vitest'
import v8 from 'node:v8'
import { ActiveReading, MemoryMeter } from '../../../../src/core/measure/memory-meter.js'
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
