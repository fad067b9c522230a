/**
 * The default limit (`limit` option) and its per-file override (`@heapmark-limit`), through real
 * Vitest, Jest and node:test runs of the same suite: the default passes and fails tests, a file
 * raises it, lowers it and switches it off, limitMemory on a test wins over it, concurrent tests are
 * reported as not judged, and a bad value stops the run before any test.
 *
 * Memory is Buffer contents (external memory), which heapmark reads exactly: the margins between
 * each size and its limit (2x or more) are far above the accuracy promised (max(5%, 1 MiB)).
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { jestConfig, runJestFixture } from '../helpers/run-jest-fixture.js'
import { REGISTER, REPORTERS, runNodeTest, failureOf as nodeFailureOf } from '../helpers/node-test.js'
import { mibPattern, readReport } from '../helpers/report.js'

type Runner = 'vitest' | 'jest' | 'node'

interface FixtureTest {
  name: string
  /** MiB of Buffer the body keeps until it returns. */
  mib: number
  limitMemory?: string
  concurrent?: boolean
}

/** The suite: one file per case of the per-file override. The default in every run is 16 MB. */
const FILES: Record<string, { pragma?: string; tests: FixtureTest[] }> = {
  plain: {
    tests: [
      { name: 'small under the default', mib: 2 },
      { name: 'big over the default', mib: 24 },
      { name: 'limitMemory raises it for its test', mib: 24, limitMemory: '64 MB' },
      { name: 'limitMemory lowers it for its test', mib: 8, limitMemory: '4 MB' },
    ],
  },
  up: { pragma: '// @heapmark-limit 64 MB', tests: [{ name: 'big under the raised file limit', mib: 24 }] },
  down: { pragma: '/**\n * @heapmark-limit 4 MB\n */', tests: [{ name: 'medium over the lowered file limit', mib: 8 }] },
  off: { pragma: '// @heapmark-limit off', tests: [{ name: 'big with the default off', mib: 24 }] },
  bad: { pragma: '// @heapmark-limit 4 MX', tests: [{ name: 'any test of a file with a bad comment', mib: 0 }] },
  together: {
    tests: [
      { name: 'concurrent a', mib: 24, concurrent: true },
      { name: 'concurrent b', mib: 24, concurrent: true },
    ],
  },
}

/** The test files of the suite for one runner (the same bodies, each runner's own syntax). */
function suite(runner: Runner): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [base, { pragma, tests }] of Object.entries(FILES)) {
    const imports =
      runner === 'jest'
        ? "const { limitMemory } = require('heapmark')"
        : `import { ${runner === 'vitest' ? "test } from 'vitest'" : "describe, test } from 'node:test'"}\nimport { limitMemory } from 'heapmark'`
    const lines = [...(pragma ? [pragma] : []), imports]
    // Concurrent tests hold their Buffer across a pause, so each overlaps the other.
    const body = (t: FixtureTest) =>
      `async () => { const kept = Buffer.alloc(${t.mib} * 1024 * 1024, 1); await new Promise((r) => setTimeout(r, ${t.concurrent ? 200 : 1})); if (kept.length !== ${t.mib} * 1024 * 1024) throw new Error('lost') }`
    const concurrent = tests.filter((t) => t.concurrent)
    for (const t of tests.filter((t) => !t.concurrent)) {
      const fn = t.limitMemory ? `limitMemory('${t.limitMemory}', ${body(t)})` : body(t)
      lines.push(`test('${t.name}', ${fn})`)
    }
    if (concurrent.length > 0) {
      if (runner === 'node') lines.push(`describe('together', { concurrency: true }, () => {\n${concurrent.map((t) => `  test('${t.name}', ${body(t)})`).join('\n')}\n})`)
      else lines.push(...concurrent.map((t) => `test.concurrent('${t.name}', ${body(t)})`))
    }
    files[`${base}.test.${runner === 'jest' ? 'js' : runner === 'node' ? 'mjs' : 'ts'}`] = lines.join('\n') + '\n'
  }
  return files
}

/** A test that leaves a file behind when it runs: a bad option must stop the run before it. */
const WITNESS = "import { writeFileSync } from 'node:fs'\nwriteFileSync('ran', '1')\n"

const MiB = 1024 * 1024
const DEFAULT = '16 MB'
const FAILED = ['big over the default', 'limitMemory lowers it for its test', 'medium over the lowered file limit', 'any test of a file with a bad comment']
const PASSED = ['small under the default', 'limitMemory raises it for its test', 'big under the raised file limit', 'big with the default off', 'concurrent a', 'concurrent b']

