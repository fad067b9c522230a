/**
 * Vitest `projects` (issue 14, point 1): with heapmark() in the ROOT config only and heapmark
 * switched on, every project of the run is measured, whatever its shape: inline projects with and
 * without `extends: true` (a remeda-like config: no extends, isolate: false), projects in their own
 * config files, workspace globs, and `--project` filters; `heapmark run` on such a config measures
 * and never says the plugin is missing. Vitest gives none of these projects the root's plugins in
 * 4.1, and only the inline ones in 5.1, so each shape runs on both legs.
 *
 * Every test allocates a known 4 MiB array, so each measured test must show a peak near 4 MiB;
 * report names start with the project's name, so tests of two projects never share a name.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { fixtureBatch } from '../helpers/fixture-batch.js'
import { MiB, readReport } from '../helpers/report.js'
import type { FixtureRun } from '../helpers/run-fixture.js'

/** A test file whose one test keeps a 4 MiB array (peak 4 MiB, see accuracy tests for the band). */
function allocating(testName: string): string {
  return `import { expect, test } from 'vitest'
test('${testName}', () => { const a = new Array(4 * 1024 * 1024 / 8).fill(0); expect(a.length).toBe(524288) })
`
}

/** A root config with heapmark() in its plugins and nothing else of heapmark's. */
function rootConfig(test: string): string {
  return `import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'
export default defineConfig({ plugins: [heapmark()], test: ${test} })
`
}

const projectConfig = (name: string) => `import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { name: '${name}' } })
`

const ON = { HEAPMARK: '1', HEAPMARK_JSON: 'report.json' }

/** remeda's shape: inline projects, no `extends`, isolate: false (one in forks, one in threads). */
const remedaLike = {
  'vitest.config.ts': rootConfig(`{ projects: [
    { test: { name: 'unit', include: ['src/**/*.test.ts'], isolate: false } },
    { test: { name: 'types', include: ['types/**/*.test.ts'], isolate: false, pool: 'threads' } },
  ] }`),
  'src/a.test.ts': allocating('a keeps 4 MiB'),
  'src/b.test.ts': allocating('b keeps 4 MiB'),
  'types/t.test.ts': allocating('t keeps 4 MiB'),
}

/** Inline projects with and without `extends: true`, both running the same file. */
const inlineMixed = {
  'vitest.config.ts': rootConfig(`{ projects: [
    { extends: true, test: { name: 'with-extends', include: ['shared.test.ts'] } },
    { test: { name: 'without-extends', include: ['shared.test.ts'] } },
  ] }`),
  'shared.test.ts': allocating('shared keeps 4 MiB'),
}

/** Projects named by their own config files, which do not mention heapmark. */
const configFiles = {
  'vitest.config.ts': rootConfig(`{ projects: ['packages/a/vitest.config.ts', 'packages/b/vitest.config.ts'] }`),
  'packages/a/vitest.config.ts': projectConfig('a'),
  'packages/a/a.test.ts': allocating('a keeps 4 MiB'),
  'packages/b/vitest.config.ts': projectConfig('b'),
  'packages/b/b.test.ts': allocating('b keeps 4 MiB'),
}

/** A workspace glob: one package with its own config, one folder without any. */
const workspaceGlob = {
  'vitest.config.ts': rootConfig(`{ projects: ['packages/*'] }`),
  'packages/a/vitest.config.ts': projectConfig('a'),
  'packages/a/a.test.ts': allocating('a keeps 4 MiB'),
  'packages/b/package.json': JSON.stringify({ name: 'b', private: true, type: 'module' }),
  'packages/b/b.test.ts': allocating('b keeps 4 MiB'),
}

const runs = fixtureBatch(2)
runs.add('remeda-like', remedaLike, ['run', '--reporter=default'], { env: ON })
runs.add('remeda-like via heapmark run', remedaLike, ['run', '--json', 'report.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
runs.add('inline mixed', inlineMixed, ['run', '--reporter=default'], { env: ON })
runs.add('config files', configFiles, ['run', '--reporter=default'], { env: ON })
runs.add('workspace glob', workspaceGlob, ['run', '--reporter=default'], { env: ON })
runs.add('workspace glob --project a', workspaceGlob, ['run', '--reporter=default', '--project', 'a'], { env: ON })
runs.add('remeda-like, heapmark off', remedaLike, ['run', '--reporter=default'])

beforeAll(() => runs.start(), 400_000)

/** Every named test is in the report with a peak near its 4 MiB, and nothing else is. */
function expectMeasured(run: FixtureRun, names: string[]): void {
  expect(run.exitCode, run.output).toBe(0)
  const report = readReport(run)
  expect(report.tests.map((t) => t.name).sort()).toEqual([...names].sort())
  for (const name of names) {
    const peak = report.test(name).peakBytes / MiB
    expect(peak, name).toBeGreaterThan(3.5)
    expect(peak, name).toBeLessThan(5.5)
  }
  expect(run.output.match(/heapmark: memory report/g), run.output).toHaveLength(1)
}

describe('every project of a projects config is measured with heapmark() in the root config only', () => {
  test('inline projects without extends and with isolate: false (remeda-like), forks and threads', async () => {
    expectMeasured(await runs.get('remeda-like'), [
      '[unit] src/a.test.ts > a keeps 4 MiB',
      '[unit] src/b.test.ts > b keeps 4 MiB',
      '[types] types/t.test.ts > t keeps 4 MiB',
    ])
  })

  test('heapmark run on the remeda-like config measures it and does not say the plugin is missing', async () => {
    const run = await runs.get('remeda-like via heapmark run')
    expectMeasured(run, ['[unit] src/a.test.ts > a keeps 4 MiB', '[unit] src/b.test.ts > b keeps 4 MiB', '[types] types/t.test.ts > t keeps 4 MiB'])
    expect(run.output).not.toContain('did not load')
  })

  test('inline projects with and without extends: true; the same file in both keeps two names', async () => {
    expectMeasured(await runs.get('inline mixed'), ['[with-extends] shared.test.ts > shared keeps 4 MiB', '[without-extends] shared.test.ts > shared keeps 4 MiB'])
  })

  test('projects in their own config files, which do not load heapmark', async () => {
    expectMeasured(await runs.get('config files'), ['[a] packages/a/a.test.ts > a keeps 4 MiB', '[b] packages/b/b.test.ts > b keeps 4 MiB'])
  })

  test('a workspace glob: a package with its own config and a folder without one', async () => {
    expectMeasured(await runs.get('workspace glob'), ['[a] packages/a/a.test.ts > a keeps 4 MiB', '[b] packages/b/b.test.ts > b keeps 4 MiB'])
  })

  test('--project keeps the selected project measured, under the same name as in a full run', async () => {
    const run = await runs.get('workspace glob --project a')
    expectMeasured(run, ['[a] packages/a/a.test.ts > a keeps 4 MiB'])
    expect(run.output).not.toContain('b.test.ts')
  })

  test('with heapmark off, a projects config runs as before and heapmark prints nothing', async () => {
    const run = await runs.get('remeda-like, heapmark off')
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toMatch(/Tests\s+3 passed/)
    expect(run.output).not.toContain('heapmark')
    expect(run.exists('report.json')).toBe(false)
  })
})
