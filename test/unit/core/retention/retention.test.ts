/**
 * Retained memory from the levels the memory meter settles on (retention.ts): a full GC after a
 * window of several tests measures the last one from its own start level (a lower bound) and says
 * what the window kept together.
 */
import { expect, test } from 'vitest'
import { RetentionTracker } from '../../../../src/core/retention/retention.js'

const MiB = 1024 * 1024

function run(levels: Array<{ bytes: number; exact: boolean }>): RetentionTracker {
  const tracker = new RetentionTracker()
  levels.forEach((level, i) => {
    tracker.observe(level)
    tracker.started(`t${i + 1}`, level)
    tracker.ended(`t${i + 1}`)
  })
  return tracker
}

test('a full GC after each test measures each test on its own, exactly', () => {
  const tracker = run([{ bytes: 10 * MiB, exact: true }, { bytes: 10 * MiB, exact: true }])
  tracker.observe({ bytes: 15 * MiB, exact: true })
  expect(tracker.takeFile().tests).toEqual({ t1: { retainedBytes: 0, exact: true }, t2: { retainedBytes: 5 * MiB, exact: true } })
})

test('a window of tests that left garbage: the last is measured from its start (a lower bound) and the window together', () => {
  // t1 and t2 each left 2 MiB of garbage (no full GC after them); t3 kept 5 MiB.
  const tracker = run([{ bytes: 10 * MiB, exact: true }, { bytes: 12 * MiB, exact: false }, { bytes: 14 * MiB, exact: false }])
  tracker.observe({ bytes: 15 * MiB, exact: true })
  const { tests, timeline } = tracker.takeFile()
  expect(tests).toEqual({ t3: { retainedBytes: 1 * MiB, exact: false, window: { tests: 3, retainedBytes: 5 * MiB } } })
  expect(timeline.map((point) => point.exact)).toEqual([true, false, false, true])
})

test("a file's first window without an exact start has no window figure", () => {
  const tracker = run([{ bytes: 12 * MiB, exact: false }, { bytes: 12 * MiB, exact: false }])
  tracker.observe({ bytes: 13 * MiB, exact: true })
  expect(tracker.takeFile().tests).toEqual({ t2: { retainedBytes: 1 * MiB, exact: false } })
})
