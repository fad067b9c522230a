/**
 * Memory reports in CI, through real runs: Vitest shards merged with --merge-reports, the
 * GitHub step summary, JUnit properties, and `heapmark compare` / `heapmark merge` on real reports.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import { MiB, mibPattern, promiseSlackMiB, readReport } from '../helpers/report.js'

const testFile = (index: number, mib: number) => `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
const scale = Number(process.env.SCALE ?? 1)
const build = (mib: number) => new Array(Math.round((mib * scale * 1024 * 1024) / 8)).fill(0)
test('allocates ${mib} MiB', () => { expect(build(${mib}).length).toBeGreaterThan(0) })
test('small ${index}', () => { expect([1, 2, 3].map((n) => n * 2)).toHaveLength(3) })
${index === 2 ? "test('over its limit', limitMemory('4 MB', () => { expect(build(12).length).toBeGreaterThan(0) }))\n" : ''}`

const files: Record<string, string> = { 'vitest.config.ts': config('', "{ include: ['tests/**/*.test.ts'] }") }
for (let index = 1; index <= 6; index++) files[`tests/file${index}.test.ts`] = testFile(index, index * 2)

const names = (file: string, run: { readJson(rel: string): any }) => (run.readJson(file).tests as Array<{ name: string }>).map((t) => t.name).sort()

/** One "GREW" row of `heapmark compare`'s text: "11.8 MiB ->   18.1 MiB  +6.3 MiB (+54%)  GREW  name". */
function compareRow(line: string) {
  const match = /^\s*([\d.]+) MiB -> +([\d.]+) MiB +\+([\d.]+) MiB \(\+(\d+)%\) +GREW +(.+?)\s*$/.exec(line)
  if (!match) throw new Error(`not a growth row of heapmark compare: ${JSON.stringify(line)}`)
  const [before, after, change, percent] = match.slice(1, 5).map(Number) as [number, number, number, number]
  return { before, after, change, percent, name: match[5]! }
}

/**
 * Each printed reading within the accuracy promise of what the test allocated; the change and its
 * share as the two readings give them, give or take the one-decimal rounding of what is printed.
 */
function expectGrowth(row: ReturnType<typeof compareRow>, beforeMiB: number, afterMiB: number) {
  expect(Math.abs(row.before - beforeMiB), JSON.stringify(row)).toBeLessThanOrEqual(promiseSlackMiB(beforeMiB))
  expect(Math.abs(row.after - afterMiB), JSON.stringify(row)).toBeLessThanOrEqual(promiseSlackMiB(afterMiB))
  expect(Math.abs(row.change - (row.after - row.before)), JSON.stringify(row)).toBeLessThanOrEqual(0.1 + 1e-9)
  expect(Math.abs(row.percent - (100 * row.change) / row.before), JSON.stringify(row)).toBeLessThanOrEqual(2)
}

