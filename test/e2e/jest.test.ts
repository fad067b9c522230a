/**
 * The Jest adapter through real Jest 30 runs (test/helpers/run-jest-fixture.ts): peaks, the report
 * after Jest's summary, JSON, limits and leak checks failing tests the Jest way, TypeScript lines
 * through babel-jest's source maps, workers and in band, jsdom, Jest's own flags, switching on
 * and off, and `heapmark run -- jest`.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { matrix, type FixtureRun } from '../helpers/run-fixture.js'
import { BABEL_TYPESCRIPT, jestConfig, runJestFixture } from '../helpers/run-jest-fixture.js'
import { MiB, mibPattern, readReport } from '../helpers/report.js'

const ON = { HEAPMARK: '1' }
/** Plain CommonJS fixtures need no babel-jest: quicker runs. */
const NO_TRANSFORM = 'transform: {},'

/** The text of one failed test in Jest's output (`● name` and what follows). */
function failureOf(run: FixtureRun, name: string): string {
  const start = run.output.indexOf(`● ${name}\n`)
  expect(start, `no failure "● ${name}" in:\n${run.output}`).toBeGreaterThan(-1)
  return run.output.slice(start, start + 1200)
}

function expectPeak(run: FixtureRun, name: string, mib: number): void {
  const peak = readReport(run).test(name).peakBytes / MiB
  const tolerance = Math.max(0.05 * mib, 1)
  expect(peak, name).toBeGreaterThanOrEqual(mib - tolerance)
  expect(peak, name).toBeLessThanOrEqual(mib + tolerance)
}

const work = `import { helper } from './helper'

interface Sized {
  mib: number
}

export function fillBuffer(mib: number): Buffer {
  return Buffer.alloc(mib * 1024 * 1024, 1)
}

export function buildArray({ mib }: Sized): number[] {
  helper()
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
`

