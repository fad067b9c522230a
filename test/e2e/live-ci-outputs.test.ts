/**
 * The live peak in the CI outputs that compare runs (issue 17): `heapmark compare --measure live`
 * on real reports, the GitHub step summary's increases following `increaseMeasure`, and the
 * --fail-on-increase verdict in JUnit properties. Real Vitest runs of the churn shapes of
 * live-verdicts.test.ts, whose tolerances hold here: precise mode reads the churn holding 8 MiB as
 * 8.05-8.20 MiB, so holding 12 MiB instead grows it by ~4 MiB, far past the 1 MiB floor; the
 * churn keeping ~0.05 MiB moves by well under it. Default mode reads lower bounds (>= 8.05 MiB)
 * and used peaks of ~16 MiB, while precise mode's used peaks shrink to a few MiB.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB } from '../helpers/report.js'

const CHURN = `import { test } from 'vitest'
const MiB = 1024 * 1024
const holdMiB = Number(process.env.HOLD_MIB ?? 8)
function churn() { const ring = new Array(1000); for (let i = 0; i < (200 * MiB) / 40; i++) ring[i % 1000] = { a: i, b: i }; return ring.length }
test('churn keeping little', () => { if (churn() !== 1000) throw new Error('ring') })
test('churn holding', () => { const held = new Array((holdMiB * MiB) / 8).fill(0); if (churn() !== 1000 || held.length === 0) throw new Error('held') })
`
const HOLDING = 'churn.test.ts > churn holding'
const LITTLE = 'churn.test.ts > churn keeping little'
const VITEST_ARGS = ['run', '--reporter=default', '--reporter=junit', '--outputFile.junit=junit.xml']

/** One test case's heapmark properties in the run's junit.xml. */
function junitProperties(run: FixtureRun, testName: string): Record<string, string> {
  const xml = readFileSync(join(run.dir, 'junit.xml'), 'utf8')
  const start = xml.indexOf(`name="${testName}"`)
  expect(start, xml).toBeGreaterThan(-1)
  const testcase = xml.slice(start, xml.indexOf('</testcase>', start))
  const unescape = (value: string) => value.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  return Object.fromEntries([...testcase.matchAll(/<property name="(heapmark\.[^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescape(m[2]!)]))
}

describe(`live peaks in compare, the step summary and JUnit (${matrix.name})`, () => {
  test('precise runs compare live peaks; bounds and other young generations are listed as not compared, never judged; bad --measure is refused', async () => {
    const files = { 'vitest.config.ts': config(), 'churn.test.ts': CHURN }
    const live = { HEAPMARK: '1', HEAPMARK_FAIL_ON_INCREASE: '1', HEAPMARK_INCREASE_MEASURE: 'live', GITHUB_STEP_SUMMARY: 'summary.md' }
    // 1. Precise mode (increaseMeasure live turns it on): the baseline.
    const first = await runFixture(files, VITEST_ARGS, { env: { ...live, HEAPMARK_JSON: 'precise.json' }, timeoutMs: 120_000 })
    expect(first.exitCode, first.output).toBe(0)
    expect(first.readJson('precise.json').tests.map((t: { livePeakKind: string }) => t.livePeakKind)).toEqual(['estimate', 'estimate'])
    // No history yet: no verdict, so no increase properties (the peaks are there).
    expect(Object.keys(junitProperties(first, 'churn holding'))).toEqual(expect.arrayContaining(['heapmark.peakBytes', 'heapmark.livePeakKind']))
    expect(Object.keys(junitProperties(first, 'churn holding')).filter((name) => name.startsWith('heapmark.increase'))).toEqual([])

    // 2. The held array grows to 12 MiB: the live verdict fails it, and every output says so.
    const grown = await first.rerun(VITEST_ARGS, { env: { ...live, HEAPMARK_JSON: 'grown.json', HOLD_MIB: '12' } })
    expect(grown.exitCode, grown.output).toBe(1)
    const holding = junitProperties(grown, 'churn holding')
    expect(holding).toMatchObject({ 'heapmark.increaseVerdict': 'exceeded', 'heapmark.increaseMeasure': 'live', 'heapmark.increaseAllowedBytes': String(MiB), 'heapmark.livePeakKind': 'estimate' })
    expect(holding['heapmark.increase']).toMatch(/^\+[34]\.\d MiB since the last passing run \(8\.\d MiB\): EXCEEDED the allowed \+1\.0 MiB$/)
    expect(Math.abs(Number(holding['heapmark.increasePreviousBytes']) / MiB - 8)).toBeLessThanOrEqual(1)
    expect(junitProperties(grown, 'churn keeping little')).toMatchObject({ 'heapmark.increaseVerdict': 'ok', 'heapmark.increaseMeasure': 'live' })
    expect(junitProperties(grown, 'churn keeping little')).not.toHaveProperty('heapmark.increaseNotJudged')
    const grownSummary = readFileSync(join(grown.dir, 'summary.md'), 'utf8').split('### heapmark memory report')[2]!
    expect(grownSummary).toMatch(/#### Biggest live peak increases since the last passing run\n\n\| Test \| Before \| Now \| Change \|\n\|---\|--:\|--:\|--:\|\n\| churn\.test\.ts > churn holding \| 8\.\d MiB \| 1[12]\.\d MiB \| \+[34]\.\d MiB ❌ \|/)
    expect(grownSummary).not.toContain('not compared')

    // 3. heapmark compare --measure live on the two precise reports: the same growth, exit 1.
    const compared = await first.rerun(['compare', 'precise.json', 'grown.json', '--measure', 'live'], { command: 'heapmark' })
    expect(compared.exitCode, compared.output).toBe(1)
    expect(compared.stdout).toContain('heapmark compare: 2 tests in both, 0 new, 0 gone (live peaks, threshold 10%, at least 1.0 MiB)')
    expect(compared.stdout).toMatch(/Live peak changes, largest growth first:\n +8\.\d MiB -> +1[12]\.\d MiB +\+[34]\.\d MiB \(\+\d+%\) +GREW +churn\.test\.ts > churn holding/)
    expect(compared.stdout).toContain('1 test(s) grew past the threshold.')
    expect(compared.stdout).not.toContain('Not compared')
    const comparedJson = JSON.parse((await first.rerun(['compare', 'precise.json', 'grown.json', '--measure', 'live', '--json'], { command: 'heapmark' })).stdout)
    expect(comparedJson).toMatchObject({ measure: 'live', grewCount: 1, notJudged: [] })
    expect(comparedJson.changed[0]).toMatchObject({ name: HOLDING, beforeKind: 'estimate', afterKind: 'estimate', grew: true })

    // 4. Default mode, used peaks judged: its used peaks (~16 MiB of young garbage) are not compared
    //    with precise mode's (a 1 MiB young generation), in the verdict, JUnit and the summary.
    const plain = await first.rerun(VITEST_ARGS, { env: { HEAPMARK: '1', HEAPMARK_FAIL_ON_INCREASE: '1', GITHUB_STEP_SUMMARY: 'summary.md', HEAPMARK_JSON: 'default.json' } })
    expect(plain.exitCode, plain.output).toBe(0)
    expect(junitProperties(plain, 'churn holding')).toMatchObject({
      'heapmark.increaseVerdict': 'not-judged', 'heapmark.increaseMeasure': 'used', 'heapmark.increaseNotJudged': 'young-generation-changed', 'heapmark.livePeakKind': 'lower-bound',
    })
    expect(junitProperties(plain, 'churn holding')['heapmark.increase']).toMatch(/^not judged \(its last passing peak was measured with livePeak on and this one without/)
    const plainSummary = readFileSync(join(plain.dir, 'summary.md'), 'utf8').split('### heapmark memory report')[3]!
    // The heading, no table (nothing was compared), and why.
    expect(plainSummary).toContain('#### Biggest increases since the last passing run\n\n_2 tests with history not compared: their last passing peak was measured with livePeak on and this one without, or the reverse (different young generations)._')

    // 5. compare, precise against default: live lower bounds are shown as such and not compared;
    //    used peaks of different young generations neither. Nothing "grew": exit 0.
    const bounds = await first.rerun(['compare', 'precise.json', 'default.json', '--measure', 'live'], { command: 'heapmark' })
    expect(bounds.exitCode, bounds.output).toBe(0)
    expect(bounds.stdout).toContain('Not compared (live peaks are compared only when both are precise: run both with --live-peak; ≥ a lower bound, ? not known, - not in the report):')
    expect(bounds.stdout).toMatch(/ +8\.\d MiB -> +≥ 8\.\d MiB +\(new: a lower bound\) +churn\.test\.ts > churn holding/)
    expect(bounds.stdout).toContain('No test grew past the threshold.')
    expect(bounds.stdout).toContain('2 test(s) in both reports not compared (see above).')
    const used = await first.rerun(['compare', 'precise.json', 'default.json', '--json'], { command: 'heapmark' })
    expect(used.exitCode, used.output).toBe(0)
    const usedJson = JSON.parse(used.stdout)
    expect(usedJson).toMatchObject({ measure: 'used', grewCount: 0, changed: [] })
    const usedHolding = usedJson.notJudged.find((row: { name: string }) => row.name === HOLDING)
    // The used peak tripled or more, all of it young garbage: exactly what must not read as growth.
    expect(usedHolding).toMatchObject({ notJudged: 'young-generation-changed', grew: false })
    expect(usedHolding.after).toBeGreaterThan(usedHolding.before + 4 * MiB)
    expect(usedJson.notJudged.map((row: { name: string }) => row.name).sort()).toEqual([HOLDING, LITTLE])
    // Default against default: lower bounds on both sides are still not compared.
    const bothBounds = JSON.parse((await first.rerun(['compare', 'default.json', 'default.json', '--measure', 'live', '--json'], { command: 'heapmark' })).stdout)
    expect(bothBounds.changed).toEqual([])
    expect(bothBounds.notJudged.find((row: { name: string }) => row.name === HOLDING)).toMatchObject({ beforeKind: 'lower-bound', afterKind: 'lower-bound', notJudged: 'live-not-precise' })

    // 6. Bad input: an unknown measure, before any report is read.
    const bad = await first.rerun(['compare', 'precise.json', 'grown.json', '--measure', 'alive'], { command: 'heapmark' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('heapmark compare: Invalid --measure "alive": expected one of used, live')
    const missingValue = await first.rerun(['compare', 'precise.json', 'grown.json', '--measure'], { command: 'heapmark' })
    expect(missingValue.exitCode).toBe(2)
    expect(missingValue.stderr).toContain("Option '--measure <value>' argument missing")
  }, 600_000)
})
