/**
 * The accuracy promise (README "What the peak means"): a test that keeps N MiB alive reports a
 * peak within max(5%, 1 MiB) of N, for arrays, objects, strings and Buffers from 1 to 200 MiB;
 * a test that allocates nothing reports well under 1 MiB.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'

describe(`peak accuracy (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('accuracy', ['run', '--reporter=default'], { timeoutMs: 180_000 })
  }, 200_000)

  test('the run passes and writes a report', () => {
    expect(run.exitCode, run.output).toBe(0)
    expect(readReport(run).tests).toHaveLength(17)
  })

  for (const form of ['array', 'objects', 'string', 'buffer']) {
    for (const mib of [1, 10, 50, 200]) {
      test(`${form} keeping ${mib} MiB alive reads ${mib} MiB ± max(5%, 1 MiB)`, () => {
        const peak = readReport(run).test(`${form} ${mib}`).peakBytes / MiB
        const tolerance = Math.max(0.05 * mib, 1)
        expect(peak).toBeGreaterThanOrEqual(mib - tolerance)
        expect(peak).toBeLessThanOrEqual(mib + tolerance)
      })
    }
  }

  test('buffers count as external memory, arrays as JS heap', () => {
    const report = readReport(run)
    expect(report.test('buffer 50').externalPeakBytes / MiB).toBeGreaterThan(49)
    expect(report.test('array 50').heapPeakBytes / MiB).toBeGreaterThan(49)
  })

  test('a test that allocates nothing reads well under 1 MiB', () => {
    expect(readReport(run).test('allocates nothing').peakBytes).toBeLessThan(256 * 1024)
  })

  test('total allocated is at least the data kept', () => {
    const total = readReport(run).test('objects 50').totalBytes / MiB
    expect(total).toBeGreaterThanOrEqual(47.5)
    expect(total).toBeLessThan(80)
  })
})
