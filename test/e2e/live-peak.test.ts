/**
 * The live peak beside the used peak (docs/measuring.md "Live peak"). By default a lower bound read
 * after GCs during the test; with livePeak on (a 1 MiB young generation in the workers) an estimate
 * within max(5%, 1 MiB) on the accuracy shapes and two churn cases, in the forks and threads pools.
 * Limits judge the live figure with `measure: 'live'`, with the same verdicts run after run.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, mibPattern, readReport } from '../helpers/report.js'
import { jestConfig, runJestFixture } from '../helpers/run-jest-fixture.js'

const PRECISE = { HEAPMARK_LIVE_PEAK: '1' }

describe(`live peak, default mode (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture('live-peak', ['run', '--reporter=default'], { timeoutMs: 180_000 })
  }, 200_000)

  test('every test has a live peak in the JSON, never above its used peak', () => {
    expect(run.exitCode, run.output).toBe(0)
    const report = readReport(run)
    expect(report.tests).toHaveLength(15)
    for (const test of report.tests) {
      expect(['lower-bound', 'unknown'], test.name).toContain(test.livePeakKind)
      expect(test.livePeakBytes, test.name).toBeLessThanOrEqual(test.peakBytes)
    }
  })

  test('churn keeping under 0.1 MiB: the used peak is young garbage, the bound stays under 0.5 MiB', () => {
    const churn = readReport(run).test('churn keeping under 0.1 MiB')
    expect(churn.peakBytes / MiB).toBeGreaterThan(1) // V8's young generation, however large it has grown
    expect(churn.livePeakKind).toBe('lower-bound')
    expect(churn.livePeakBytes! / MiB).toBeLessThan(0.5)
  })

  test('churn holding 8 MiB: at least 8 MiB live (within 1 MiB), while the used peak reads more', () => {
    const holding = readReport(run).test('churn holding 8 MiB')
    expect(holding.livePeakKind).toBe('lower-bound')
    expect(holding.livePeakBytes! / MiB).toBeGreaterThanOrEqual(7.9)
    expect(holding.livePeakBytes! / MiB).toBeLessThan(9)
    expect(holding.peakBytes).toBeGreaterThan(holding.livePeakBytes!)
  })

  test('a lower bound never exceeds the truth on the accuracy shapes', () => {
    const report = readReport(run)
    for (const form of ['array', 'objects', 'string', 'buffer']) {
      for (const mib of [1, 10, 50]) {
        const test = report.test(`${form} ${mib}`)
        if (test.livePeakKind === 'lower-bound') expect(test.livePeakBytes! / MiB, test.name).toBeLessThanOrEqual(mib + Math.max(0.05 * mib, 1))
      }
    }
  })

  test('the text report shows the live peak beside the peak', () => {
    // The same figure as the JSON test above (at least 7.9 MiB for the 8 MiB held), as printed.
    expect(run.output).toMatch(/Live peak: at least (7\.9|8\.\d) MiB \(found reachable by GCs during the test; the rest of the peak may be garbage not yet collected\)/)
    // Tests that saw no GC get no line (their JSON says "unknown"): the test that only allocates 3 MiB.
    expect(run.output).not.toContain('Live peak: not known')
  })
})

for (const pool of ['forks', 'threads']) {
  describe(`live peak, precise mode, ${pool} pool (${matrix.name})`, () => {
    let churn: FixtureRun
    let accuracy: FixtureRun
    beforeAll(async () => {
      churn = await runFixture('live-peak', ['run', '--reporter=default', `--pool=${pool}`, 'test/churn.test.ts'], { timeoutMs: 120_000, env: PRECISE })
      accuracy = await runFixture('accuracy', ['run', '--reporter=default', `--pool=${pool}`], { timeoutMs: 180_000, env: PRECISE })
    }, 320_000)

    // Node 24 sometimes lets new space fill to 2-7 MiB while a test builds 50 MiB+ of small objects,
    // even with the flag (seen in both pools; Node 20 keeps it at 1 MiB): those tests must come out
    // as lower bounds with the warning, never as estimates (docs/measuring.md).
    const fallbackAllowed = matrix.vitestMajor === 5

    test('both runs pass; the warning that the young generation is not small only where expected', () => {
      expect(churn.exitCode, churn.output).toBe(0)
      expect(accuracy.exitCode, accuracy.output).toBe(0)
      expect(churn.output).not.toContain('young generation is not limited')
      const fellBack = readReport(accuracy).tests.filter((test) => test.livePeakKind !== 'estimate')
      if (!fallbackAllowed) expect(accuracy.output).not.toContain('young generation is not limited')
      if (fellBack.length > 0) {
        expect(fallbackAllowed, fellBack.map((test) => test.name).join(', ')).toBe(true)
        expect(accuracy.output.split('young generation is not limited')).toHaveLength(2) // said once
        for (const test of fellBack) expect(test.livePeakKind).toBe('lower-bound')
      }
    })

    test('churn keeping under 0.1 MiB reads <= 1 MiB', () => {
      const test = readReport(churn).test('churn keeping under 0.1 MiB')
      expect(test.livePeakKind).toBe('estimate')
      expect(test.livePeakBytes! / MiB).toBeLessThanOrEqual(1)
    })

    test('churn holding 8 MiB reads 8 ± 1 MiB', () => {
      const test = readReport(churn).test('churn holding 8 MiB')
      expect(test.livePeakKind).toBe('estimate')
      expect(Math.abs(test.livePeakBytes! / MiB - 8)).toBeLessThanOrEqual(1)
    })

    test('the accuracy shapes read N ± max(5%, 1 MiB), an empty test under 1 MiB', () => {
      const report = readReport(accuracy)
      for (const form of ['array', 'objects', 'string', 'buffer']) {
        for (const mib of [1, 10, 50, 200]) {
          const test = report.test(`${form} ${mib}`)
          if (fallbackAllowed && test.livePeakKind === 'lower-bound') continue // checked above
          expect(test.livePeakKind, test.name).toBe('estimate')
          expect(Math.abs(test.livePeakBytes! / MiB - mib), test.name).toBeLessThanOrEqual(Math.max(0.05 * mib, 1))
        }
      }
      expect(report.test('allocates nothing').livePeakBytes! / MiB).toBeLessThan(1)
    })
  })
}

describe(`limits judging the live peak (${matrix.name})`, () => {
  const files = {
    'vitest.config.ts': config(`{ enabled: true, json: 'report.json', hideSummary: true }`),
    'limits.test.ts': `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
const MiB = 1024 * 1024
function churn() { const ring = new Array(1000); for (let i = 0; i < (200 * MiB) / 40; i++) ring[i % 1000] = { a: i, b: i }; return ring.length }
test('churn, used peak limited', limitMemory('1 MB', () => { expect(churn()).toBe(1000) }))
test('churn, live peak limited', limitMemory('1 MB', () => { expect(churn()).toBe(1000) }, { measure: 'live' }))
test('churn holding 8 MiB, live peak limited', limitMemory('4 MB', () => { const held = new Array(MiB).fill(0); expect(churn()).toBe(1000); expect(held.length).toBe(MiB) }, { measure: 'live' }))
test('no GC, live peak limited', limitMemory('2 MB', () => { expect(new Array((3 * MiB) / 8).fill(0).length).toBeGreaterThan(0) }, { measure: 'live' }))
`,
  }
  const failedOf = (run: FixtureRun): string[] => readReport(run).tests.filter((test) => test.limit?.exceeded).map((test) => test.name).sort()

  test('the same verdicts in three runs: live-limited churn passes, holding 8 MiB and the used-peak limit fail', async () => {
    const first = await runFixture(files, ['run', '--reporter=default'], { timeoutMs: 120_000 })
    const runs = [first, await first.rerun(['run', '--reporter=default']), await first.rerun(['run', '--reporter=default'])]
    for (const run of runs) {
      expect(run.exitCode, run.output).toBe(1)
      expect(failedOf(run)).toEqual(['limits.test.ts > churn holding 8 MiB, live peak limited', 'limits.test.ts > churn, used peak limited', 'limits.test.ts > no GC, live peak limited'])
      const live = readReport(run).test('churn holding 8 MiB, live peak limited')
      expect(live.limit).toMatchObject({ measure: 'live', exceeded: true })
    }
    // Readings within the accuracy promise, max(5%, 1 MiB): the test holding 8 MiB, and the one
    // keeping a 3 MiB array judged on its used peak (chai's assertion state may add a few dozen
    // KiB, young garbage a few hundred: Node 24 read 2.8 MiB once and 3.4 MiB once).
    expect(first.output).toMatch(new RegExp(`limited to 4\\.0 MiB \\(4 MB\\) but its live peak \\(at least; GCs during the test found that much reachable\\) was ${mibPattern(8)} MiB`))
    expect(first.output).toMatch(new RegExp(`but its live peak \\(not known: no GC ran during the test, so the used peak is judged\\) was ${mibPattern(3)} MiB`))
  }, 400_000)

  test('precise mode gives the same live verdicts (threads pool), and shrinks the used peak too', async () => {
    const run = await runFixture(files, ['run', '--reporter=default', '--pool=threads'], { timeoutMs: 120_000, env: PRECISE })
    expect(run.exitCode, run.output).toBe(1)
    // The 1 MiB young generation leaves the churn's used peak near 1 MiB, so the used-peak verdict
    // at 1 MB is a coin toss here: not compared.
    expect(failedOf(run).filter((name) => !name.endsWith('used peak limited'))).toEqual(['limits.test.ts > churn holding 8 MiB, live peak limited', 'limits.test.ts > no GC, live peak limited'])
    expect(readReport(run).test('churn, used peak limited').peakBytes / MiB).toBeLessThan(1.5)
    expect(run.output).toMatch(new RegExp(`limited to 4\\.0 MiB \\(4 MB\\) but its live peak was ${mibPattern(8)} MiB`))
  }, 200_000)
})

/** The churn cases as plain CommonJS tests (Jest, node:test), with `test` from `source`. */
function churnTests(source: string): string {
  return `${source}
const MiB = 1024 * 1024
function churn() { const ring = new Array(1000); for (let i = 0; i < (500 * MiB) / 40; i++) ring[i % 1000] = { a: i, b: i }; return ring.length }
test('churn keeping under 0.1 MiB', () => { if (churn() !== 1000) throw new Error('ring') })
test('churn holding 8 MiB', () => { const held = new Array(MiB).fill(0); if (churn() !== 1000 || held.length !== MiB) throw new Error('held') })
`
}

