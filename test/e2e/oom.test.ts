/**
 * The out-of-memory culprit in every pool and runner (issue 18), through real runs with a small
 * heap (--max-old-space-size=192 in NODE_OPTIONS, as users set it in CI): a file's 11th test grows
 * until the heap is exhausted after two earlier tests kept 48 and 40 MiB; another file finishes
 * in another worker. Every shape must name the dying test, the two retainers and report the other
 * file, whether the runner's main process survives (forks, vmForks, Jest workers, node:test) or
 * dies with it (Vitest's threads and vmThreads pools, Jest in band): then `heapmark run` reports
 * from the workers' journals.
 */
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { BABEL_TYPESCRIPT, jestConfig, runJestFixture } from '../helpers/run-jest-fixture.js'
import { BLOCK } from '../helpers/retention-fixtures.js'
import { MiB, readReport } from '../helpers/report.js'

const HEAP = { NODE_OPTIONS: '--max-old-space-size=192' }

/**
 * The near-limit read races the worker's death: the watcher polls every 10 ms, and near the limit
 * V8 runs back-to-back full GCs. On a loaded machine the window is missed now and then, and the
 * report then rightly has no "What filled the heap" section: in full-suite runs about one attempt
 * in fourteen of these tests (Node 24 vmThreads and node:test without isolation, Node 20 threads
 * and Jest in band, each once). Two retries for that race; a shape that never reads the sites
 * fails all three attempts.
 */
const NEAR_LIMIT_RACE = { retry: 2 }

/**
 * The dying test waits (at most 20 s) for the other file's test to be over, so "the other file's
 * results" do not depend on which worker the runner starts first; with one worker at a time
 * (Jest in band, node:test on 2 cores) the other file runs first anyway (its name sorts first, its
 * size is larger). The wait blocks, so the runner's 5 s test timeout would fire at the test's first
 * await after a slow start of the other file, before anything grew: the test gets 60 s (Vitest's
 * and Jest's third argument; node:test ignores it and has no timeout).
 */
const waitForOtherFile = `const deadline = Date.now() + 20_000
  while (!existsSync('other.done') && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)`

function suite(imports: string): string {
  return `${imports}
import { existsSync } from 'node:fs'
${BLOCK}
const registry = []
for (let i = 1; i <= 8; i++) test('small ' + i, () => { expect(block(1).length).toBeGreaterThan(0) })
test('keeps 48', () => { registry.push(block(48)) })
test('keeps 40', () => { registry.push(block(40)) })
test('grows until it dies', async () => {
  ${waitForOtherFile}
  for (let i = 0; i < 800; i++) {
    registry.push(block(1))
    // As code that loads data in a loop does: the near-limit watcher's reading (every 10 ms) then
    // always finds the worker between two allocations (a single synchronous burst may outrun it).
    await new Promise((resolve) => setImmediate(resolve))
  }
}, 60_000)
test('never runs', () => {})
`
}

/** Larger than the suite (runners that order by size start it first), and it signals its end. */
function otherFile(imports: string): string {
  return `${imports}
import { writeFileSync } from 'node:fs'
${BLOCK}
test('other file', () => { expect(block(3).length).toBeGreaterThan(0); writeFileSync('other.done', '') })
${'// padding: this file is the larger one\n'.repeat(40)}`
}

const VITEST = "import { expect, test } from 'vitest'"

function vitestFiles(pool: string): Record<string, string> {
  return {
    'vitest.config.ts': config('', `{ pool: '${pool}', maxWorkers: 2, fileParallelism: true }`),
    'suite.test.ts': suite(VITEST),
    'a-other.test.ts': otherFile(VITEST),
  }
}

/** The 1-based line where block() starts in a fixture's source: V8 names a sampled allocation by its function's start. */
const blockLine = (source: string) => source.split('\n').findIndex((line) => line.startsWith('const block')) + 1