describe(`Jest: one run in band (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runJestFixture({
      'jest.config.js': jestConfig("{ json: 'report.json', mostAllocations: 3 }"),
      'babel.config.js': BABEL_TYPESCRIPT,
      'src/helper.ts': 'export function helper(): void {}\n',
      'src/work.ts': work,
      'accuracy.test.js': `const MiB = 1024 * 1024
const make = { array: (mib) => new Array((mib * MiB) / 8).fill(0), buffer: (mib) => Buffer.alloc(mib * MiB, 1) }
for (const form of ['array', 'buffer']) {
  for (const mib of [10, 50]) test(form + ' ' + mib, () => { expect(make[form](mib)).toBeTruthy() })
}
test('allocates nothing', () => { expect(1 + 1).toBe(2) })
`,
      'limits.test.ts': `import { limitMemory } from 'heapmark'
import { buildArray, fillBuffer } from './src/work'

describe('limits', () => {
  test('under its limit', limitMemory('24 MB', () => { expect(buildArray({ mib: 8 }).length).toBeGreaterThan(0) }))
  test('over its limit', limitMemory('16 MB', () => { expect(buildArray({ mib: 32 }).length).toBeGreaterThan(0) }))
  test('buffer over its limit', limitMemory('4 MB', () => { expect(fillBuffer(8).length).toBe(8 * 1024 * 1024) }))
  test('bad unit', limitMemory('24 XB', () => {}))
  test('unaffected neighbour', () => { expect(1).toBe(1) })
})
`,
      'leaks.test.js': `const { limitLeaks } = require('heapmark')
const cache = []
function remember(count) { for (let i = 0; i < count; i++) cache.push({ i, label: 'entry ' + i }) }
const patterns = new Map()
function compileOnce(source) {
  let pattern = patterns.get(source)
  if (!pattern) patterns.set(source, (pattern = new RegExp(source + 'x'.repeat(50000))))
  return pattern
}
const rows = []
function appendRow() { rows.push(new Array(2048).fill(0)) }

test('leaks into a module array', limitLeaks('1 MB', () => { remember(50000) }))
test('allocates a lot, leaks nothing', limitLeaks('1 MB', () => {
  let total = 0
  for (let i = 0; i < 300000; i++) total += ({ i }).i
  expect(total).toBeGreaterThan(0)
}))
test('a cache that warms once', limitLeaks('16 KB', () => { compileOnce('id-') }, { iterations: 50, warmup: 3 }))
test('grows every iteration', limitLeaks('8 KB', () => { appendRow() }, { iterations: 50, warmup: 3 }))
`,
      'modes.test.js': `const { limitMemory } = require('heapmark')
const build = (mib) => new Array((mib * 1024 * 1024) / 8).fill(0)
const pause = () => new Promise((resolve) => setTimeout(resolve, 30))
test.skip('skipped', () => {})
test.todo('todo')
test.failing('fails as expected', () => { build(2); throw new Error('expected') })
test.concurrent('concurrent a', async () => { const data = build(4); await pause(); expect(data.length).toBeGreaterThan(0) })
test.concurrent('concurrent b', async () => { const data = build(4); await pause(); expect(data.length).toBeGreaterThan(0) })
test.concurrent('concurrent limited', limitMemory('100 MB', async () => { await pause() }))
`,
      'retries.test.js': `jest.retryTimes(2)
let attempt = 0
test('passes on its third attempt', () => {
  attempt++
  const data = new Array((attempt * 4 * 1024 * 1024) / 8).fill(0)
  expect(data.length).toBeGreaterThan(0)
  expect(attempt).toBe(3)
})
`,
      'misuse.test.js': `const { limitMemory } = require('heapmark')
beforeAll(() => limitMemory('1 MB', () => {})())
test('after a misused limit', () => {})
`,
    }, ['--runInBand'], { env: ON })
  }, 120_000)

  test('limit failures fail the run; skipped and todo tests are left alone', () => {
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toMatch(/Tests:\s+7 failed, 1 skipped, 1 todo, 13 passed, 22 total/)
  })

  test('peaks are accurate within max(5%, 1 MiB) for arrays and Buffers', () => {
    for (const name of ['array 10', 'array 50', 'buffer 10', 'buffer 50']) expectPeak(run, `accuracy.test.js > ${name}`, Number(name.split(' ')[1]))
    expect(readReport(run).test('buffer 50').externalPeakBytes / MiB).toBeGreaterThan(49)
    expect(readReport(run).test('array 50').heapPeakBytes / MiB).toBeGreaterThan(49)
    expect(readReport(run).test('allocates nothing').peakBytes).toBeLessThan(256 * 1024)
  })

  test('the report follows Jest\'s summary and shows the top tests and the failures', () => {
    const summary = run.output.indexOf('Ran all test suites.')
    const report = run.output.indexOf('heapmark: memory report (19 tests measured; top 3 by peak')
    expect(summary, run.output).toBeGreaterThan(-1)
    expect(report, run.output).toBeGreaterThan(summary)
    const text = run.output.slice(report)
    expect(text).toContain('Allocation results for accuracy.test.js > array 50 at the high watermark')
    expect(text).toContain('Allocation results for limits.test.ts > limits > over its limit at the high watermark')
    expect(text).not.toContain('accuracy.test.js > array 10 at')
    expect(text).toContain('heapmark: JSON report written to report.json')
  })

  test('the JSON report names Jest and every measured test by file > describe > test', () => {
    const report = readReport(run)
    expect(report.runner).toEqual({ name: 'jest', version: expect.stringMatching(/^30\./) })
    expect(report.tests).toHaveLength(19)
    expect(report.test('limits.test.ts > limits > under its limit')).toMatchObject({ file: 'limits.test.ts', state: 'passed' })
    expect(report.tests.map((t) => t.name)).not.toContain('modes.test.js > skipped')
  })

  test('limitMemory fails a test over its limit with the limit, the peak and the TypeScript line', () => {
    const text = failureOf(run, 'limits › over its limit')
    expect(text).toMatch(new RegExp(`MemoryLimitError: Test was limited to 16\\.0 MiB \\(16 MB\\) but its peak was ${mibPattern(32)} MiB`))
    // babel-jest moved the function to line 12 of its output; Jest's source map brings back line 11.
    expect(text).toMatch(/- buildArray at src\/work\.ts:11 -> 3[12]\.\d MiB/)
    // Held to the accuracy promise: on Node 24 it read 7.8 MiB once (external 8.0 MiB, the JS heap
    // 0.2 MiB under its start after a GC during the test).
    expect(failureOf(run, 'limits › buffer over its limit')).toMatch(new RegExp(`peak was ${mibPattern(8)} MiB[\\s\\S]*Most of it is external memory`))
    const under = readReport(run).test('under its limit')
    expect(under.limit).toMatchObject({ spec: '24 MB', exceeded: false })
    expect(under.peakBytes / MiB).toBeGreaterThan(7.5)
    expect(under.peakBytes / MiB).toBeLessThan(9)
  })

  test('a bad limit fails only its test, quoting the string and the accepted format', () => {
    expect(failureOf(run, 'limits › bad unit')).toContain('limitMemory limit: Invalid memory size "24 XB"')
    expect(readReport(run).test('unaffected neighbour').state).toBe('passed')
  })

  test('limitLeaks fails a leak and passes garbage; iteration mode tells a cache from growth', () => {
    const leak = failureOf(run, 'leaks into a module array')
    expect(leak).toContain('LeakLimitError: Test was allowed to leak 1.0 MiB (1 MB) per location but at least one location leaked more')
    expect(leak).toMatch(/- [2-4]\.\d MiB leaked at remember at leaks\.test\.js:3/)
    expect(readReport(run).test('allocates a lot, leaks nothing')).toMatchObject({ state: 'passed', leaks: { exceeded: false } })
    expect(readReport(run).test('a cache that warms once').state).toBe('passed')
    expect(failureOf(run, 'grows every iteration')).toMatch(/- 1[5-7]\.\d KiB per iteration \(80\d\.\d KiB over 50\) at appendRow at leaks\.test\.js:11/)
  })

  test('concurrent tests are marked shared and refuse limits; retries report the last attempt', () => {
    const report = readReport(run)
    expect(report.test('concurrent a').shared?.overlapping).toBeGreaterThan(0)
    expect(failureOf(run, 'concurrent limited')).toContain('limitMemory() cannot be checked while 2 other test(s) run at the same time')
    expect(report.test('fails as expected').state).toBe('passed')
    const retried = report.test('passes on its third attempt')
    expect(retried.state).toBe('passed')
    expect(retried.peakBytes / MiB).toBeGreaterThan(11)
    expect(retried.peakBytes / MiB).toBeLessThan(13.5)
  })

  test('a limit outside a test body is refused', () => {
    expect(failureOf(run, 'after a misused limit')).toContain('limitMemory() ran outside a test body')
  })
})

const workerFiles = Object.fromEntries([1, 2, 3, 4].map((n) => [`w${n}.test.js`, `const fs = require('node:fs')
test('array ${n * 5}', () => {
  fs.appendFileSync(__dirname + '/pids.txt', process.pid + '\\n')
  expect(new Array((${n * 5} * 1024 * 1024) / 8).fill(0).length).toBeGreaterThan(0)
})
test('small ${n}', () => { expect(${n}).toBe(${n}) })
`]))

describe(`Jest: workers and in band reach one report (${matrix.name})`, () => {
  for (const mode of [['--maxWorkers=2'], ['--runInBand']]) {
    test(mode[0]!, async () => {
      const run = await runJestFixture({ 'jest.config.js': jestConfig("{ json: 'report.json' }", NO_TRANSFORM), ...workerFiles }, mode, { env: ON })
      expect(run.exitCode, run.output).toBe(0)
      const pids = new Set(readFileText(run, 'pids.txt').trim().split('\n'))
      expect(pids.size, 'distinct test processes').toBe(mode[0] === '--runInBand' ? 1 : 2)
      const report = readReport(run)
      expect(report.tests).toHaveLength(8)
      for (const n of [1, 2, 3, 4]) expectPeak(run, `w${n}.test.js > array ${n * 5}`, n * 5)
      expect(run.output).not.toContain('failed to exit gracefully')
    })
  }
})

/** Runs the test files in name order (Jest's own order follows sizes and past timings). */
const BY_NAME_SEQUENCER = `module.exports = class ByName {
  shard(tests) { return tests }
  sort(tests) { return [...tests].sort((a, b) => a.path.localeCompare(b.path)) }
  cacheResults() {}
  allFailedTests(tests) { return tests }
}
`

describe(`Jest: a big test in a file right after a small one, in one worker (${matrix.name})`, () => {
  test('the first run says why it has no sites; the next run samples it from its history', async () => {
    const files = {
      'jest.config.js': jestConfig("{ json: 'report.json' }", `${NO_TRANSFORM} testSequencer: '<rootDir>/sequencer.js',`),
      'sequencer.js': BY_NAME_SEQUENCER,
      'a-small.test.js': `test('small', () => { expect([1, 2, 3].map(String)).toHaveLength(3) })\n`,
      'b-big.test.js': `function fill(mib) { return new Array((mib * 1024 * 1024) / 8).fill(0) }
test('big 4', () => { expect(fill(4).length).toBeGreaterThan(0) })
test('small too', () => { expect(1).toBe(1) })
`,
    }
    // One worker, a-small first: with no test worth reading there, b-big's boundaries are off.
    const first = await runJestFixture(files, ['--runInBand'], { env: ON })
    expect(first.exitCode, first.output).toBe(0)
    expect(readReport(first).test('b-big.test.js > big 4')).toMatchObject({ sampled: false, notSampled: 'unmarked', sites: [] })
    expect(readReport(first).test('a-small.test.js > small')).toMatchObject({ sampled: false, notSampled: 'below-threshold' })
    expect(first.output).toContain('Allocations: not sampled: its worker ran it right after a file with no test worth reading')
    // The run recorded big 4's peak in the history: the next run samples that test on its own.
    const second = await first.rerun(['--runInBand'], { env: ON })
    expect(second.exitCode, second.output).toBe(0)
    const big = readReport(second).test('b-big.test.js > big 4')
    expect(big.sampled).toBe(true)
    expect(big.sites[0]!.frames[0]).toMatchObject({ functionName: 'fill', file: 'b-big.test.js', line: 1 })
    expectPeak(second, 'b-big.test.js > big 4', 4)
    // Its neighbour was not sampled: it says so, and the file's reason has not changed.
    expect(readReport(second).test('b-big.test.js > small too')).toMatchObject({ sampled: false, notSampled: 'unmarked' })
  })
})

describe(`Jest: jsdom and Jest's own flags (${matrix.name})`, () => {
  test('jsdom, --coverage, --logHeapUsage and --detectLeaks work alongside; a docblock environment is named', async () => {
    const run = await runJestFixture({
      'jest.config.js': jestConfig("{ json: 'report.json' }", "testEnvironment: 'heapmark/jest/jsdom',"),
      'src/sum.js': 'exports.sum = (a, b) => a + b\n',
      'dom.test.js': `const { sum } = require('./src/sum')
test('builds a DOM', () => {
  for (let i = 0; i < 10000; i++) document.body.appendChild(document.createElement('div')).textContent = 'row ' + i
  expect(document.querySelectorAll('div')).toHaveLength(10000)
  expect(sum(1, 2)).toBe(3)
})
`,
      'plain.test.js': `/** @jest-environment node */\ntest('runs without heapmark', () => { expect(typeof document).toBe('undefined') })\n`,
      // A leak check reads the profile mid-test: nothing heapmark keeps may hold on to the test.
      'checked.test.js': `const { limitLeaks } = require('heapmark')\ntest('checked for leaks', limitLeaks('1 MB', () => { expect(1).toBe(1) }))\n`,
    }, ['--coverage', '--logHeapUsage', '--detectLeaks'], { env: ON })
    expect(run.exitCode, run.output).toBe(0)
    // Jest adds the file's duration when it took over 5 s (seen under load): "(5.2 s, 71 MB heap size)".
    expect(run.output).toMatch(/PASS \.\/dom\.test\.js \((\d+(\.\d+)? s, )?\d+ MB heap size\)/)
    expect(run.output).toMatch(/sum\.js\s+\|\s+100/)
    expect(run.output).not.toContain('leaking memory')
    const dom = readReport(run).test('dom.test.js > builds a DOM')
    expect(dom.peakBytes / MiB).toBeGreaterThan(2)
    expect(readReport(run).test('checked for leaks').leaks).toMatchObject({ exceeded: false })
    expect(readReport(run).tests).toHaveLength(2)
    expect(run.output).toContain("1 test file(s) ran without heapmark's test environment, so their tests were not measured")
    expect(run.output).toContain('plain.test.js')
  })
})

