/**
 * Compatibility matrix (issue 6): heapmark ON next to the Vitest features users combine it with:
 * coverage (v8, istanbul), --logHeapUsage, other reporters, another plugin using configureVitest,
 * bail/retry/each/skip/todo/fails/timeouts, path aliases in a TypeScript project, and the vmForks
 * pool. Node flags are in compat-node-flags.test.ts, watch mode in compat-watch.test.ts.
 *
 * Every fixture run starts in beforeAll, a few at a time, and each test awaits its own run. Not
 * `describe.concurrent` + runFixture(): runFixture registers its folder's removal with
 * onTestFinished(), which in concurrent tests lands on whichever test is "current" — another
 * test's end then deletes a folder whose Vitest is still running (seen: ENOENT uv_cwd, "Cannot
 * find module a.test.ts"). Runs started in beforeAll keep their folders until global teardown.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'
import { fixtureBatch } from '../helpers/fixture-batch.js'


const heapmarkOn = config("{ enabled: true, json: 'report.json' }")

/** Three tests with known peaks: 8 MiB inline (line 3), 4 MiB through src/lib.ts (line 1), ~0. */
const basic = {
  'src/lib.ts': `export function grow(mib: number): number[] {
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
export function unused(): number { return 42 }
`,
  'a.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/lib'
test('keeps 8 MiB', () => { const a = new Array(8 * 1024 * 1024 / 8).fill(0); expect(a.length).toBe(1048576) })
test('grows 4 MiB', () => { expect(grow(4).length).toBe(524288) })
test('small', () => { expect(1).toBe(1) })
`,
}

const reportLines = (output: string) => output.split('\n').filter((line) => line.includes('heapmark: memory report'))

/** The heapmark report of `basic` is there exactly once, with the right peaks and sites. */
function expectBasicReport(run: FixtureRun): void {
  expect(reportLines(run.output), run.output).toEqual(['heapmark: memory report (3 tests measured; all shown, largest peak first)'])
  const report = readReport(run)
  expect(report.tests.map((t) => t.name)).toEqual(['a.test.ts > keeps 8 MiB', 'a.test.ts > grows 4 MiB', 'a.test.ts > small'])
  const big = report.test('keeps 8 MiB')
  expect(big.state).toBe('passed')
  expect(big.peakBytes / MiB).toBeGreaterThan(7.5)
  expect(big.peakBytes / MiB).toBeLessThan(9)
  expect(big.sites[0]?.frames[0]).toMatchObject({ file: 'a.test.ts', line: 3, kind: 'user' })
  const grows = report.test('grows 4 MiB')
  expect(grows.peakBytes / MiB).toBeGreaterThan(3.5)
  expect(grows.peakBytes / MiB).toBeLessThan(5)
  expect(grows.sites[0]?.frames[0]).toMatchObject({ functionName: 'grow', file: 'src/lib.ts', line: 1, kind: 'user' })
  expect(report.test('small').peakBytes).toBeLessThan(256 * 1024)
  expect(run.output).toMatch(/Allocation results for a\.test\.ts > keeps 8 MiB at the high watermark\n\s+Peak memory: [78]\.\d MiB/)
}

/** Tags balance and attributes are quoted: enough to catch a truncated or interleaved file. */
function expectWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml')).toBe(true)
  const stack: string[] = []
  for (const m of xml.matchAll(/<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m
    if (selfClosing) continue
    if (closing) expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name)
    else stack.push(name!)
  }
  expect(stack).toEqual([])
  // Every `<name` was matched by the pattern above (no malformed attributes slipped through).
  expect((xml.match(/<[A-Za-z_]/g) ?? []).length).toBe([...xml.matchAll(/<([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*\/?>/g)].length)
}

/** Another plugin that, like heapmark, adds to the config in configureVitest: a setup file and a reporter. */
const withOtherPlugin = (plugins: string) => ({
  'vitest.config.ts': `import { defineConfig, type Plugin } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
class OtherReporter {
  seen: string[] = []
  onTestCaseResult(test: any) { this.seen.push(test.name + ':' + test.result().state) }
  onTestRunEnd() {
    writeFileSync('other-reporter.json', JSON.stringify(this.seen))
    console.log('other-reporter: ' + this.seen.length + ' results')
  }
}
const other: Plugin = {
  name: 'other-plugin',
  configureVitest({ vitest, project }) {
    project.config.setupFiles = [...project.config.setupFiles, fileURLToPath(new URL('./other-setup.ts', import.meta.url))]
    ;(vitest.config.reporters as unknown[]).push(new OtherReporter())
  },
}
export default defineConfig({ plugins: [${plugins}] })
`,
  // 4 MiB kept by a setup file: not part of any test body, so no test's peak includes it.
  'other-setup.ts': `;(globalThis as any).otherSetup = new Array(4 * 1024 * 1024 / 8).fill(1)\n`,
  'a.test.ts': `import { expect, test } from 'vitest'
test('keeps 8 MiB', () => { expect((globalThis as any).otherSetup).toHaveLength(524288); expect(new Array(8 * 1024 * 1024 / 8).fill(0).length).toBe(1048576) })
test('small', () => { expect((globalThis as any).otherSetup).toBeDefined() })
`,
})

/** Retry, each, skip, todo, fails and a timeout in one file. */
const lifecycle = {
  'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
  'life.test.ts': `import { expect, test } from 'vitest'
const keep = (mib: number) => new Array(mib * 1024 * 1024 / 8).fill(0)
let attempts = 0
test('flaky: fails once, passes on retry', { retry: 2 }, () => {
  attempts++
  const data = keep(attempts === 1 ? 16 : 4)
  if (attempts === 1) throw new Error('first attempt fails on purpose')
  expect(data.length).toBe(4 * 131072)
})
test.each([2, 6])('each keeps %i MiB', (n) => { expect(keep(n).length).toBe(n * 131072) })
test.skip('skipped statically', () => { keep(8) })
test.todo('todo later')
test('skips itself at run time', (ctx) => { const a = keep(3); if (a.length > 0) ctx.skip() })
test.fails('expected to fail', () => { expect(keep(5).length).toBe(0) })
test('times out', async () => { const a = keep(7); await new Promise((r) => setTimeout(r, 2000)); a.length = 0 }, 300)
test('after the timeout', () => { expect(keep(8).length).toBe(8 * 131072) })
`,
}

/** a.test.ts is the larger file, so it runs first (Vitest runs unknown files largest first). */
const bail = {
  'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
  'a.test.ts': `import { expect, test } from 'vitest'
// This file runs first: Vitest orders files it has no timings for by size, largest first.
test('first keeps 8 MiB', () => { expect(new Array(8 * 1024 * 1024 / 8).fill(0).length).toBe(1048576) })
test('second fails', () => { expect(1).toBe(2) })
test('third is never run', () => { expect(1).toBe(1) })
`,
  'b.test.ts': `import { expect, test } from 'vitest'
test('b one', () => { expect(1).toBe(1) })
`,
}

/** A TypeScript project importing through `@lib` (resolve.alias, mirrored in tsconfig paths). */
const aliased = {
  'vitest.config.ts': `import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'
import { fileURLToPath } from 'node:url'
export default defineConfig({
  plugins: [heapmark({ enabled: true, json: 'report.json', stacks: 2 })],
  resolve: { alias: { '@lib': fileURLToPath(new URL('./lib', import.meta.url)) } },
})
`,
  'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, baseUrl: '.', paths: { '@lib/*': ['lib/*'] } } }, null, 2),
  // Types above the function: the TS line (5) differs from the line in the transformed JS.
  'lib/data/table.ts': `// A TypeScript module reached through the @lib alias.
export interface Row { id: number; label: string }
export type Table = Row[]

export function buildTable(rows: number): Table {
  const table: Table = []
  for (let i = 0; i < rows; i++) table.push({ id: i, label: 'row ' + i })
  return table
}
`,
  'test/table.test.ts': `import { expect, test } from 'vitest'
import { buildTable, type Table } from '@lib/data/table'

test('builds a table through the alias', () => {
  const t: Table = buildTable(100_000)
  expect(t).toHaveLength(100_000)
})
`,
}

const batch = fixtureBatch(3)
batch.add('coverage-v8', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=default', '--coverage', '--coverage.reporter=text'])
batch.add('coverage-istanbul', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=default', '--coverage', '--coverage.provider=istanbul', '--coverage.reporter=text'])
batch.add('logHeapUsage', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=verbose', '--logHeapUsage'])
batch.add('default+verbose', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=default', '--reporter=verbose'])
batch.add('json', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=json', '--outputFile=vitest.json'])
batch.add('junit', { 'vitest.config.ts': heapmarkOn, ...basic }, ['run', '--reporter=junit', '--outputFile=junit.xml'])
batch.add('plugin-before', withOtherPlugin(`other, heapmark({ enabled: true, json: 'report.json' })`), ['run', '--reporter=default'])
batch.add('plugin-after', withOtherPlugin(`heapmark({ enabled: true, json: 'report.json' }), other`), ['run', '--reporter=default'])
batch.add('lifecycle', lifecycle, ['run', '--reporter=verbose'])
batch.add('bail', bail, ['run', '--reporter=default', '--bail=1', '--no-file-parallelism'])
batch.add('alias', aliased, ['run', '--reporter=default'])
batch.add('vmForks', { 'vitest.config.ts': config("{ enabled: true, json: 'report.json' }", "{ pool: 'vmForks' }"), ...basic }, ['run', '--reporter=default'])

describe(`compat (${matrix.name})`, () => {
  beforeAll(() => batch.start(), 240_000)

  describe('coverage', () => {
    for (const provider of ['v8', 'istanbul']) {
      test(`--coverage with ${provider}: coverage summary and heapmark report with right peaks`, async () => {
        const run = await batch.get(`coverage-${provider}`)
        expect(run.exitCode, run.output).toBe(0)
        expect(run.output).toContain(`Coverage enabled with ${provider}`)
        expect(run.output).toContain(`% Coverage report from ${provider}`)
        // unused() on line 4 is the only uncovered line of src/lib.ts.
        expect(run.output).toMatch(/lib\.ts\s+\|\s+50\s+\|\s+100\s+\|\s+50\s+\|\s+50\s+\|\s+4\s/)
        expectBasicReport(run)
      })
    }
  })

  test('--logHeapUsage: Vitest\'s heap column and heapmark\'s report', async () => {
    const run = await batch.get('logHeapUsage')
    expect(run.exitCode, run.output).toBe(0)
    for (const name of ['keeps 8 MiB', 'grows 4 MiB', 'small']) {
      expect(run.output).toMatch(new RegExp(`✓ a\\.test\\.ts > ${name} \\d+ms \\d+ MB heap used`))
    }
    expectBasicReport(run)
  })

  describe('other reporters alongside', () => {
    test('--reporter=default --reporter=verbose: both print, heapmark prints once', async () => {
      const run = await batch.get('default+verbose')
      expect(run.exitCode, run.output).toBe(0)
      expect(run.output).toContain('✓ a.test.ts > keeps 8 MiB') // verbose's per-test line
      expect(run.output).toMatch(/Tests\s+3 passed \(3\)/)
      expectBasicReport(run)
    })

    test('--reporter=json --outputFile: a valid Vitest JSON file, heapmark prints once', async () => {
      const run = await batch.get('json')
      expect(run.exitCode, run.output).toBe(0)
      const vitestJson = run.readJson('vitest.json')
      expect(vitestJson).toMatchObject({ numTotalTests: 3, numPassedTests: 3, numFailedTests: 0, success: true })
      expect(vitestJson.testResults[0].assertionResults.map((r: { title: string }) => r.title)).toEqual(['keeps 8 MiB', 'grows 4 MiB', 'small'])
      expectBasicReport(run)
    })

    test('--reporter=junit --outputFile: a well-formed JUnit file, heapmark prints once', async () => {
      const run = await batch.get('junit')
      expect(run.exitCode, run.output).toBe(0)
      const xml = readFileSync(join(run.dir, 'junit.xml'), 'utf8')
      expectWellFormedXml(xml)
      expect(xml).toMatch(/<testsuites name="vitest tests" tests="3" failures="0" errors="0"/)
      expect(xml.match(/<testcase /g)).toHaveLength(3)
      // heapmark adds its figures as properties of each test case (docs/ci.md), nothing else.
      expect(xml.match(/<property name="heapmark\.peakBytes" value="\d+">/g)).toHaveLength(3)
      expect(xml).not.toContain('heapmark: ')
      expectBasicReport(run)
    })
  })

  for (const order of ['before', 'after']) {
    test(`another plugin adding a setup file and a reporter in configureVitest (${order} heapmark): both work`, async () => {
      const run = await batch.get(`plugin-${order}`)
      expect(run.exitCode, run.output).toBe(0) // the tests assert the setup file ran
      expect(run.output.match(/other-reporter: 2 results/g)).toHaveLength(1)
      expect(run.readJson('other-reporter.json')).toEqual(['keeps 8 MiB:passed', 'small:passed'])
      expect(reportLines(run.output)).toEqual(['heapmark: memory report (2 tests measured; all shown, largest peak first)'])
      const report = readReport(run)
      // The setup file's 4 MiB is not in any test body.
      expect(report.test('keeps 8 MiB').peakBytes / MiB).toBeGreaterThan(7.5)
      expect(report.test('keeps 8 MiB').peakBytes / MiB).toBeLessThan(9)
      expect(report.test('small').peakBytes).toBeLessThan(256 * 1024)
    })
  }

  describe('test lifecycle: retry, each, skip, todo, fails, timeout', () => {
    const lifecycleReport = async () => {
      const run = await batch.get('lifecycle')
      return { run, report: readReport(run) }
    }

    test('the run fails only for the timeout, and Vitest counts every kind of test', async () => {
      const { run } = await lifecycleReport()
      expect(run.exitCode, run.output).toBe(1)
      expect(run.output).toMatch(/Test timed out in 300ms/)
      expect(run.output).toMatch(/Tests\s+1 failed \| 4 passed \| 1 expected fail \| 2 skipped \| 1 todo \(9\)/)
    })

    test('tests that ran are measured; static skip and todo are not measured and not shown', async () => {
      const { run, report } = await lifecycleReport()
      expect(report.tests.map((t) => t.name.replace('life.test.ts > ', '')).sort()).toEqual([
        'after the timeout', 'each keeps 2 MiB', 'each keeps 6 MiB', 'expected to fail',
        'flaky: fails once, passes on retry', 'skips itself at run time', 'times out',
      ])
      expect(reportLines(run.output)).toEqual(['heapmark: memory report (7 tests measured; all shown, largest peak first)'])
      expect(run.output).not.toContain('Allocation results for life.test.ts > skipped statically')
      expect(run.output).not.toContain('Allocation results for life.test.ts > todo later')
    })

    test('each case, fails, a run-time skip and a timeout: right peaks and states', async () => {
      const { report } = await lifecycleReport()
      const expectPeak = (name: string, mib: number, state: string) => {
        const t = report.test(name)
        expect(t.state, name).toBe(state)
        expect(t.peakBytes / MiB, name).toBeGreaterThan(mib - 0.5)
        expect(t.peakBytes / MiB, name).toBeLessThan(mib + 1)
      }
      expectPeak('each keeps 2 MiB', 2, 'passed')
      expectPeak('each keeps 6 MiB', 6, 'passed')
      expectPeak('skips itself at run time', 3, 'skipped') // ran until ctx.skip(), so measured
      expectPeak('expected to fail', 5, 'passed') // test.fails: Vitest flips the failure to a pass
      expectPeak('times out', 7, 'failed')
      // The test after a timed-out one (whose body is still pending) is measured normally.
      expectPeak('after the timeout', 8, 'passed')
      expect(report.test('after the timeout').sites[0]?.frames[0]).toMatchObject({ functionName: 'keep', file: 'life.test.ts', line: 2 })
    })

    test('a test that failed once and passed on retry: state passed, numbers of the passing attempt', async () => {
      const { report } = await lifecycleReport()
      const flaky = report.test('flaky: fails once, passes on retry')
      expect(flaky.state).toBe('passed')
      expect(flaky.peakBytes / MiB).toBeGreaterThan(3.5)
      expect(flaky.peakBytes / MiB).toBeLessThan(5)
      expect(flaky.totalBytes / MiB).toBeLessThan(5)
    })
    test('a retried test\'s allocation sites do not exceed its own total (sites count only the passing attempt)', async () => {
      const { report } = await lifecycleReport()
      const flaky = report.test('flaky: fails once, passes on retry')
      const siteBytes = flaky.sites.reduce((sum, site) => sum + site.bytes, 0)
      expect(siteBytes / MiB).toBeLessThanOrEqual(flaky.totalBytes / MiB + 0.5)
    })
  })

  test('--bail=1: the run stops, results of the tests that ran still reach the report', async () => {
    const run = await batch.get('bail')
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toMatch(/Tests\s+1 failed \| 1 passed/)
    const report = readReport(run)
    expect(report.tests.map((t) => [t.name, t.state])).toEqual([
      ['a.test.ts > first keeps 8 MiB', 'passed'],
      ['a.test.ts > second fails', 'failed'],
    ])
    expect(report.test('first keeps 8 MiB').peakBytes / MiB).toBeGreaterThan(7.5)
    expect(report.test('first keeps 8 MiB').peakBytes / MiB).toBeLessThan(9)
    expect(reportLines(run.output)).toEqual(['heapmark: memory report (2 tests measured; all shown, largest peak first)'])
  })
  test('a failing test\'s stack does not point into heapmark\'s unshipped sources', async () => {
    const run = await batch.get('bail')
    expect(run.output).toContain('AssertionError: expected 1 to be 2')
    expect(run.output).not.toContain('node_modules/heapmark/src/')
  })

  test('TypeScript project with a path alias: sites show the aliased .ts file and its TS line', async () => {
    const run = await batch.get('alias')
    expect(run.exitCode, run.output).toBe(0)
    const t = readReport(run).test('test/table.test.ts > builds a table through the alias')
    expect(t.peakBytes / MiB).toBeGreaterThan(2)
    expect(t.sites[0]?.frames).toEqual([
      expect.objectContaining({ functionName: 'buildTable', file: 'lib/data/table.ts', line: 5, kind: 'user' }),
      expect.objectContaining({ file: 'test/table.test.ts', line: 4, kind: 'user' }),
    ])
    expect(run.output).toMatch(/- buildTable at lib\/data\/table\.ts:5 -> \d+\.\d MiB\n\s+called from \(anonymous\) at test\/table\.test\.ts:4/)
  })

  test('pool vmForks: measured and reported like forks', async () => {
    const run = await batch.get('vmForks')
    expect(run.exitCode, run.output).toBe(0)
    expectBasicReport(run)
  })
})