/** What every shape must say, in the printed report and the JSON one. */
function expectCulpritNamed(run: FixtureRun, blockLine: number, prefix = ''): void {
  expect(run.exitCode, run.output).not.toBe(0)
  expect(run.output).toMatch(new RegExp(`heapmark: a test worker died \\(worker [\\d/]+, heap limit [\\d.]+ MiB\\) while running ${prefix}suite\\.test\\.[tj]s > grows until it dies\\.`))
  // Retained memory is read from the live level between tests (an upper bound unless a full GC
  // just ran): what an earlier file left and freed meanwhile moves it by a few MiB (Jest in band).
  expect(run.output).toMatch(/Tests in this worker that left the most memory alive \(look here first\):\n +\+(4[3-9]|50)\.\d MiB {2}\S*suite\.test\.[tj]s > keeps 48\n +\+(3[6-9]|4[0-2])\.\d MiB {2}\S*suite\.test\.[tj]s > keeps 40\n/)
  expect(run.output.match(/heapmark: memory report/g), 'one report, not two').toHaveLength(1)
  const report = readReport(run)
  const died = report.incidents.filter((incident) => incident.kind === 'died' && incident.runningTest?.name.endsWith('grows until it dies'))
  expect(died).toHaveLength(1)
  const peaks = new Map(died[0]!.tests.map((t) => [t.name.replace(/^.*suite/, 'suite'), t.peakBytes]))
  expect(peaks.get('suite.test.ts > keeps 48') ?? peaks.get('suite.test.js > keeps 48')).toBeGreaterThan(47 * MiB)
  // Near the limit, the site that filled the heap: the suite's block(), read while the worker was alive.
  expect(run.output).toMatch(/What filled the heap, read near its limit \((1[5-9]\d|2[0-3]\d)\.\d MiB used, during \S*suite\.test\.[tj]s > grows until it dies\): .*\n +- block at \S*suite\.test\.[tj]s:\d+ -> \d+\.\d MiB\n/)
  const site = died[0]!.nearLimit!.sites[0]!
  expect(site).toMatchObject({ functionName: 'block', line: blockLine })
  expect(site.file).toMatch(/suite\.test\.[tj]s$/)
  // At least what the two retainers keep (88 MiB), at most the whole heap limit.
  expect(site.bytes).toBeGreaterThan(88 * MiB)
  expect(site.bytes).toBeLessThan(died[0]!.heapLimitBytes)
  // The other file's test is in the report, with its peak.
  expect(report.test('other file').peakBytes).toBeGreaterThan(2.8 * MiB)
}

/**
 * How Vitest's threads pools end when a worker thread runs out of heap. Node ends the thread with
 * ERR_WORKER_OUT_OF_MEMORY and Vitest exits 1. That is best effort: when V8 runs out inside an
 * operation that cannot call Node's near-limit callback, it aborts the whole process (exit 134,
 * 128 + SIGABRT; nodejs/node#47224, #50761). One CI run in about ten on Node 24 ended that way; 55
 * local runs, 37 of them under CPU load, did not.
 */
function expectThreadPoolDeath(run: FixtureRun): void {
  expect([1, 134], run.output).toContain(run.exitCode)
  expect(run.output).toContain(run.exitCode === 1 ? 'Error: Worker exited unexpectedly' : 'heap out of memory')
}

describe(`the OOM culprit in every pool (${matrix.name})`, () => {
  for (const pool of ['forks', 'vmForks', 'threads', 'vmThreads']) {
    test(`Vitest ${pool}: heapmark run names the dying test and the retainers, and reports the other file`, NEAR_LIMIT_RACE, async () => {
      const run = await runFixture(vitestFiles(pool), ['run', '--json', 'report.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark', env: HEAP })
      expectCulpritNamed(run, blockLine(suite(VITEST)))
      if (pool.endsWith('hreads')) {
        // Vitest's main process itself died: the report comes from the journals, with the runner's failure code.
        expectThreadPoolDeath(run)
        expect(run.output).toContain("heapmark: the test runner's main process exited before reporting; this report comes from its workers' journals")
        expect(readReport(run).test('suite.test.ts > keeps 40')).toMatchObject({ state: 'unknown' })
      } else {
        expect(run.output).not.toContain("this report comes from its workers' journals")
        expect(readReport(run).test('other file').state).toBe('passed')
      }
    })
  }

  test('Vitest threads, plugin only (no heapmark run): nothing survives the main process, as the README says', async () => {
    const files = vitestFiles('threads')
    files['vitest.config.ts'] = config("{ enabled: true, json: 'report.json' }", "{ pool: 'threads', maxWorkers: 2 }")
    const run = await runFixture(files, ['run', '--reporter=default'], { env: HEAP })
    expectThreadPoolDeath(run)
    expect(run.output).not.toContain('heapmark: memory report')
    expect(run.exists('report.json')).toBe(false)
  })
})

