/**
 * Retained memory per test and the OOM culprit, through real Vitest runs (issue 9): the test that
 * keeps memory alive is named and its neighbours are not; a clean suite reports nothing; a worker
 * that dies of heap exhaustion still leaves a report naming what it ran and what kept memory.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { BLOCK, CACHE_TEST_FILE } from '../helpers/retention-fixtures.js'
import { MiB, readReport } from '../helpers/report.js'


const files = {
  'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }", "{ include: ['*.test.ts'] }"),
  'cache.test.ts': CACHE_TEST_FILE,
  // Every second test leaves a listener whose closure holds 3 MiB.
  'listeners.test.ts': `import { EventEmitter } from 'node:events'
import { expect, test } from 'vitest'
${BLOCK}
const bus = new EventEmitter()
for (let i = 1; i <= 6; i++) {
  test('listener ' + i, () => {
    const payload = block(3)
    if (i % 2 === 0) bus.on('tick', () => payload.length)
    expect(payload.length).toBeGreaterThan(0)
  })
}
`,
}

const clean = {
  'vitest.config.ts': config("{ enabled: true, json: 'report.json' }"),
  'clean.test.ts': `import { expect, test } from 'vitest'
${BLOCK}
for (let i = 1; i <= 10; i++) test('clean ' + i, () => { expect(block(i % 3 + 1).length).toBeGreaterThan(0) })
`,
}

const retained = (run: FixtureRun, name: string) => readReport(run).test(name).retained?.bytes ?? 0

describe(`retained memory per test (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture(files, ['run', '--reporter=default'])
  }, 120_000)

  test('the test that fills a module-level cache is named with what it kept; the others are not', () => {
    expect(run.exitCode, run.output).toBe(0)
    const kept = retained(run, 'cache.test.ts > test 3')
    expect(kept).toBeGreaterThan(4.5 * MiB)
    expect(kept).toBeLessThan(5.5 * MiB)
    for (const i of [1, 2, 4, 5, 6, 7, 8, 9, 10]) expect(retained(run, `cache.test.ts > test ${i}`), `test ${i}`).toBeLessThan(MiB)
    const section = run.output.slice(run.output.indexOf('Memory retained across tests'))
    expect(section).toMatch(/\+(4\.[5-9]|5\.[0-4]) MiB {2}cache\.test\.ts > test 3/)
    expect(section).not.toMatch(/cache\.test\.ts > test (?!3\b)\d+/)
  })

  test('listeners left behind are named, the tests that removed nothing are not', () => {
    for (const i of [2, 4, 6]) {
      expect(retained(run, `listener ${i}`), `listener ${i}`).toBeGreaterThan(2.7 * MiB)
      expect(retained(run, `listener ${i}`), `listener ${i}`).toBeLessThan(4.5 * MiB)
    }
    for (const i of [1, 3, 5]) expect(retained(run, `listener ${i}`), `listener ${i}`).toBeLessThan(MiB)
  })

  test("the JSON report has each worker's live memory test by test", () => {
    const report = readReport(run)
    const points = report.workers.flatMap((worker) => worker.points)
    expect(points.length).toBeGreaterThanOrEqual(16)
    const afterCache = points.find((point) => point.test === 'cache.test.ts > test 3')
    expect(afterCache?.file).toBe('cache.test.ts')
    // The exact points of the cache file climb by the cache's 5 MiB (give or take the runner's own
    // state between the first test and the file's end, about 0.5 MiB either way here).
    const worker = report.workers.find((w) => w.points.some((point) => point.file === 'cache.test.ts'))!
    const exact = worker.points.filter((point) => point.file === 'cache.test.ts' && point.exact)
    expect(exact.at(-1)!.bytes - exact[0]!.bytes).toBeGreaterThan(4 * MiB)
    expect(exact.at(-1)!.bytes - exact[0]!.bytes).toBeLessThan(6 * MiB)
  })

  test('a clean suite reports no retained memory', async () => {
    const cleanRun = await runFixture(clean, ['run', '--reporter=default'])
    expect(cleanRun.exitCode, cleanRun.output).toBe(0)
    expect(cleanRun.output).not.toContain('Memory retained across tests')
    expect(readReport(cleanRun).tests.every((t) => (t.retained?.bytes ?? 0) < MiB)).toBe(true)
  })

  test('precise mode measures every test on its own, exactly', async () => {
    const precise = await runFixture(files, ['run', '--reporter=default'], { env: { HEAPMARK_PRECISE_RETENTION: '1' } })
    const report = readReport(precise)
    const test3 = report.test('cache.test.ts > test 3').retained!
    expect(test3.exact).toBe(true)
    expect(test3.bytes).toBeGreaterThan(4.5 * MiB)
    expect(test3.bytes).toBeLessThan(5.5 * MiB)
    // Every test but the first of each file has its own exact figure.
    const measured = report.tests.filter((t) => t.retained?.exact)
    expect(measured.length).toBeGreaterThanOrEqual(14)
    // ...and the allocation sites still holding it: the block the test pushed into the cache.
    expect(test3.sites?.[0]).toMatchObject({ frames: [{ functionName: 'block', file: 'cache.test.ts', line: 2 }] })
    expect(test3.sites![0]!.bytes).toBeGreaterThan(4.5 * MiB)
    expect(report.test('listener 4').retained!.sites?.[0]?.frames[0]).toMatchObject({ functionName: 'block', file: 'listeners.test.ts', line: 3 })
    const section = precise.output.slice(precise.output.indexOf('Memory retained across tests'))
    expect(section).toMatch(/\+(4\.[5-9]|5\.[0-4]) MiB {2}cache\.test\.ts > test 3\n +- block at cache\.test\.ts:2 -> (4\.[5-9]|5\.[0-4]) MiB/)
    // V8's one sampling profiler serves the survivors here, so the tests' own allocation sites are not read.
    expect(report.test('cache.test.ts > test 3').sampled).toBe(false)
  })

  test('precise mode and limitLeaks exclude each other, and say so', async () => {
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, preciseRetention: true }"),
      'leak.test.ts': `import { test } from 'vitest'\nimport { limitLeaks } from 'heapmark'\ntest('leak check', limitLeaks('1 MB', () => {}))\n`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain("limitLeaks() cannot run with preciseRetention on: both need V8's one sampling heap profiler")
  })
})

describe(`retained memory when tests leave promoted garbage (${matrix.name})`, () => {
  test('full GCs close windows of several tests; the keeping test is still named, with what its window kept together', async () => {
    // Each test replaces the previous one's 2 MiB array: it survives a minor GC (promoted to the
    // old generation) and becomes garbage in the next test, which only a full GC can tell.
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json' }", "{ include: ['*.test.ts'] }"),
      'garbage.test.ts': `import { expect, test } from 'vitest'
${BLOCK}
const kept: number[][] = []
let previous: number[] = []
for (let i = 1; i <= 16; i++) {
  test('test ' + i, () => {
    previous = block(2)
    if (i === 12) kept.push(block(40))
    expect(previous.length).toBeGreaterThan(0)
  })
}
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(0)
    const report = readReport(run)
    // Fewer full GCs than tests: the old rule ran one after every test here (all 16 grew the heap).
    const exact = report.workers.flatMap((worker) => worker.points).filter((point) => point.exact)
    expect(exact.length).toBeLessThan(10)
    // The test that kept 40 MiB grew the heap past any budget, so a full GC right after it measured
    // it: its own figure is a lower bound (its start level held the window's garbage), and the
    // window's figure, between two full GCs, is what it and the tests before it kept together.
    const keeper = report.test('garbage.test.ts > test 12').retained!
    expect(keeper.bytes).toBeGreaterThan(0)
    expect(keeper.bytes).toBeLessThanOrEqual(41 * MiB)
    if (keeper.window) {
      expect(keeper.exact).toBe(false)
      expect(keeper.window.tests).toBeGreaterThan(1)
      expect(keeper.window.bytes).toBeGreaterThan(39 * MiB)
      expect(keeper.window.bytes).toBeLessThan(44 * MiB)
    } else {
      expect(keeper.bytes).toBeGreaterThan(39 * MiB)
    }
    const section = run.output.slice(run.output.indexOf('Memory retained across tests'))
    expect(section).toMatch(/\+\d+\.\d MiB {2}garbage\.test\.ts > test 12\b/)
    // The others kept nothing (each freed the previous array as it made its own; test 1 had none to free).
    for (const i of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15]) expect(report.test(`garbage.test.ts > test ${i}`).retained?.bytes ?? 0, `test ${i}`).toBeLessThan(MiB)
  }, 120_000)
})

describe(`the OOM culprit (${matrix.name})`, () => {
  test('a worker that runs out of heap still leaves a report: the test it was running and the test that kept memory', async () => {
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json' }", "{ pool: 'forks', execArgv: ['--max-old-space-size=96'] }"),
      'oom.test.ts': `import { expect, test } from 'vitest'
${BLOCK}
const kept: number[][] = []
test('innocent 1', () => { expect(block(4).length).toBeGreaterThan(0) })
test('keeps a lot', () => { kept.push(block(40)); expect(kept).toHaveLength(1) })
test('innocent 2', () => { expect(block(4).length).toBeGreaterThan(0) })
test('grows until it dies', () => { for (let i = 0; i < 100; i++) kept.push(block(8)) })
test('never runs', () => {})
`,
      'fine.test.ts': `import { expect, test } from 'vitest'\ntest('fine', () => { expect(1).toBe(1) })\n`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode).not.toBe(0)
    expect(run.output).toMatch(/heapmark: a test worker died \(worker \d+, heap limit \d+\.\d MiB\) while running oom\.test\.ts > grows until it dies\./)
    expect(run.output).toMatch(/Tests in this worker that left the most memory alive \(look here first\):\n +\+(39|40|41)\.\d MiB {2}oom\.test\.ts > keeps a lot\n/)
    expect(run.output).toContain('oom.test.ts > innocent 2 (peak ')
    const report = readReport(run)
    expect(report.incidents).toHaveLength(1)
    expect(report.incidents[0]).toMatchObject({ kind: 'died', runningTest: { name: 'oom.test.ts > grows until it dies', file: 'oom.test.ts' } })
    // The other file is reported. Of the tests that finished before the crash, each is either in
    // the report (Vitest had sent its state) or counted as lost with its peak from the journal.
    const names = report.tests.map((t) => t.name)
    expect(names).toContain('fine.test.ts > fine')
    const finished = ['oom.test.ts > innocent 1', 'oom.test.ts > keeps a lot', 'oom.test.ts > innocent 2']
    const reported = finished.filter((name) => names.includes(name))
    expect(reported.length + report.incidents[0]!.resultsLost).toBe(3)
    for (const name of finished) expect(report.incidents[0]!.tests.find((t) => t.name === name)?.peakBytes, name).toBeGreaterThan(3 * MiB)
  })
})
