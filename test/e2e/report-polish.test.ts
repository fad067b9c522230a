/**
 * The report as a user reads it after a real run, in a monorepo whose dependencies are hoisted
 * above the project root: allocating functions that explain a meaningful share only, dependency
 * frames printed relative, the one reason a file was not sampled, and the flamegraph of a test
 * whose memory was external saying so in its header.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { readReport } from '../helpers/report.js'

const MiB = 1024 * 1024

const FILES = {
  // Hoisted to the workspace root, outside the project's root (packages/app).
  'node_modules/bigdep/package.json': JSON.stringify({ name: 'bigdep', version: '1.0.0', main: 'index.js' }),
  'node_modules/bigdep/index.js': `exports.makeRows = function makeRows(n) {
  const rows = []
  for (let i = 0; i < n; i++) rows.push({ id: i, name: 'row ' + i, tags: ['a', 'b'] })
  return rows
}
`,
  'packages/app/vitest.config.ts': config("{ json: 'report.json', mostAllocations: 0 }"),
  'packages/app/rows.test.ts': `import { expect, test } from 'vitest'
import { makeRows } from 'bigdep'
test('a dependency allocates most of it', () => {
  const rows = makeRows(200_000)
  // Assertions allocate a little in the runner's own packages: sites far under 1% of the test.
  for (let i = 0; i < 20; i++) expect(rows[i].id).toBe(i)
})
`,
  'packages/app/buffers.test.ts': `import { expect, test } from 'vitest'
test('external memory', () => {
  const kept = Buffer.alloc(24 * 1024 * 1024, 1)
  expect(kept.length).toBe(24 * 1024 * 1024)
})
`,
  'packages/app/tiny.test.ts': `import { expect, test } from 'vitest'\ntest('tiny', () => { expect(1).toBe(1) })\n`,
}

const VITEST = ['vitest', 'run', '--root', 'packages/app', '--reporter=default']

/** The lines of one test's block in the text report. */
function blockOf(output: string, name: string): string[] {
  const start = output.indexOf(`Allocation results for ${name} at the high watermark`)
  expect(start, output).toBeGreaterThan(-1)
  return output.slice(start).split('\n\n')[0]!.split('\n')
}

describe(`the report after a real run (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture(FILES, ['run', '--', ...VITEST], { command: 'heapmark' })
  }, 180_000)

  test('allocating functions: only sites of at least 1% of the test\'s allocation, then how many smaller ones', () => {
    expect(run.exitCode, run.output).toBe(0)
    const result = readReport(run).test('a dependency allocates most of it')
    const lines = blockOf(run.output, 'rows.test.ts > a dependency allocates most of it')
    const siteLines = lines.filter((line) => line.startsWith('        - '))
    const significant = result.sites.filter((site) => site.bytes >= result.totalBytes * 0.01)
    expect(siteLines).toHaveLength(Math.min(significant.length, 5))
    // The runner's own allocations under the assertions were sampled, but are not listed.
    const small = result.sites.length - siteLines.length
    expect(small, JSON.stringify(result.sites.map((s) => [s.frames[0]?.file, s.bytes]))).toBeGreaterThan(0)
    expect(lines).toContain(`        … ${small} smaller site${small === 1 ? '' : 's'}`)
    // Exactly the biggest significant ones, in order: what was left out is each under 1%.
    expect(siteLines.map((line) => line.replace(/^ +- (\S+) at .*$/, '$1'))).toEqual(significant.slice(0, 5).map((site) => site.frames[0]!.functionName))
    expect(result.sites.slice(siteLines.length).every((site) => site.bytes < result.totalBytes * 0.01) || significant.length > 5).toBe(true)
  })

  test('frames under a hoisted node_modules are printed relative, from node_modules/', () => {
    const lines = blockOf(run.output, 'rows.test.ts > a dependency allocates most of it')
    expect(lines.find((line) => line.includes('makeRows'))).toMatch(/^ {8}- makeRows at node_modules\/bigdep\/index\.js:1 -> \d+\.\d MiB$/)
    expect(run.output).not.toMatch(/ at \/\S*node_modules\//)
    // The JSON report keeps the full path, which tools can open.
    const frame = readReport(run).test('a dependency allocates most of it').sites[0]!.frames[0]!
    expect(frame).toMatchObject({ functionName: 'makeRows', kind: 'dependency' })
    expect(frame.file).toMatch(/^\/.*\/node_modules\/bigdep\/index\.js$/)
  })

  test('a file that was not sampled says the one reason that applied', async () => {
    expect(readReport(run).test('tiny.test.ts > tiny')).toMatchObject({ sampled: false, notSampled: 'below-threshold' })
    expect(blockOf(run.output, 'tiny.test.ts > tiny')).toContain(
      '    Allocations: not sampled: no test in its file peaked at 1 MiB or allocated 4 MiB (reading sites costs a full GC)',
    )
    expect(run.output).not.toContain('precise retention was on')

    const precise = await run.rerun(['run', '--precise-retention', '--', ...VITEST], { command: 'heapmark' })
    expect(precise.exitCode, precise.output).toBe(0)
    expect(readReport(precise).test('rows.test.ts > a dependency allocates most of it')).toMatchObject({ sampled: false, notSampled: 'precise-retention' })
    expect(blockOf(precise.output, 'rows.test.ts > a dependency allocates most of it')).toContain(
      "    Allocations: not sampled: precise retention was on (it uses V8's one sampling heap profiler)",
    )
    expect(precise.output).not.toContain('no test in its file peaked')
  }, 180_000)

  test('the flamegraph of a test whose memory was external says so in its header', async () => {
    const captured = await run.rerun(['run', '--bin-path', 'caps', '--', ...VITEST], { command: 'heapmark' })
    expect(captured.exitCode, captured.output).toBe(0)
    const capture = (name: string) => join('caps', readdirSync(join(run.dir, 'caps')).find((file) => file.includes(name))!)
    const page = async (name: string) => {
      const made = await run.rerun(['flamegraph', capture(name), '-o', `${name}.html`], { command: 'heapmark' })
      expect(made.exitCode, made.output).toBe(0)
      return readFileSync(join(run.dir, `${name}.html`), 'utf8')
    }
    expect(await page('external-memory')).toMatch(
      /<p class="note">2[2-5]\.\d MiB of this test&#39;s peak was external memory \(Buffers, typed arrays, ArrayBuffers\), which V8&#39;s allocation sampler cannot attribute to functions/,
    )
    expect(await page('a-dependency')).not.toContain('was external memory')
  }, 180_000)
})