describe(`CI: shards, summaries, compare (${matrix.name})`, () => {
  test('three blob shards merged with --merge-reports give one report over the same tests as a single run', async () => {
    const single = await runFixture(files, ['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_JSON: 'single.json' } })
    expect(single.exitCode, single.output).toBe(1) // the one test over its limit
    for (const shard of [1, 2, 3]) {
      const run = await single.rerun(['run', `--shard=${shard}/3`, '--reporter=blob'], { env: { HEAPMARK: '1', HEAPMARK_JSON: `shard${shard}.json` } })
      expect([0, 1], run.output).toContain(run.exitCode)
    }
    const merged = await single.rerun(['run', '--merge-reports', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_JSON: 'merged.json', HEAPMARK_MOST_ALLOCATIONS: '3' } })
    expect(merged.exitCode, merged.output).toBe(1)
    expect(merged.output).toMatch(/heapmark: memory report \(13 tests measured; top 3 by peak/)
    expect(merged.output).toContain('MemoryLimitError: Test was limited to 4.0 MiB (4 MB)')
    expect(names('merged.json', merged)).toEqual(names('single.json', merged))
    const report = readReport(merged, 'merged.json')
    expect(report.totals.limitFailures).toBe(1)
    const singleReport = readReport(merged, 'single.json')
    for (const mib of [2, 8, 12]) {
      const peak = report.test(`allocates ${mib} MiB`).peakBytes
      // Held to the accuracy promise, max(5%, 1 MiB): "allocates 2 MiB" read 1.79 MiB once on Node 24.
      expect(peak).toBeGreaterThanOrEqual((mib - promiseSlackMiB(mib)) * MiB)
      expect(Math.abs(peak - singleReport.test(`allocates ${mib} MiB`).peakBytes)).toBeLessThan(Math.max(0.05 * mib * MiB, MiB))
    }
    // Attribution travels in the blobs too (module meta).
    expect(report.test('allocates 12 MiB').sites[0]?.frames[0]).toMatchObject({ functionName: 'build', file: 'tests/file6.test.ts' })

    // For runners without a merge of their own: heapmark merge of the shards' JSON reports.
    const cliMerge = await merged.rerun(['merge', 'shard1.json', 'shard2.json', 'shard3.json', '-o', 'cli-merged.json', '--quiet'], { command: 'heapmark' })
    expect(cliMerge.exitCode, cliMerge.output).toBe(0)
    expect(cliMerge.output).toContain('heapmark merge: 13 tests from 3 reports written to cli-merged.json')
    expect(names('cli-merged.json', cliMerge)).toEqual(names('single.json', cliMerge))
    expect(cliMerge.readJson('cli-merged.json').totals.limitFailures).toBe(1)
  })

  test('GITHUB_STEP_SUMMARY gets a Markdown summary, JUnit gets peaks as properties', async () => {
    const first = await runFixture(files, ['run', '--reporter=default', '--reporter=junit', '--outputFile.junit=junit.xml'], {
      env: { HEAPMARK: '1', GITHUB_STEP_SUMMARY: 'summary.md' },
    })
    expect(first.exitCode, first.output).toBe(1)
    const xml = readFileSync(join(first.dir, 'junit.xml'), 'utf8')
    const testcase = xml.slice(xml.indexOf('name="allocates 12 MiB"'))
    const peak = Number(/<property name="heapmark\.peakBytes" value="(\d+)">/.exec(testcase.slice(0, testcase.indexOf('</testcase>')))?.[1])
    expect(peak).toBeGreaterThanOrEqual((12 - promiseSlackMiB(12)) * MiB)
    expect(peak).toBeLessThanOrEqual((12 + promiseSlackMiB(12)) * MiB)
    expect(xml).toMatch(/<property name="heapmark\.limit" value="4 MB \(exceeded\)">/)
    // Only with JUnit on: the default reporter's output stays free of heapmark annotations.
    const plain = await first.rerun(['run', '--reporter=verbose'], { env: { HEAPMARK: '1', SCALE: '2', GITHUB_STEP_SUMMARY: 'summary.md' } })
    expect(plain.output).not.toContain('heapmark.peakBytes')

    const summary = readFileSync(join(first.dir, 'summary.md'), 'utf8')
    const [firstSummary, secondSummary] = summary.split('### heapmark memory report').slice(1)
    const twelve = mibPattern(12)
    expect(firstSummary).toMatch(new RegExp(`13 tests measured · largest peak \\*\\*${twelve} MiB\\*\\*`))
    expect(firstSummary).toMatch(new RegExp(`\\| tests/file6\\.test\\.ts > allocates 12 MiB \\| ${twelve} MiB \\| ${twelve} MiB \\| build \\(tests/file6\\.test\\.ts:4\\) \\|`))
    expect(firstSummary).toMatch(new RegExp(`#### Over their memory limit\n\n\\| Test \\| Limit \\| Peak \\|\n\\|---\\|--:\\|--:\\|\n\\| tests/file2\\.test\\.ts > over its limit \\| 4 MB \\| ${twelve} MiB \\|`))
    expect(firstSummary).not.toContain('Biggest increases')
    // The second run doubled every allocation: its summary lists the growth over the history. The
    // growth is the difference of two readings, each within the accuracy promise: 12.1 and 24.1 MiB
    // showed "+11.9 MiB" once (unrounded 12.06 and 24.00), so 11.x passes as well as 12.x.
    expect(secondSummary).toMatch(
      new RegExp(`#### Biggest increases since the last passing run[\\s\\S]*\\| tests/file6\\.test\\.ts > allocates 12 MiB \\| ${twelve} MiB \\| ${mibPattern(24)} MiB \\| \\+1[0-4]\\.\\d MiB \\|`),
    )
  })

  test('heapmark compare: growth sorted first, exit 1 past the threshold, 0 within it, clear errors', async () => {
    const before = await runFixture(files, ['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_JSON: 'before.json' } })
    const after = await before.rerun(['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_JSON: 'after.json', SCALE: '1.5' } })
    expect(after.readJson('after.json').tests).toHaveLength(13)

    const grew = await before.rerun(['compare', 'before.json', 'after.json'], { command: 'heapmark' })
    expect(grew.exitCode, grew.output).toBe(1)
    expect(grew.output).toContain('heapmark compare: 13 tests in both, 0 new, 0 gone (threshold 10%, at least 1.0 MiB)')
    const lines = grew.output.split('\n').filter((line) => / -> /.test(line))
    const rows = [compareRow(lines[0]!), compareRow(lines.find((line) => line.includes('allocates 6 MiB')) ?? '')]
    // Largest growth first: 12 MiB (test and over-limit test) became 18 MiB. Each reading is held to
    // the accuracy promise, and the change and its share to what the two printed readings give
    // (11.8 -> 18.1 MiB printed +6.3 MiB, +54%, once on Node 24).
    expect(['tests/file6.test.ts > allocates 12 MiB', 'tests/file2.test.ts > over its limit']).toContain(rows[0]!.name)
    expectGrowth(rows[0]!, 12, 18)
    expect(rows[1]!.name).toBe('tests/file3.test.ts > allocates 6 MiB')
    expectGrowth(rows[1]!, 6, 9)
    // Tiny tests' changes stay under the 1 MiB floor whatever their share.
    expect(grew.output).not.toMatch(/KiB .*GREW/)
    expect(grew.output).toMatch(/\d+ test\(s\) grew past the threshold\./)

    const tolerated = await before.rerun(['compare', 'before.json', 'after.json', '--threshold', '60%', '--json'], { command: 'heapmark' })
    expect(tolerated.exitCode, tolerated.output).toBe(0)
    const json = JSON.parse(tolerated.stdout)
    expect(json).toMatchObject({ threshold: '60%', grewCount: 0, added: [], removed: [] })
    expect(json.changed[0].change).toBeGreaterThan(5 * MiB)

    const missing = await before.rerun(['compare', 'before.json', 'nope.json'], { command: 'heapmark' })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('heapmark compare: Cannot read the JSON report "nope.json": no such file')
    const notReport = await before.rerun(['compare', 'before.json', 'package.json'], { command: 'heapmark' })
    expect(notReport.exitCode).toBe(1)
    expect(notReport.stderr).toContain('"package.json" is not a heapmark JSON report (written with --json)')
    const badThreshold = await before.rerun(['compare', 'before.json', 'after.json', '--threshold', 'lots'], { command: 'heapmark' })
    expect(badThreshold.exitCode).toBe(1)
    expect(badThreshold.stderr).toContain('Invalid --threshold "lots": expected a share of the old peak like "10%", or a size like "2 MB"')
    const oneFile = await before.rerun(['compare', 'before.json'], { command: 'heapmark' })
    expect(oneFile.exitCode).toBe(2)
    expect(oneFile.stderr).toContain('expected two JSON reports (old, then new), got 1')
  })
})
