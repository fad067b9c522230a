/**
 * The two doors into V8's sampling heap profiler (heap-sampler.ts), on a real sampler in this
 * worker: through the inspector every read runs a mark-compact first; through Node 26's
 * v8.startHeapProfile a read of heapmark's normal session (which keeps garbage) runs none, and
 * boundaries, samples and survivor-only sessions work the same. The native door's tests run where
 * Node has it (the Node 26 leg); the inspector's everywhere (forced with HEAPMARK_SAMPLER).
 */
import { afterEach, expect, test } from 'vitest'
import v8 from 'node:v8'
import { HeapSampler } from '../../../../src/core/attribution/heap-sampler.js'

const INTERVAL = 16 * 1024
const MiB = 1024 * 1024
const hasNativeDoor = typeof (v8 as { startHeapProfile?: unknown }).startHeapProfile === 'function'
/** Where allocations are kept, so V8 cannot optimise them away. */
const sink: unknown[] = []

function allocateKept() { sink.push(new Array(MiB / 8).fill(1)) }
function allocateGarbage() { for (let i = 0; i < 64; i++) new Array(MiB / 64 / 8).fill(2) }

let sampler: HeapSampler | undefined
afterEach(() => {
  sampler?.dispose()
  sampler = undefined
  sink.length = 0
  delete process.env.HEAPMARK_SAMPLER
})

/** The GC types V8 ran during `fn`. */
function gcsDuring(fn: () => void): string[] {
  const profiler = new v8.GCProfiler()
  profiler.start()
  fn()
  return (profiler.stop()?.statistics ?? []).map((gc) => gc.gcType)
}

/** Bytes sampled in functions of this name (the profile's samples keep garbage in normal sessions). */
function sampledIn(samples: ReadonlyArray<{ size: number; node: { callFrame: { functionName: string } } }>, name: string): number {
  return samples.filter((sample) => sample.node.callFrame.functionName === name).reduce((sum, sample) => sum + sample.size, 0)
}

function readsBetweenBoundaries(): void {
  sampler!.mark()
  allocateKept()
  allocateGarbage()
  sampler!.mark()
  let collected: ReturnType<HeapSampler['collect']> | undefined
  const gcs = gcsDuring(() => (collected = sampler!.collect()))
  expect(collected!.confirmedBoundaries).toBe(2)
  // Both functions sampled in the gap between the two markers: garbage is counted too.
  const inGap = collected!.samples.filter((sample) => sample.gap === 1)
  expect(sampledIn(inGap, 'allocateKept')).toBeGreaterThan(0)
  expect(sampledIn(inGap, 'allocateGarbage')).toBeGreaterThan(0)
  expect(gcs.includes('MarkSweepCompact')).toBe(sampler!.readForcesGc)
}

test.skipIf(!hasNativeDoor)("Node's own door: reading the normal session runs no GC, and boundaries and garbage are still read", () => {
  sampler = new HeapSampler(INTERVAL)
  expect(sampler.readForcesGc).toBe(false)
  readsBetweenBoundaries()
})

test('the inspector door: every read runs a mark-compact first', () => {
  process.env.HEAPMARK_SAMPLER = 'inspector'
  sampler = new HeapSampler(INTERVAL)
  expect(sampler.readForcesGc).toBe(true)
  readsBetweenBoundaries()
})

test.each([['native', hasNativeDoor], ['inspector', true]] as const)('%s door: a live session keeps only survivors, paused sampling reads nothing', (door, available) => {
  if (!available) return
  if (door === 'inspector') process.env.HEAPMARK_SAMPLER = 'inspector'
  sampler = new HeapSampler(INTERVAL)
  sampler.stop()
  sampler.startLiveSession(INTERVAL)
  allocateKept()
  allocateGarbage()
  const live = sampler.endLiveSession()
  expect(live.interval).toBe(INTERVAL)
  expect(sampledIn(live.samples, 'allocateKept')).toBeGreaterThan(0)
  expect(sampledIn(live.samples, 'allocateGarbage')).toBe(0)
  // endLiveSession went back to a normal session; a pause drops it without a read.
  sampler.pause()
  expect(sampler.paused).toBe(true)
  allocateGarbage()
  expect(sampler.collect().samples).toEqual([])
  sampler.resume()
  expect(sampler.paused).toBe(false)
})