describe(`Jest: switching on and off (${matrix.name})`, () => {
  test('a bad option stops the run before any test, even with heapmark off', async () => {
    const run = await runJestFixture({
      'jest.config.js': jestConfig('{ stack: 2 }'),
      'a.test.js': "test('never runs', () => { require('node:fs').writeFileSync(__dirname + '/ran', '') })\n",
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.output).toContain('Unknown heapmark option "stack". Did you mean "stacks"?')
    expect(run.exists('ran')).toBe(false)
    expect(run.output).not.toContain('Tests:')
  })

  test('off: no report, limits only run the body, heapmark never starts in the workers', async () => {
    const run = await runJestFixture({
      'jest.config.js': jestConfig("{ json: 'report.json' }", NO_TRANSFORM),
      'a.test.js': `const { limitMemory } = require('heapmark')
// First: limitMemory creates the (idle) state on its first call; only a measuring worker shares its own.
test('no measuring state in this worker', () => { expect(process[Symbol.for('heapmark.worker-state')]).toBeUndefined() })
test('big under a small limit', limitMemory('1 MB', () => { expect(new Array(1024 * 1024).fill(0).length).toBe(1024 * 1024) }))
`,
    })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).not.toContain('heapmark:')
    expect(run.exists('report.json')).toBe(false)
  })

  test('heapmark run -- jest switches it on with flags; captures are written', async () => {
    const run = await runJestFixture({
      'jest.config.js': jestConfig('{}', NO_TRANSFORM),
      'a.test.js': "test('big', () => { expect(new Array((8 * 1024 * 1024) / 8).fill(0).length).toBeGreaterThan(0) })\ntest('small', () => {})\n",
    }, ['run', '--json', 'report.json', '--bin-path', 'captures', '--', 'jest', '--runInBand'], { command: 'heapmark' })
    expect(run.exitCode, run.output).toBe(0)
    expectPeak(run, 'a.test.js > big', 8)
    expect(readdirSync(join(run.dir, 'captures')).filter((name) => name.endsWith('.heapprofile'))).toHaveLength(2)
    expect(run.output).toContain('heapmark: capture files (.heapprofile, one per test) are in')
  })

  test('heapmark run -- jest without the reporter in the config measures through the wrapper (no set-up hint)', async () => {
    const run = await runJestFixture({
      'jest.config.js': "module.exports = { testEnvironment: 'heapmark/jest/environment', reporters: ['default'] }\n",
      'a.test.js': "test('t', () => {})\n",
    }, ['run', '--', 'jest', '--runInBand'], { command: 'heapmark' })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toContain('heapmark: memory report (1 test measured')
    expect(run.output).not.toContain('did not load')
  })
})

function readFileText(run: FixtureRun, rel: string): string {
  return readFileSync(join(run.dir, rel), 'utf8')
}
