/**
 * `heapmark run -- jest` on Jest projects with no heapmark line in their config (issue 14, point
 * 2): the wrapper adds only `--testRunner`, so each project keeps its own environment (node,
 * jsdom, a custom one, a file's environment docblock), its own reporters with their
 * options, and Jest's `projects`. Also: the config-only route inside `heapmark run` reports once,
 * and a config Jest cannot read stops the run with heapmark's coded error before any test.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { fixtureBatch } from '../helpers/fixture-batch.js'
import { MiB, readReport } from '../helpers/report.js'
import { matrix, type FixtureRun } from '../helpers/run-fixture.js'
import { runJestFixture } from '../helpers/run-jest-fixture.js'

/** A Jest config without heapmark: plain CommonJS (no transform), its own cache per fixture. */
function plainConfig(extra: string): string {
  return `module.exports = {\n  transform: {},\n  cacheDirectory: '<rootDir>/.jest-cache',\n  ${extra}\n}\n`
}

/** The project's own reporter, with an option: writes what it saw, so the test can tell it ran with its options. */
const OWN_REPORTER = `const fs = require('fs')
module.exports = class OwnReporter {
  constructor(globalConfig, options) { this.options = options }
  onRunComplete(contexts, results) { fs.writeFileSync(this.options.out, 'tests: ' + results.numTotalTests + '\\n') }
}
`

/** A test keeping an 8 MiB array; the environment's own global is checked by `check`. */
function allocating(name: string, check = ''): string {
  return `test('${name}', () => {
  ${check}
  const kept = new Array((8 * 1024 * 1024) / 8).fill(0)
  expect(kept.length).toBe(1048576)
})
`
}

/** A custom environment that marks its global and counts its own circus events. */
const CUSTOM_ENVIRONMENT = `const { TestEnvironment } = require('jest-environment-node')
module.exports = class MyEnvironment extends TestEnvironment {
  constructor(config, context) { super(config, context); this.global.fromMyEnvironment = 42; this.global.myEvents = [] }
  handleTestEvent(event) { if (event.name === 'test_fn_start') this.global.myEvents.push(event.name) }
}
`

/** The project's own test runner (over jest-circus): leaves a mark per test file it ran. */
const CUSTOM_RUNNER = `const circus = require('jest-circus/runner').default
module.exports = async (globalConfig, config, environment, runtime, testPath, send) => {
  require('fs').appendFileSync(require('path').join(config.rootDir, 'my-runner.txt'), 'ran\\n')
  return circus(globalConfig, config, environment, runtime, testPath, send)
}
`

const runs = fixtureBatch(2)
const run = (files: Record<string, string>, jestArgs: string[], heapmarkFlags: string[] = ['--json', 'report.json']) => () =>
  runJestFixture(files, ['run', ...heapmarkFlags, '--', 'jest', ...jestArgs], { command: 'heapmark' })

runs.add('node', run({
  'jest.config.js': plainConfig("testEnvironment: 'node',\n  reporters: ['default', ['<rootDir>/own-reporter.js', { out: 'own-reporter.txt' }]],"),
  'own-reporter.js': OWN_REPORTER,
  'a.test.js': allocating('node keeps 8 MiB', "expect(typeof document).toBe('undefined')"),
  'b.test.js': `const { limitMemory } = require('heapmark')\ntest('over its limit', limitMemory('2 MB', () => { expect(new Array((8 * 1024 * 1024) / 8).fill(0).length).toBe(1048576) }))\n`,
  // A docblock environment replaces the configured one for its file: still measured. (Split, or
  // Vitest would read the docblock in this file and run it in jsdom.)
  'docblock.test.js': `/** @jest-${'environment'} jsdom */\n${allocating('docblock jsdom keeps 8 MiB', "expect(typeof document).toBe('object')")}`,
}, ['--maxWorkers=2']))

runs.add('jsdom', run({
  'jest.config.js': plainConfig("testEnvironment: 'jsdom',\n  testEnvironmentOptions: { url: 'https://example.test/page' },\n  reporters: ['default'],"),
  'a.test.js': allocating('jsdom keeps 8 MiB', "expect(window.location.href).toBe('https://example.test/page')"),
}, ['--runInBand']))

runs.add('custom', run({
  'jest.config.js': plainConfig("testEnvironment: '<rootDir>/my-environment.js',\n  testRunner: '<rootDir>/my-runner.js',\n  reporters: ['default'],"),
  'my-environment.js': CUSTOM_ENVIRONMENT,
  'my-runner.js': CUSTOM_RUNNER,
  'a.test.js': allocating('custom keeps 8 MiB', 'expect(fromMyEnvironment).toBe(42)') +
    "test('its own handler still runs', () => { expect(myEvents).toEqual(['test_fn_start', 'test_fn_start']) })\n",
}, ['--runInBand']))