/** The same verdicts and report from every runner. */
function expectVerdicts(run: FixtureRun, failureOf: (file: string, name: string) => string, from: string): void {
  const report = readReport(run)
  const state = (name: string) => report.test(name).state
  for (const name of FAILED) expect(state(name), name).toBe('failed')
  for (const name of PASSED) expect(state(name), `${name}\n${run.output}`).toBe('passed')

  // Same error type and message shape as limitMemory, saying it was the default and where it was set.
  expect(failureOf('plain', 'big over the default')).toMatch(
    new RegExp(`MemoryLimitError\\]?: Test was limited to 16\\.0 MiB \\(16 MB: the run's default limit, from ${from}\\) but its peak was ${mibPattern(24)} MiB`),
  )
  expect(failureOf('plain', 'big over the default')).toContain('Tests without limitMemory get this limit.')
  expect(failureOf('down', 'medium over the lowered file limit')).toMatch(
    /Test was limited to 4\.0 MiB \(4 MB: this file's limit, from @heapmark-limit at down\.test\.m?[jt]s:2\) but its peak was [789]\.\d MiB/,
  )
  // limitMemory on a test replaces the default: its own message, no mention of a default.
  const lowered = failureOf('plain', 'limitMemory lowers it for its test')
  // An 8 MiB Buffer: within the accuracy promise (max(5%, 1 MiB)); a GC during the test may free
  // a little heap garbage older than it, which reads as a small negative heap part.
  expect(lowered).toMatch(/Test was limited to 4\.0 MiB \(4 MB\) but its peak was [789]\.\d MiB/)
  expect(lowered).not.toContain('default')
  expect(failureOf('bad', 'any test of a file with a bad comment')).toMatch(
    /Invalid value "4 MX" for @heapmark-limit at bad\.test\.m?[jt]s:1: expected a size like "48 MB" or a number of bytes, optionally followed by "live" \(judge the live peak\) or "used" \(the default\), or "off"/,
  )

  // The JSON report says which limit applied, from where, and the verdict.
  expect(report.test('big over the default').limit).toEqual({ kind: 'memory', spec: DEFAULT, bytes: 16 * MiB, currentThreadOnly: false, exceeded: true, origin: 'default', from })
  expect(report.test('small under the default').limit).toMatchObject({ origin: 'default', exceeded: false })
  expect(report.test('big under the raised file limit').limit).toMatchObject({ spec: '64 MB', origin: 'file', exceeded: false })
  expect(report.test('limitMemory raises it for its test').limit).toEqual({ kind: 'memory', spec: '64 MB', bytes: 64 * MiB, currentThreadOnly: false, exceeded: false })
  expect(report.test('big with the default off').limit).toBeUndefined()
  // Concurrent tests share one heap: not judged, and said so, instead of failing.
  for (const name of ['concurrent a', 'concurrent b']) {
    expect(report.test(name).shared?.overlapping, name).toBeGreaterThan(0)
    expect(report.test(name).limit, name).toMatchObject({ origin: 'default', exceeded: false, notJudged: 'concurrent' })
  }
  expect(report.totals.limitFailures).toBe(3)

  // The report line for a test over the default, and the totals.
  expect(run.output).toMatch(new RegExp(`Default limit: 16 MB \\(16\\.0 MiB, from ${from}\\): EXCEEDED by [89]\\.\\d MiB`))
  expect(run.output).toMatch(/File limit: 4 MB \(4\.0 MiB, from @heapmark-limit at down\.test\.m?[jt]s:2\): EXCEEDED/)
  expect(run.output).toMatch(/Default limit: 16 MB \(16\.0 MiB, from .*\): not judged \(ran concurrently with 1 other test, whose memory counts in its peak\)/)
  expect(run.output).toMatch(/heapmark totals: .*3 tests over their memory limit, 2 tests not judged against the default limit \(ran concurrently with others\)/)
}

describe(`default limit, Vitest (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture({
      'vitest.config.ts': config(`{ enabled: true, json: 'report.json', mostAllocations: 0, limit: '${DEFAULT}' }`),
      ...suite('vitest'),
    }, ['run', '--reporter=default'])
  }, 180_000)

  /** Vitest's failure block for one test. */
  const failureOf = (file: string, name: string) => {
    const start = run.output.indexOf(`FAIL  ${file}.test.ts > ${name}`)
    expect(start, run.output).toBeGreaterThan(-1)
    return run.output.slice(start, start + 1500)
  }

  test('the default, the file comments and limitMemory decide each test; concurrent tests are not judged', () => {
    expect(run.exitCode).toBe(1)
    expectVerdicts(run, failureOf, 'heapmark option "limit"')
  })

  test('CLI > environment > config, "off" from the environment, and a bad value stops the run before any test', async () => {
    const viaCli = await runFixture({
      'vitest.config.ts': config(`{ json: 'report.json', limit: '1 MB' }`),
      'a.test.ts': `import { test } from 'vitest'\ntest('24 MiB', () => { const kept = Buffer.alloc(24 * 1024 * 1024, 1); if (!kept.length) throw new Error() })\n`,
    }, ['run', '--limit', '48 MB', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark', env: { HEAPMARK_LIMIT: '2 MB' } })
    expect(viaCli.exitCode, viaCli.output).toBe(0)
    expect(readReport(viaCli).test('24 MiB').limit).toMatchObject({ spec: '48 MB', from: 'HEAPMARK_LIMIT', exceeded: false })

    const fromEnv = await viaCli.rerun(['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_LIMIT: '8 MB' } })
    expect(fromEnv.exitCode).toBe(1)
    expect(fromEnv.output).toContain("Test was limited to 8.0 MiB (8 MB: the run's default limit, from HEAPMARK_LIMIT)")

    const off = await viaCli.rerun(['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_LIMIT: 'off' } })
    expect(off.exitCode, off.output).toBe(0)
    expect(readReport(off).test('24 MiB').limit).toBeUndefined()

    const bad = await runFixture({ 'vitest.config.ts': config(), 'a.test.ts': WITNESS + "import { test } from 'vitest'\ntest('x', () => {})\n" },
      ['run', '--reporter=default'], { env: { HEAPMARK: '1', HEAPMARK_LIMIT: '16 MX' } })
    expect(bad.exitCode).not.toBe(0)
    expect(bad.output).toContain('Invalid value "16 MX" for environment variable HEAPMARK_LIMIT: expected a size like "48 MB" or a number of bytes, optionally followed by "live" (judge the live peak) or "used" (the default), or "off"')
    expect(bad.exists('ran')).toBe(false)
  }, 180_000)
})

describe(`default limit, Jest (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runJestFixture({
      'jest.config.js': jestConfig(`{ json: 'report.json', mostAllocations: 0, limit: '${DEFAULT}' }`, 'transform: {},'),
      ...suite('jest'),
    }, [], { env: { HEAPMARK: '1' } })
  }, 180_000)

  const failureOf = (_file: string, name: string) => {
    const start = run.output.indexOf(`● ${name}\n`)
    expect(start, run.output).toBeGreaterThan(-1)
    return run.output.slice(start, start + 1500)
  }

  test('the default, the file comments and limitMemory decide each test; concurrent tests are not judged', () => {
    expect(run.exitCode).toBe(1)
    expectVerdicts(run, failureOf, 'heapmark option "limit"')
  })

  test('a bad value in the reporter options stops the run before any test', async () => {
    const bad = await runJestFixture({
      'jest.config.js': jestConfig("{ limit: 'lots' }", 'transform: {},'),
      'a.test.js': "require('node:fs').writeFileSync('ran', '1')\ntest('x', () => {})\n",
    }, [], { env: { HEAPMARK: '1' } })
    expect(bad.exitCode).not.toBe(0)
    expect(bad.output).toContain('Invalid value "lots" for heapmark option "limit": expected a size like "48 MB" or a number of bytes, optionally followed by "live" (judge the live peak) or "used" (the default), or "off"')
    expect(bad.exists('ran')).toBe(false)
  }, 120_000)
})

