/** --fail-on-increase and the history file, through real Vitest runs in one fixture folder. */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, mibPattern, readReport } from '../helpers/report.js'

const HISTORY = 'node_modules/.cache/heapmark/history.json'

const files = {
  'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
  // Sizes come from the environment so consecutive runs of the same files can differ.
  'grow.test.ts': `import { expect, test } from 'vitest'
const growMiB = Number(process.env.GROW_MIB ?? 8)
const build = (mib: number) => new Array(Math.round((mib * 1024 * 1024) / 8)).fill(0)
test('grows', () => { expect(build(growMiB).length).toBeGreaterThan(0) })
test('steady', () => { expect(build(4).length).toBeGreaterThan(0) })
test('fails on request', () => { expect(process.env.FAIL_IT).toBeUndefined() })
`,
}

function readHistory(run: FixtureRun, file = HISTORY): Record<string, { peakBytes: number; recordedAt: string }> {
  const data = run.readJson(file)
  expect(data.heapmarkHistory).toBe(1)
  return data.tests
}

const env = (extra: Record<string, string> = {}) => ({ env: { HEAPMARK_FAIL_ON_INCREASE: '1', ...extra } })

describe(`history and --fail-on-increase (${matrix.name})`, () => {
  test('first run records, growth past the tolerance fails naming both peaks, failed tests keep their old baseline', async () => {
    // A plain run (no --fail-on-increase) already records, so the first checked run has a baseline.
    const first = await runFixture(files, ['run', '--reporter=default'], { env: { FAIL_IT: '1' } })
    expect(first.exitCode, first.output).toBe(1) // 'fails on request' only
    const recorded = readHistory(first)
    expect(Object.keys(recorded).sort()).toEqual(['grow.test.ts > grows', 'grow.test.ts > steady'])
    expect(recorded['grow.test.ts > grows']!.peakBytes).toBeGreaterThan(7.5 * MiB)
    expect(recorded['grow.test.ts > grows']!.peakBytes).toBeLessThan(9 * MiB)

    // Within the 1 MiB floor: passes, and the check says what it compared.
    const within = await first.rerun(['run', '--reporter=default'], env({ GROW_MIB: '8.5' }))
    expect(within.exitCode, within.output).toBe(0)
    expect(within.output).toMatch(/heapmark: fail-on-increase compared 2 tests with their last passing run; 1 test had no history yet and was recorded \(history: .*history\.json\)/)
    expect(readReport(within).test('grows').increase).toMatchObject({ exceeded: false })

    const grown = await first.rerun(['run', '--reporter=default'], env({ GROW_MIB: '16' }))
    expect(grown.exitCode, grown.output).toBe(1)
    expect(grown.output).toMatch(/Tests\s+1 failed \| 2 passed/)
    expect(grown.output).toMatch(
      new RegExp(`MemoryIncreaseError: Peak memory grew from ${mibPattern(8)} MiB in the last run where this test passed \\(\\d{4}-\\d\\d-\\d\\dT[^)]+\\) to ${mibPattern(16)} MiB \\(\\+\\d+%\\); --fail-on-increase allows \\+1\\.0 MiB \\(tolerance 10%, never under 1\\.0 MiB\\)`),
    )
    expect(grown.output).toMatch(/History: .*node_modules\/\.cache\/heapmark\/history\.json/)
    const report = readReport(grown)
    expect(report.totals.increaseFailures).toBe(1)
    expect(report.test('grows')).toMatchObject({ state: 'failed', increase: { exceeded: true } })
    expect(report.test('grows').previousPeakBytes).toBeLessThan(9 * MiB)
    expect(grown.output).toMatch(new RegExp(`Peak increase: \\+\\d+\\.\\d MiB since the last passing run \\(${mibPattern(8)} MiB\\): EXCEEDED the allowed \\+1\\.0 MiB`))
    // The failed test did not move its baseline; the passing one was re-recorded by this run.
    const after = readHistory(grown)
    expect(after['grow.test.ts > grows']!.peakBytes).toBeLessThan(9 * MiB)
    expect(after['grow.test.ts > steady']!.recordedAt).toBe(report.createdAt)

    // A wider tolerance accepts the growth, and that passing run becomes the new baseline.
    const tolerated = await first.rerun(['run', '--reporter=default'], env({ GROW_MIB: '16', HEAPMARK_INCREASE_TOLERANCE: '150%' }))
    expect(tolerated.exitCode, tolerated.output).toBe(0)
    expect(readHistory(tolerated)['grow.test.ts > grows']!.peakBytes).toBeGreaterThan(15 * MiB)
  })

  test('a corrupt or foreign history file is reported, counts as no history and is set aside', async () => {
    const run = await runFixture(files, ['run', '--reporter=default'])
    const historyFile = join(run.dir, HISTORY)
    writeFileSync(historyFile, '{"heapmarkHistory": 1, "tests": {"grow.test.ts > grows": ')
    const corrupt = await run.rerun(['run', '--reporter=default'], env({ GROW_MIB: '32' }))
    expect(corrupt.exitCode, corrupt.output).toBe(0)
    expect(corrupt.output).toMatch(/heapmark: the history file .*history\.json is not valid JSON \(.+\)\. It counts as no history; this run's results replace it \(the old file is kept as .*history\.json\.unreadable\)/)
    expect(readFileSync(`${historyFile}.unreadable`, 'utf8')).toContain('"tests": {"grow.test.ts > grows": ')
    expect(readHistory(corrupt)['grow.test.ts > grows']!.peakBytes).toBeGreaterThan(30 * MiB)

    writeFileSync(historyFile, JSON.stringify({ heapmarkHistory: 99, tests: {} }))
    const foreign = await run.rerun(['run', '--reporter=default'], env())
    expect(foreign.exitCode, foreign.output).toBe(0)
    expect(foreign.output).toMatch(/the history file .* has format version 99; this heapmark reads version 1/)
  })

  test('the CLI flags, a custom history path, and bad values stop the run before any test', async () => {
    const viaCli = await runFixture(files, ['run', '--fail-on-increase', '--history-path', 'ci/memory-history.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    expect(viaCli.exitCode, viaCli.output).toBe(0)
    expect(Object.keys(readHistory(viaCli, 'ci/memory-history.json'))).toHaveLength(3)
    expect(viaCli.exists(HISTORY)).toBe(false)

    const badTolerance = await viaCli.rerun(['run', '--reporter=default'], env({ HEAPMARK_INCREASE_TOLERANCE: 'a bit' }))
    expect(badTolerance.exitCode).not.toBe(0)
    expect(badTolerance.output).toContain('Invalid value "a bit" for environment variable HEAPMARK_INCREASE_TOLERANCE: expected a share of the old peak like "10%", or a size like "2 MB"')
    expect(badTolerance.output).not.toMatch(/Tests\s+\d/)

    mkdirSync(join(viaCli.dir, 'a-directory'))
    const historyIsDir = await viaCli.rerun(['run', '--reporter=default'], env({ HEAPMARK_HISTORY: 'a-directory' }))
    expect(historyIsDir.exitCode).not.toBe(0)
    expect(historyIsDir.output).toMatch(/Cannot write the history file \(historyPath\) to ".*a-directory": it is a directory; give a file path/)
    expect(historyIsDir.output).not.toMatch(/Tests\s+\d/)

    const jsonIsDir = await viaCli.rerun(['run', '--reporter=default'], { env: { HEAPMARK_JSON: 'a-directory' } })
    expect(jsonIsDir.exitCode).not.toBe(0)
    expect(jsonIsDir.output).toMatch(/Cannot write the JSON report \(json\) to ".*a-directory": it is a directory; give a file path/)
    expect(jsonIsDir.output).not.toMatch(/Tests\s+\d/)
  })
})