runs.add('projects', run({
  'jest.config.js': `module.exports = {
  reporters: ['default'],
  projects: [
    { displayName: 'server', testMatch: ['<rootDir>/server/*.test.js'], testEnvironment: 'node', transform: {}, cacheDirectory: '<rootDir>/.jest-cache' },
    { displayName: 'browser', testMatch: ['<rootDir>/browser/*.test.js'], testEnvironment: 'jsdom', transform: {}, cacheDirectory: '<rootDir>/.jest-cache' },
  ],
}
`,
  'server/s.test.js': allocating('server keeps 8 MiB', "expect(typeof document).toBe('undefined')"),
  'browser/b.test.js': allocating('browser keeps 8 MiB', "expect(typeof document).toBe('object')"),
}, ['--maxWorkers=2']))

runs.add('config route', run({
  'jest.config.js': plainConfig("testEnvironment: 'heapmark/jest/environment',\n  reporters: ['default', ['heapmark/jest/reporter', { json: 'report.json' }]],"),
  'a.test.js': allocating('config keeps 8 MiB'),
}, ['--runInBand'], []))

runs.add('environment only', run({
  'jest.config.js': plainConfig("testEnvironment: 'heapmark/jest/environment',\n  reporters: ['default'],"),
  'a.test.js': allocating('environment keeps 8 MiB'),
}, ['--runInBand']))

runs.add('missing environment', run({
  'jest.config.js': plainConfig("testEnvironment: '<rootDir>/no-such-environment.js',"),
  'a.test.js': allocating('never runs'),
}, ['--runInBand']))

beforeAll(() => runs.start(), 400_000)

function expectPeakNear8(run: FixtureRun, name: string): void {
  const peak = readReport(run).test(name).peakBytes / MiB
  expect(peak, name).toBeGreaterThan(7)
  expect(peak, name).toBeLessThan(9.5)
}

const reportCount = (run: FixtureRun) => run.output.match(/heapmark: memory report/g)?.length ?? 0

describe(`heapmark run -- jest on projects without heapmark in their config (${matrix.name})`, () => {
  test('node environment, worker processes: measured; the own reporter runs with its options; limits fail tests; docblock jsdom files are measured', async () => {
    const run = await runs.get('node')
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toMatch(/Tests:\s+1 failed, 2 passed, 3 total/)
    expect(run.output).toContain('MemoryLimitError: Test was limited to 2.0 MiB (2 MB)')
    expectPeakNear8(run, 'a.test.js > node keeps 8 MiB')
    expectPeakNear8(run, 'docblock.test.js > docblock jsdom keeps 8 MiB')
    expectPeakNear8(run, 'b.test.js > over its limit')
    expect(readFileSync(join(run.dir, 'own-reporter.txt'), 'utf8')).toBe('tests: 3\n')
    expect(reportCount(run), run.output).toBe(1)
  })

  test('jsdom environment with its options: measured', async () => {
    const run = await runs.get('jsdom')
    expect(run.exitCode, run.output).toBe(0)
    expectPeakNear8(run, 'a.test.js > jsdom keeps 8 MiB')
  })

  test('a custom environment and test runner: measured, the global, event handler and runner kept', async () => {
    const run = await runs.get('custom')
    expect(run.exitCode, run.output).toBe(0)
    expectPeakNear8(run, 'a.test.js > custom keeps 8 MiB')
    expect(readFileSync(join(run.dir, 'my-runner.txt'), 'utf8')).toBe('ran\n')
  })

  test("Jest's projects (node and jsdom) are kept and both measured", async () => {
    const run = await runs.get('projects')
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toContain('Ran all test suites in 2 projects.')
    expectPeakNear8(run, 'server/s.test.js > server keeps 8 MiB')
    expectPeakNear8(run, 'browser/b.test.js > browser keeps 8 MiB')
  })

  test("the config route (heapmark's environment and reporter) inside heapmark run reports once", async () => {
    const run = await runs.get('config route')
    expect(run.exitCode, run.output).toBe(0)
    expectPeakNear8(run, 'a.test.js > config keeps 8 MiB')
    expect(reportCount(run), run.output).toBe(1)
  })

  test("heapmark's environment without its reporter: measured once, through the wrapper", async () => {
    const run = await runs.get('environment only')
    expect(run.exitCode, run.output).toBe(0)
    expectPeakNear8(run, 'a.test.js > environment keeps 8 MiB')
    expect(readReport(run).tests).toHaveLength(1)
    expect(reportCount(run), run.output).toBe(1)
  })

  test('an environment Jest cannot find stops the run before any test, with what Jest said', async () => {
    const run = await runs.get('missing environment')
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toContain('heapmark run: could not read the Jest config')
    expect(run.output).toContain('no-such-environment.js')
    expect(run.output).not.toContain('never runs')
    expect(run.output).not.toContain('Tests:')
  })
})