describe(`default limit, node:test (${matrix.name})`, () => {
  let run: FixtureRun
  const files = suite('node')
  beforeAll(async () => {
    run = await runNodeTest(files, [...REGISTER, '--test', ...REPORTERS, ...Object.keys(files)], {
      HEAPMARK: '1', HEAPMARK_LIMIT: DEFAULT, HEAPMARK_JSON: 'report.json', HEAPMARK_MOST_ALLOCATIONS: '0',
    })
  }, 180_000)

  test('the default, the file comments and limitMemory decide each test; concurrent tests are not judged', () => {
    expect(run.exitCode).not.toBe(0)
    expectVerdicts(run, (_file, name) => nodeFailureOf(run, name), 'HEAPMARK_LIMIT')
  })

  test('a bad --limit stops heapmark run before any test', async () => {
    const bad = await runFixture({ 'one.test.mjs': WITNESS + "import { test } from 'node:test'\ntest('x', () => {})\n" },
      ['run', '--limit', '0 MB', '--', 'node', '--test', 'one.test.mjs'], { command: 'heapmark' })
    expect(bad.exitCode).not.toBe(0)
    expect(bad.output).toContain('Invalid value "0 MB" for --limit: expected a size like "48 MB" or a number of bytes, optionally followed by "live" (judge the live peak) or "used" (the default), or "off"')
    expect(bad.exists('ran')).toBe(false)
  }, 120_000)
})