describe(`other deaths in the threads pool (${matrix.name})`, () => {
  const healthy = `${VITEST}\n${BLOCK}\ntest('healthy', () => { expect(block(3).length).toBeGreaterThan(0) })\n`

  test('a worker killed with SIGKILL takes Vitest with it: heapmark run still names the test and reports what finished', async () => {
    const run = await runFixture({
      'vitest.config.ts': config('', "{ pool: 'threads', maxWorkers: 1 }"),
      'a-healthy.test.ts': healthy + '// padding: the larger file, run first\n'.repeat(40),
      'killed.test.ts': `${VITEST}\n${BLOCK}\nconst kept = []\ntest('keeps 6', () => { kept.push(block(6)) })\ntest('killed', () => { process.kill(process.pid, 'SIGKILL') })\ntest('after', () => {})\n`,
    }, ['run', '--json', 'report.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    // SIGKILL reaches the whole process: the runner's failure code is 128 + 9.
    expect(run.exitCode, run.output).toBe(137)
    expect(run.output).toMatch(/heapmark: a test worker died \(worker \d+\/\d+, heap limit [\d.]+ \w+\) while running killed\.test\.ts > killed\./)
    expect(run.output).toMatch(/\+[56]\.\d MiB {2}killed\.test\.ts > keeps 6\n/)
    const report = readReport(run)
    expect(report.test('healthy').peakBytes).toBeGreaterThan(2.8 * MiB)
    expect(report.test('killed.test.ts > keeps 6').peakBytes).toBeGreaterThan(5.5 * MiB)
  })

  test('a test that calls process.exit() inside a worker: the test is named, the other file is reported once', async () => {
    const run = await runFixture({
      'vitest.config.ts': config('', "{ pool: 'threads', maxWorkers: 1 }"),
      'a-healthy.test.ts': healthy + '// padding: the larger file, run first\n'.repeat(40),
      'exits.test.ts': `${VITEST}\n${BLOCK}\ntest('before', () => { expect(block(4).length).toBeGreaterThan(0) })\ntest('exits', () => { process.exit(3) })\ntest('after', () => {})\n`,
    }, ['run', '--json', 'report.json', '--', 'vitest', 'run', '--reporter=default'], { command: 'heapmark' })
    // Vitest turns process.exit() in a worker into the test's failure: the runner survives and reports.
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain('process.exit unexpectedly called with "3"')
    expect(run.output.match(/heapmark: memory report/g), run.output).toHaveLength(1)
    expect(run.output).not.toContain("this report comes from its workers' journals")
    const report = readReport(run)
    expect(report.test('exits.test.ts > exits').state).toBe('failed')
    expect(report.test('exits.test.ts > before').peakBytes).toBeGreaterThan(3.8 * MiB)
    expect(report.test('healthy').peakBytes).toBeGreaterThan(2.8 * MiB)
  })
})

describe(`the OOM culprit in Jest and node:test (${matrix.name})`, () => {
  const JEST = "const { expect, test } = require('@jest/globals')"
  const jestFiles = {
    'jest.config.js': jestConfig("{ json: 'report.json' }"),
    'babel.config.js': BABEL_TYPESCRIPT,
    'suite.test.ts': suite(JEST),
    'a-other.test.ts': otherFile(JEST),
  }

  for (const inBand of [false, true]) {
    test(`Jest ${inBand ? '--runInBand' : 'workers'}: heapmark run names the dying test and the retainers, and reports the other file`, NEAR_LIMIT_RACE, async () => {
      const run = await runJestFixture(jestFiles, ['run', '--', 'jest', inBand ? '--runInBand' : '--maxWorkers=2'], { command: 'heapmark', env: HEAP })
      expectCulpritNamed(run, blockLine(suite(JEST)))
      expect(run.output.includes("this report comes from its workers' journals")).toBe(inBand)
    })
  }

  const NODE = "import { test } from 'node:test'\nimport assert from 'node:assert'\nconst expect = (value) => ({ toBeGreaterThan: (n) => assert.ok(value > n) })"
  const plain = (source: string) => source.replace('(mib: number)', '(mib)')
  const nodeFiles = { 'suite.test.js': plain(suite(NODE)), 'a-other.test.js': plain(otherFile(NODE)) }

  test('node:test processes: heapmark run names the dying test and the retainers, and reports the other file', NEAR_LIMIT_RACE, async () => {
    const run = await runFixture(nodeFiles, ['run', '--json', 'report.json', '--', 'node', '--test', 'a-other.test.js', 'suite.test.js'], { command: 'heapmark', env: HEAP })
    expectCulpritNamed(run, blockLine(suite(NODE)))
  })

  // --test-isolation=none (Node 22.8+) runs every file in node's own process, which then dies.
  test.skipIf(Number(matrix.nodeVersion.slice(1).split('.')[0]) < 23)('node:test --test-isolation=none: node itself dies, heapmark run still reports', NEAR_LIMIT_RACE, async () => {
    const run = await runFixture(nodeFiles, ['run', '--json', 'report.json', '--', 'node', '--test', '--test-isolation=none', 'a-other.test.js', 'suite.test.js'], { command: 'heapmark', env: HEAP })
    expectCulpritNamed(run, blockLine(suite(NODE)))
  })
})
