/**
 * Tests placed between boundary markers of one real sampling session (V8's sampler in this worker):
 * a test that starts right after another one ended, with nothing run in between, opens its window
 * at that test's end marker (one marker per boundary, not two); a gap that allocated starts the next
 * test on a marker of its own, so what ran in the gap is nobody's.
 */
import { afterEach, expect, test } from 'vitest'
import v8 from 'node:v8'
import { GapAttribution, QUIET_GAP_INTERVALS } from '../../../../src/core/attribution/gap-attribution.js'
import { HeapSampler } from '../../../../src/core/attribution/heap-sampler.js'
import type { Attribution, AttributionSettings } from '../../../../src/core/attribution/attribution.js'
import { createFrameResolver } from '../../../../src/core/attribution/frames.js'
import { createSampleDecoder } from '../../../../src/core/attribution/sample-size.js'
import { createOwnAllocationCheck } from '../../../../src/core/attribution/survivors.js'
import type { MemoryReading } from '../../../../src/core/measure/active-reading.js'

const INTERVAL = 16 * 1024
const MiB = 1024 * 1024
/** Where allocations are kept, so V8 cannot optimise them away. */
const sink: unknown[] = []

// Distinct function names: the sites say which one allocated.
function allocateInFirst() { sink.push(new Array((2 * MiB) / 8).fill(1)) }
function allocateInSecond() { sink.push(new Array((2 * MiB) / 8).fill(2)) }
function allocateInThird() { sink.push(new Array((2 * MiB) / 8).fill(3)) }
function allocateBetweenTests() { for (let i = 0; i < 16; i++) sink.push(new Array(MiB / 16 / 8).fill(4)) }

/** A reading big enough to make the profile worth reading (the values are not what is tested here). */
const reading = {
  peakBytes: 2 * MiB, heapPeakBytes: 2 * MiB, externalPeakBytes: 0, heapAllocatedBytes: 2 * MiB, externalAllocatedBytes: 0,
  livePeakBytes: 2 * MiB, livePeakKind: 'estimate', gcs: 0, majorGcs: 0, uncertaintyBytes: 0,
} satisfies MemoryReading

let sampler: HeapSampler | undefined
afterEach(() => {
  sampler?.dispose()
  sink.length = 0
})

function setUp() {
  sampler = new HeapSampler(INTERVAL)
  const settings: AttributionSettings = {
    interval: INTERVAL,
    depth: 1,
    resolveFrame: createFrameResolver({ rootDir: process.cwd() }),
    decode: createSampleDecoder(INTERVAL),
    isOwnAllocation: createOwnAllocationCheck(),
  }
  const running: string[] = []
  const attribution = new GapAttribution(sampler, settings, 10, false, () => [...running])
  const run = (key: string, body: () => void, measured: MemoryReading = reading) => {
    attribution.begin(key)
    running.push(key)
    body()
    running.splice(running.indexOf(key), 1)
    attribution.end(key, measured)
  }
  const markers = () => attribution.takeMarkerGarbage() / sampler!.markerBytes
  return { attribution, run, markers, running }
}

const siteNames = (attribution: Attribution | undefined) => (attribution?.sites ?? []).map((site) => site.frames[0]!.functionName)

test('tests that follow each other with nothing in between share one marker per boundary, and keep their own samples', () => {
  const { attribution, run, markers } = setUp()
  run('first', allocateInFirst)
  run('second', allocateInSecond)
  run('third', allocateInThird)
  // Two for the first test (start, end), then one per test: each starts on the previous end. A GC
  // between two tests (none is expected: nothing allocates there) would add the start marker back.
  const made = markers()
  expect(made).toBeGreaterThanOrEqual(4)
  expect(made).toBeLessThanOrEqual(5) // two markers per test would be 6
  attribution.collect()
  const results = attribution.takeFinishedAttributions()
  expect(siteNames(results.get('first'))).toContain('allocateInFirst')
  expect(siteNames(results.get('second'))).toContain('allocateInSecond')
  expect(siteNames(results.get('third'))).toContain('allocateInThird')
  expect(siteNames(results.get('first'))).not.toContain('allocateInSecond')
  expect(siteNames(results.get('second'))).not.toContain('allocateInFirst')
  expect(siteNames(results.get('second'))).not.toContain('allocateInThird')
  expect(siteNames(results.get('third'))).not.toContain('allocateInSecond')
  for (const key of ['first', 'second', 'third']) expect(results.get(key)?.incomplete).toBeUndefined()
})

test(`a gap that allocated more than ${QUIET_GAP_INTERVALS} sampling intervals gets a start marker, and its allocations count for no test`, () => {
  const { attribution, run, markers } = setUp()
  run('first', allocateInFirst)
  // 1 MiB between the tests (in 64 KiB arrays): about 64 samples, none of them the tests'.
  allocateBetweenTests()
  run('second', allocateInSecond)
  expect(markers()).toBe(4)
  attribution.collect()
  const results = attribution.takeFinishedAttributions()
  expect(siteNames(results.get('first'))).toContain('allocateInFirst')
  expect(siteNames(results.get('second'))).toContain('allocateInSecond')
  for (const key of ['first', 'second']) expect(siteNames(results.get(key))).not.toContain('allocateBetweenTests')
})

test('after a file, V8\'s sampler pauses without a GC; a limited test, or a test of a file worth reading, resumes it', () => {
  const { attribution, run, running } = setUp()
  const small = { ...reading, peakBytes: 1024, heapPeakBytes: 1024, heapAllocatedBytes: 1024 }
  run('small', () => undefined, small)
  expect(attribution.collectIfWorthwhile(false)).toBe(false)
  const profiler = new v8.GCProfiler()
  profiler.start()
  attribution.fileEnded()
  const gcs = profiler.stop()!.statistics
  expect(sampler!.paused).toBe(true)
  expect(gcs.filter((gc) => gc.gcType === 'MarkSweepCompact')).toEqual([])
  // Unmarked: a test of the next file is not sampled...
  run('unmarked', allocateInFirst)
  expect(sampler!.paused).toBe(true)
  // ...unless it has a limit, whose failure message shows its sites.
  attribution.begin('limited')
  running.push('limited')
  attribution.ensureSampled('limited')
  expect(sampler!.paused).toBe(false)
  allocateInSecond()
  running.pop()
  attribution.end('limited', reading)
  attribution.collect()
  const limited = attribution.takeAttribution('limited')
  expect(siteNames(limited)).toContain('allocateInSecond')
  expect(attribution.takeAttribution('unmarked')).toBeUndefined()
  // A file with a test worth reading marks the next one: the sampler runs from its first test on.
  attribution.fileEnded()
  expect(sampler!.paused).toBe(true)
  run('next file', allocateInThird)
  expect(sampler!.paused).toBe(false)
  attribution.collect()
  expect(siteNames(attribution.takeAttribution('next file'))).toContain('allocateInThird')
})

test('V8\'s sampler runs only from the first test on: a worker\'s start-up and imports cost no samples', () => {
  const { attribution, run } = setUp()
  expect(sampler!.paused).toBe(true)
  run('first', allocateInFirst)
  expect(sampler!.paused).toBe(false)
  attribution.collect()
  expect(siteNames(attribution.takeAttribution('first'))).toContain('allocateInFirst')
})
