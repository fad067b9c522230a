/**
 * The live peak beside the used peak (docs/measuring.md "Live peak"): by default a lower bound read
 * after GCs during the test; with livePeak on (a 1 MiB young generation in the workers) an estimate
 * within max(5%, 1 MiB) on the accuracy shapes and two churn cases, in the forks and threads pools.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'

const SHAPES = ['array', 'objects', 'string', 'buffer']

function figures(run: FixtureRun): string {
  return readReport(run).tests.map((t) => `${t.name}: peak ${(t.peakBytes / MiB).toFixed(2)} live ${((t.livePeakBytes ?? NaN) / MiB).toFixed(2)} ${t.livePeakKind}`).join('\n')
}

describe(`live peak, default mode (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('live-peak', ['run', '--reporter=default'], { timeoutMs: 180_000 })
    console.log(figures(run))
  }, 200_000)

  test('the run passes', () => {
    expect(run.exitCode, run.output).toBe(0)
  })
})

for (const pool of ['forks', 'threads']) {
  describe(`live peak, precise mode, ${pool} pool (${matrix.name})`, () => {
    let run: FixtureRun
    beforeAll(async () => {
      run = await runFixture('live-peak', ['run', '--reporter=default', `--pool=${pool}`], { timeoutMs: 180_000, env: { HEAPMARK_LIVE_PEAK: '1' } })
      console.log(figures(run))
    }, 200_000)

    test('the run passes', () => {
      expect(run.exitCode, run.output).toBe(0)
    })
  })
}
