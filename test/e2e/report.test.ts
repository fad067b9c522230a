/** The end-of-run report: content, ordering, top-N, stacks, hiding, JSON, and off-by-default. */
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'

/** Six tests with clearly ordered peaks (1..6 x 4 MiB), in two files, one in a describe block. */
const sixTests = {
  'src/grow.ts': `export function grow(mib: number): number[] {
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
`,
  'a.test.ts': `import { describe, expect, test } from 'vitest'
import { grow } from './src/grow'
describe('suite', () => {
  for (const n of [1, 3, 5]) test('keeps ' + n * 4 + ' MiB', () => { expect(grow(n * 4).length).toBeGreaterThan(0) })
})
`,
  'b.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/grow'
for (const n of [2, 4, 6]) test('keeps ' + n * 4 + ' MiB', () => { expect(grow(n * 4).length).toBeGreaterThan(0) })
`,
}

const headings = (output: string) => [...output.matchAll(/^Allocation results for (.+) at the high watermark/gm)].map((m) => m[1])

describe(`report (${matrix.name})`, () => {
  test('off by default: no measuring, no report, limits just run the body', async () => {
    const run = await runFixture({
      'vitest.config.ts': config(),
      'a.test.ts': `import { test, expect } from 'vitest'
import { limitMemory } from 'heapmark'
test('over a tiny limit, but heapmark is off', limitMemory('1 B', () => { expect(new Array(1e6).fill(0).length).toBe(1e6) }))
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).not.toContain('heapmark')
    expect(run.output).not.toContain('Allocation results')
  })

  test('HEAPMARK=1: top 5 by peak, largest first, with file > suite > test names', async () => {
    const run = await runFixture({ 'vitest.config.ts': config(), ...sixTests }, ['run', '--reporter=default'], { env: { HEAPMARK: '1' } })
    expect(run.exitCode, run.output).toBe(0)
    expect(headings(run.output)).toEqual([
      'b.test.ts > keeps 24 MiB',
      'a.test.ts > suite > keeps 20 MiB',
      'b.test.ts > keeps 16 MiB',
      'a.test.ts > suite > keeps 12 MiB',
      'b.test.ts > keeps 8 MiB',
    ])
    expect(run.output).toContain('heapmark: memory report (6 tests measured; top 5 by peak)')
    // Vitest's own reporter is still there, and ours comes after its summary.
    expect(run.output.indexOf('Tests  6 passed')).toBeGreaterThan(-1)
    expect(run.output.indexOf('Tests  6 passed')).toBeLessThan(run.output.indexOf('heapmark: memory report'))
    const block = run.output.slice(run.output.indexOf('Allocation results for b.test.ts > keeps 24 MiB'))
    expect(block).toMatch(/Peak memory: 2[34]\.\d MiB/)
    expect(block).toMatch(/Total allocated: 2[34]\.\d MiB/)
    expect(block).toMatch(/Allocations: ~\d/)
    expect(block).toContain('Histogram of allocation sizes:')
    // The allocating function, mapped back to the TypeScript source line.
    expect(block).toMatch(/- grow at src\/grow\.ts:1 -> 2[34]\.\d MiB/)
    expect(run.output).toMatch(/heapmark totals: 6 tests measured, largest peak 2[34]\.\d MiB/)
  })

  test('--most-allocations 0 shows all, --stacks 2 shows callers, --json writes the report', async () => {
    const run = await runFixture({ 'vitest.config.ts': config(), ...sixTests }, ['run', '--most-allocations', '0', '--stacks', '2', '--json', 'out/report.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    expect(run.exitCode, run.output).toBe(0)
    expect(headings(run.output)).toHaveLength(6)
    expect(run.output).toMatch(/- grow at src\/grow\.ts:1 -> .*\n\s+called from \(anonymous\) at [ab]\.test\.ts:\d+/)
    const report = readReport(run, 'out/report.json')
    expect(report.version).toBe(1)
    expect(report.runner).toEqual({ name: 'vitest', version: expect.stringMatching(new RegExp(`^${matrix.vitestMajor}\\.`)) })
    expect(report.tests.map((t) => t.name)).toEqual(headings(run.output))
    const top = report.test('keeps 24 MiB')
    expect(top.peakBytes / MiB).toBeGreaterThan(23)
    expect(top.peakBytes / MiB).toBeLessThan(25.5)
    expect(top.file).toBe('b.test.ts')
    expect(top.state).toBe('passed')
    expect(top.sites[0]!.frames[0]).toMatchObject({ functionName: 'grow', file: 'src/grow.ts', line: 1, kind: 'user' })
    expect(top.sites[0]!.frames).toHaveLength(2)
    expect(top.histogram.length).toBeGreaterThan(0)
    expect(report.totals.tests).toBe(6)
    expect(report.totals.peakBytes).toBe(top.peakBytes)
  })

  test('hideSummary hides the report; precedence is CLI > env > config', async () => {
    const files = { 'vitest.config.ts': config("{ enabled: true, hideSummary: true, mostAllocations: 1 }"), ...sixTests }
    const hidden = await runFixture(files, ['run', '--reporter=default'])
    expect(hidden.exitCode, hidden.output).toBe(0)
    expect(hidden.output).not.toContain('Allocation results')
    // env beats config
    const envShown = await runFixture(files, ['run', '--reporter=default'], { env: { HEAPMARK_HIDE_SUMMARY: '0', HEAPMARK_MOST_ALLOCATIONS: '2' } })
    expect(headings(envShown.output)).toHaveLength(2)
    // CLI beats env
    const cliShown = await runFixture(files, ['run', '--most-allocations', '3', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark', env: { HEAPMARK_HIDE_SUMMARY: '0', HEAPMARK_MOST_ALLOCATIONS: '2' } })
    expect(headings(cliShown.output)).toHaveLength(3)
  })

  test('bad run-level options stop the run before any test, naming the bad value', async () => {
    const badConfig = await runFixture({ 'vitest.config.ts': config("{ stack: 3 } as any"), ...sixTests }, ['run', '--reporter=default'])
    expect(badConfig.exitCode).not.toBe(0)
    expect(badConfig.output).toContain('Unknown heapmark option "stack". Did you mean "stacks"?')
    expect(badConfig.output).not.toContain('keeps 24 MiB')
    const badEnv = await runFixture({ 'vitest.config.ts': config(), ...sixTests }, ['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_STACKS: 'lots' } })
    expect(badEnv.exitCode).not.toBe(0)
    expect(badEnv.output).toContain('HEAPMARK_STACKS')
    expect(badEnv.output).toContain('"lots"')
    const badFlag = await runFixture({ 'vitest.config.ts': config(), ...sixTests }, ['run', '--stacks', '0', '--', 'vitest', 'run'], { command: 'heapmark' })
    expect(badFlag.exitCode).toBe(1)
    expect(badFlag.output).toMatch(/--stacks.*"0"|"0".*stacks/)
  })

  test('files of small tests skip reading allocation sites (a forced GC) and say so', async () => {
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
      'small.test.ts': `import { expect, test } from 'vitest'\ntest('tiny', () => { expect([1, 2, 3].map(String)).toHaveLength(3) })\n`,
      'mixed.test.ts': `import { expect, test } from 'vitest'
test('tiny too', () => { expect(1).toBe(1) })
test('big', () => { expect(new Array(2 * 1024 * 1024 / 8).fill(0).length).toBeGreaterThan(0) })
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    const report = readReport(run)
    expect(report.test('small.test.ts > tiny')).toMatchObject({ sampled: false, notSampled: 'below-threshold', allocationCount: 0, sites: [] })
    expect(report.test('mixed.test.ts > tiny too').sampled).toBe(true)
    expect(report.test('big').sampled).toBe(true)
    expect(report.test('big').sites.length).toBeGreaterThan(0)
    expect(run.output).toContain('Allocations: not sampled: no test in its file peaked at 1 MiB or allocated 4 MiB (reading sites costs a full GC)')
  })

  test('sites are read for the tests the summary can show: a file of smaller tests skips the read and says why', async () => {
    // One file at a time, in name order, so the big file has ended before the small one does.
    const testOptions = `{ fileParallelism: false, sequence: { sequencer: class {
      async shard(files: any[]) { return files }
      async sort(files: any[]) { return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId)) }
    } as any } }`
    const files = (mostAllocations: number) => ({
      'vitest.config.ts': config(`{ enabled: true, json: 'report.json', mostAllocations: ${mostAllocations} }`, testOptions),
      'src/grow.ts': sixTests['src/grow.ts'],
      '1-big.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/grow'
for (const n of [8, 10, 12]) test('big ' + n, () => { expect(grow(n).length).toBeGreaterThan(0) })
`,
      // Worth reading on its own (2 MiB), but smaller than the three the summary shows by then.
      '2-mid.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/grow'
test('mid 2', () => { expect(grow(2).length).toBeGreaterThan(0) })
`,
      // Bigger than the smallest shown peak when it ends: read, and shown.
      '3-bigger.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/grow'
test('bigger 16', () => { expect(grow(16).length).toBeGreaterThan(0) })
`,
    })
    const run = await runFixture(files(3), ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    expect(headings(run.output)).toEqual(['3-bigger.test.ts > bigger 16', '1-big.test.ts > big 12', '1-big.test.ts > big 10'])
    const report = readReport(run)
    for (const name of ['bigger 16', 'big 12', 'big 10', 'big 8']) {
      expect(report.test(name).sampled, name).toBe(true)
      expect(report.test(name).sites[0]!.frames[0], name).toMatchObject({ functionName: 'grow', file: 'src/grow.ts' })
    }
    expect(report.test('mid 2')).toMatchObject({ sampled: false, notSampled: 'not-shown', sites: [] })
    // Every shown test has its allocating function in the text.
    expect(run.output.match(/- grow at src\/grow\.ts:1 ->/g)).toHaveLength(3)

    // mostAllocations 0 shows every test, so every file worth reading is read, as before.
    const all = await runFixture(files(0), ['run', '--reporter=default'])
    expect(all.exitCode, all.output).toBe(0)
    expect(readReport(all).test('mid 2').sampled).toBe(true)
    expect(readReport(all).test('mid 2').sites[0]!.frames[0]).toMatchObject({ functionName: 'grow', file: 'src/grow.ts' })
    // Every test is shown then, so a skipped read would print its reason in the text.
    expect(all.output).not.toContain('peaked as high as the tests the summary shows')
  })

  test('heapmark run says so when the config lacks the plugin', async () => {
    const run = await runFixture({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config'\nexport default defineConfig({})\n`,
      'a.test.ts': `import { test } from 'vitest'\ntest('t', () => {})\n`,
    }, ['run', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain("did not load heapmark's plugin")
  })
})