function expectChurnEstimates(run: FixtureRun): void {
  const report = readReport(run)
  const small = report.test('churn keeping under 0.1 MiB')
  const holding = report.test('churn holding 8 MiB')
  expect(small.livePeakKind, run.output).toBe('estimate')
  expect(small.livePeakBytes! / MiB).toBeLessThanOrEqual(1)
  expect(holding.livePeakKind).toBe('estimate')
  expect(Math.abs(holding.livePeakBytes! / MiB - 8)).toBeLessThanOrEqual(1)
}

describe(`live peak, precise mode through heapmark run (${matrix.name})`, () => {
  test('node:test: --live-peak gives every test process a small young generation', async () => {
    const run = await runFixture({ 'churn.test.cjs': churnTests("const { test } = require('node:test')") }, ['run', '--live-peak', '--json', 'report.json', '--', 'node', '--test', 'churn.test.cjs'], { command: 'heapmark', timeoutMs: 120_000 })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).not.toContain('young generation is not limited')
    expectChurnEstimates(run)
  }, 150_000)

  test('Jest: --live-peak does the same for its workers', async () => {
    const files = { 'jest.config.js': jestConfig("{ json: 'report.json' }", 'transform: {},'), 'churn.test.js': churnTests('') }
    const run = await runJestFixture(files, ['run', '--live-peak', '--', 'jest', '--maxWorkers=2'], { command: 'heapmark', timeoutMs: 120_000 })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).not.toContain('young generation is not limited')
    expectChurnEstimates(run)
  }, 150_000)

  test('Jest without heapmark run: the workers cannot be given the flag, so they say so once and report lower bounds', async () => {
    const files = { 'jest.config.js': jestConfig("{ json: 'report.json' }", 'transform: {},'), 'churn.test.js': churnTests('') }
    const run = await runJestFixture(files, ['--runInBand'], { env: { HEAPMARK: '1', HEAPMARK_LIVE_PEAK: '1' }, timeoutMs: 120_000 })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output.split('young generation is not limited')).toHaveLength(2)
    expect(readReport(run).test('churn holding 8 MiB').livePeakKind).toBe('lower-bound')
  }, 150_000)
})
