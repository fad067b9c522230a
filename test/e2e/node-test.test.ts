/** heapmark for node:test through real `node --test` runs: register module, reporter, `heapmark run`. */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { MiB, mibPattern, readReport } from '../helpers/report.js'
import { REGISTER, REPORTERS, failureOf, runNodeTest } from '../helpers/node-test.js'
import type { Capture } from '../../src/core/capture/format.js'

const nodeMajor = Number(matrix.nodeVersion.slice(1).split('.')[0])

const accuracyTest = `import { test } from 'node:test'
const MiB = 1024 * 1024
const kept = []
for (const mib of [10, 50]) {
  test(\`array \${mib} MiB\`, () => { kept.push(new Array((mib * MiB) / 8).fill(0)) })
  test(\`buffer \${mib} MiB\`, () => { kept.push(Buffer.alloc(mib * MiB, 1)) })
}
test('empty', () => {})
`

const limitsTest = `import { describe, it, test } from 'node:test'
import assert from 'node:assert/strict'
import { limitMemory } from 'heapmark'
function buildArray(mib) { return new Array((mib * 1024 * 1024) / 8).fill(0) }
describe('limits', () => {
  it('under its limit', limitMemory('24 MB', () => { assert.ok(buildArray(8).length > 0) }))
  it('over its limit', limitMemory('16 MB', () => { assert.ok(buildArray(32).length > 0) }))
  it('bad limit', limitMemory('24 XB', () => {}))
  it('unaffected neighbour', () => {})
})
test('parent', async (t) => {
  await t.test('limited subtest', limitMemory('4 MB', () => { assert.ok(buildArray(8).length > 0) }))
})
test('callback style', (t, done) => { const a = buildArray(2); setImmediate(() => done(a.length > 0 ? undefined : new Error('empty'))) })
`

const leaksTest = `import { test } from 'node:test'
import { limitLeaks } from 'heapmark'
const store = []
function remember(n) { store.push(new Array(n).fill(1.5)) }
test('leaks', limitLeaks('1 MB', () => { remember(400_000) }))
test('keeps nothing', limitLeaks('1 MB', () => { const a = new Array(400_000).fill(1.5); return a.length }))
const grown = new Map()
function grow() { grown.set(grown.size, new Array(4096).fill(1.5)) }
test('grows every iteration', limitLeaks('16 KB', () => { grow() }, { iterations: 20, warmup: 2 }))
const cache = new Map()
function fillOnce() { if (!cache.has('table')) cache.set('table', new Array(40_960).fill(1.5)) }
test('cache filled once', limitLeaks('16 KB', () => { fillOnce() }, { iterations: 20, warmup: 2 }))
`

const concurrentTest = `import { describe, it } from 'node:test'
import { limitMemory } from 'heapmark'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
describe('together', { concurrency: true }, () => {
  it('first', async () => { await sleep(100) })
  it('second', async () => { await sleep(100) })
  it('limited', limitMemory('64 MB', async () => { await sleep(100) }))
})
`

/** A test file whose test leaves a file behind, to tell whether any test ran. */
const witnessTest = `import { test } from 'node:test'
import { writeFileSync } from 'node:fs'
test('witness', () => { writeFileSync('ran', '') })
`

describe(`node:test (${matrix.name}, Node ${matrix.nodeVersion})`, () => {
  describe('register module + reporter, 4 files at --test-concurrency=2', () => {
    let run: FixtureRun
    beforeAll(async () => {
      run = await runNodeTest(
        { 'accuracy.test.js': accuracyTest, 'limits.test.js': limitsTest, 'leaks.test.js': leaksTest, 'concurrent.test.js': concurrentTest },
        [...REGISTER, '--test', '--test-concurrency=2', ...REPORTERS, 'accuracy.test.js', 'limits.test.js', 'leaks.test.js', 'concurrent.test.js'],
        { HEAPMARK: '1', HEAPMARK_JSON: 'out/report.json', HEAPMARK_MOST_ALLOCATIONS: '3' },
      )
    }, 120_000)

    test('one report after node:test\'s summary, with every test of every file', () => {
      expect(run.exitCode, run.output).toBe(1)
      const summary = run.output.indexOf('ℹ tests')
      const report = run.output.indexOf('heapmark: memory report (19 tests measured; top 3 by peak')
      expect(summary, run.output).toBeGreaterThan(-1)
      expect(report, run.output).toBeGreaterThan(summary)
      expect(run.output.match(/heapmark: memory report/g)).toHaveLength(1)
      expect(run.output).toMatch(/Allocation results for accuracy\.test\.js > (array|buffer) 50 MiB at the high watermark/)
      expect(run.output).toContain(`heapmark: JSON report written to ${path.join(run.dir, 'out/report.json')}`)
      const json = readReport(run, 'out/report.json')
      expect(json.runner).toEqual({ name: 'node:test', version: matrix.nodeVersion })
      expect(json.tests.map((t) => t.name).sort()).toEqual([
        'accuracy.test.js > array 10 MiB', 'accuracy.test.js > array 50 MiB', 'accuracy.test.js > buffer 10 MiB',
        'accuracy.test.js > buffer 50 MiB', 'accuracy.test.js > empty',
        'concurrent.test.js > together > first', 'concurrent.test.js > together > limited', 'concurrent.test.js > together > second',
        'leaks.test.js > cache filled once', 'leaks.test.js > grows every iteration', 'leaks.test.js > keeps nothing', 'leaks.test.js > leaks',
        'limits.test.js > callback style', 'limits.test.js > limits > bad limit', 'limits.test.js > limits > over its limit',
        'limits.test.js > limits > unaffected neighbour', 'limits.test.js > limits > under its limit', 'limits.test.js > parent',
        'limits.test.js > parent > limited subtest',
      ])
      expect(new Set(json.tests.map((t) => t.id)).size).toBe(19)
    })

    test('per-test peak within max(5%, 1 MiB) for arrays and Buffers', () => {
      const json = readReport(run, 'out/report.json')
      for (const kind of ['array', 'buffer']) {
        for (const mib of [10, 50]) {
          const peak = json.test(`${kind} ${mib} MiB`).peakBytes / MiB
          expect(Math.abs(peak - mib), `${kind} ${mib} MiB read ${peak.toFixed(2)} MiB`).toBeLessThanOrEqual(Math.max(0.05 * mib, 1))
        }
      }
      // The accuracy promise for a test keeping nothing: under 1 MiB. It reads ~20 KiB on a quiet
      // machine; on Node 24 under load it read 258-464 KiB in 3 of ~40 runs (CI, and by hand with
      // busy loops): heap growth with no GC in a 0.3 ms window whose body allocates nothing. Not
      // seen in 20 loaded runs of the build before this session's last changes, too few to tell.
      // What grows the heap there (V8 installing compiled code is a candidate) is not pinned down;
      // docs/measuring.md says so.
      expect(json.test('empty').peakBytes).toBeLessThan(MiB)
      const array = json.test('array 10 MiB')
      expect(array.sampled).toBe(true)
      expect(array.sites[0]?.frames[0]).toMatchObject({ file: 'accuracy.test.js', line: 5, kind: 'user' })
      expect(json.test('buffer 50 MiB').externalPeakBytes / MiB).toBeGreaterThan(49)
    })

    test('limitMemory fails a test over its limit in node:test\'s own failure output', () => {
      const text = failureOf(run, 'over its limit')
      expect(text).toMatch(new RegExp(`MemoryLimitError\\]?: Test was limited to 16\\.0 MiB \\(16 MB\\) but its peak was ${mibPattern(32)} MiB`))
      expect(text).toMatch(new RegExp(`Peak above the level at test start: ${mibPattern(32)} MiB \\(JS heap ${mibPattern(32)} MiB, external`))
      expect(text).toMatch(/- buildArray at limits\.test\.js:4 -> 3[12]\.\d MiB/)
      const json = readReport(run, 'out/report.json')
      expect(json.test('limits > over its limit')).toMatchObject({ state: 'failed', limit: { spec: '16 MB', exceeded: true } })
      expect(json.test('limits > under its limit')).toMatchObject({ state: 'passed', limit: { spec: '24 MB', exceeded: false } })
      expect(json.test('limits > unaffected neighbour').state).toBe('passed')
      expect(json.test('callback style').state).toBe('passed')
    })

    test('a bad limit string fails only its own test', () => {
      expect(failureOf(run, 'bad limit')).toContain('limitMemory limit: Invalid memory size "24 XB"')
      expect(run.output).toMatch(/✔ unaffected neighbour/)
    })

    test('a subtest is measured on its own, inside its parent', () => {
      expect(failureOf(run, 'limited subtest')).toMatch(/Test was limited to 4\.0 MiB \(4 MB\) but its peak was [78]\.\d MiB/)
      const json = readReport(run, 'out/report.json')
      const sub = json.test('parent > limited subtest')
      const parent = json.test('limits.test.js > parent')
      expect(sub.shared).toBeUndefined()
      expect(parent.shared).toBeUndefined()
      expect(parent.peakBytes).toBeGreaterThanOrEqual(sub.peakBytes - 0.5 * MiB)
      expect(parent.state).toBe('failed') // node:test fails a parent whose subtest failed
    })

    test('limitLeaks fails a leak and passes garbage, in both modes', () => {
      const leak = failureOf(run, 'leaks')
      expect(leak).toMatch(/LeakLimitError\]?: Test was allowed to leak 1\.0 MiB \(1 MB\) per location but at least one location leaked more/)
      expect(leak).toMatch(/- 3\.\d MiB leaked at remember at leaks\.test\.js:4/)
      const growth = failureOf(run, 'grows every iteration')
      expect(growth).toMatch(/grew more \(20 iterations after 2 warm-up runs\)/)
      expect(growth).toMatch(/per iteration .* at grow at leaks\.test\.js:8/)
      const json = readReport(run, 'out/report.json')
      expect(json.test('keeps nothing')).toMatchObject({ state: 'passed', leaks: { exceeded: false } })
      expect(json.test('cache filled once')).toMatchObject({ state: 'passed', leaks: { exceeded: false, iterations: 20, warmup: 2 } })
    })

    test('tests running concurrently in one file are marked shared and refuse limits', () => {
      expect(failureOf(run, 'limited')).toContain('limitMemory() cannot be checked while 2 other test(s) run at the same time')
      const json = readReport(run, 'out/report.json')
      expect(json.test('together > first').shared?.overlapping).toBeGreaterThanOrEqual(1)
      expect(json.test('together > second').shared?.overlapping).toBeGreaterThanOrEqual(1)
    })
  })

  test('heapmark run -- node --test: loads heapmark, reports once (with heapmark\'s reporter too), writes JSON and captures', async () => {
    const typed = nodeMajor >= 24 // type stripping on by default
    const files: Record<string, string> = {
      'src/grow.js': 'export function grow(mib) {\n  return new Array((mib * 1024 * 1024) / 8).fill(0)\n}\n',
      'wrapped.test.js': `import { test } from 'node:test'\nimport { grow } from './src/grow.js'\ntest('keeps 16 MiB', () => { globalThis.kept = grow(16) })\ntest('small', () => {})\n`,
      ...(typed ? { 'typed.test.ts': `import { test } from 'node:test'\n\ninterface Sized { mib: number }\nfunction build({ mib }: Sized): number[] {\n  return new Array((mib * 1024 * 1024) / 8).fill(0)\n}\ntest('typed 8 MiB', () => { (globalThis as { typed?: number[] }).typed = build({ mib: 8 }) })\n` } : {}),
    }
    const testFiles = ['wrapped.test.js', ...(typed ? ['typed.test.ts'] : [])]
    const run = await runFixture(files, ['run', '--json', 'out/report.json', '--bin-path', 'out/caps', '--most-allocations', '0', '--', 'node', '--test', ...REPORTERS, ...testFiles], { command: 'heapmark' })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output.match(/heapmark: memory report/g), run.output).toHaveLength(1)
    expect(run.output).toContain('Allocation results for wrapped.test.js > keeps 16 MiB')
    expect(run.output).not.toContain("did not load heapmark's plugin")
    const json = readReport(run, 'out/report.json')
    expect(json.test('keeps 16 MiB').peakBytes / MiB).toBeGreaterThan(15.2)
    expect(json.test('keeps 16 MiB').peakBytes / MiB).toBeLessThan(17)
    expect(json.test('keeps 16 MiB').sites[0]?.frames[0]).toMatchObject({ functionName: 'grow', file: 'src/grow.js', line: 1 })
    const caps = readdirSync(path.join(run.dir, 'out/caps'))
    expect(caps).toHaveLength(typed ? 3 : 2)
    const big = JSON.parse(readFileSync(path.join(run.dir, 'out/caps', caps.find((n) => n.includes('keeps-16-MiB'))!), 'utf8')) as Capture
    expect(big.heapmark).toMatchObject({ name: 'wrapped.test.js > keeps 16 MiB', file: 'wrapped.test.js' })
    expect(big.samples.length).toBeGreaterThan(0)
    if (typed) {
      // Type stripping keeps positions, so frames point at the TypeScript source as written.
      expect(json.test('typed 8 MiB').sites[0]?.frames[0]).toMatchObject({ functionName: 'build', file: 'typed.test.ts', line: 4 })
    }
  })

  test('--fail-on-increase judges a test against its last passing run (the history key is "file > test")', async () => {
    const growing = (mib: number) => ({ 'grow.test.js': `import { test } from 'node:test'\ntest('grows', () => { globalThis.kept = new Array(${mib} * 131072).fill(0) })\n` })
    const first = await runFixture(growing(2), ['run', '--fail-on-increase', '--history-path', 'history.json', '--', 'node', '--test', 'grow.test.js'], { command: 'heapmark' })
    expect(first.exitCode, first.output).toBe(0)
    const history = path.join(first.dir, 'history.json')
    expect(JSON.parse(readFileSync(history, 'utf8')).tests['grow.test.js > grows'].peakBytes / MiB).toBeCloseTo(2, 0)
    const second = await runFixture(growing(8), ['run', '--fail-on-increase', '--history-path', history, '--', 'node', '--test', '--test-reporter=spec', 'grow.test.js'], { command: 'heapmark' })
    expect(second.exitCode, second.output).toBe(1)
    expect(failureOf(second, 'grows')).toMatch(new RegExp(`MemoryIncreaseError\\]?: Peak memory grew from ${mibPattern(2)} MiB .* to ${mibPattern(8)} MiB`))
  })

  test('a test process that dies (out of memory) is named, with the tests it finished', async () => {
    const run = await runFixture({
      'oom.test.js': `import { test } from 'node:test'\nconst kept = []\ntest('keeps 2 MiB', () => { kept.push(new Array(262144).fill(0)) })\ntest('explodes', () => { for (;;) kept.push(new Array(1e6).fill(0)) })\n`,
    }, ['run', '--json', 'report.json', '--', 'node', '--max-old-space-size=64', '--test', 'oom.test.js'], { command: 'heapmark' })
    expect(run.exitCode, run.output).not.toBe(0)
    expect(run.output).toMatch(/heapmark: a test worker died \(worker \d+, heap limit [\d.]+ MiB\) while running oom\.test\.js > explodes/)
    expect(readReport(run).test('keeps 2 MiB').peakBytes / MiB).toBeGreaterThan(1.5)
  })

  describe('bad options stop the run before any test', () => {
    test('found by heapmark\'s reporter', async () => {
      const run = await runNodeTest({ 'one.test.js': witnessTest }, [...REGISTER, '--test', ...REPORTERS, 'one.test.js'], { HEAPMARK: '1', HEAPMARK_STACKS: 'abc' })
      expect(run.exitCode).not.toBe(0)
      expect(run.output).toContain('heapmark: Invalid value "abc" for environment variable HEAPMARK_STACKS: expected a whole number >= 1')
      expect(run.exists('ran')).toBe(false)
    })

    test('found by the register module alone', async () => {
      const run = await runNodeTest({ 'one.test.js': witnessTest }, [...REGISTER, '--test', '--test-reporter=spec', 'one.test.js'], { HEAPMARK: '1', HEAPMARK_SAMPLING_INTERVAL: '1' })
      expect(run.exitCode).not.toBe(0)
      expect(run.output).toContain('heapmark: Invalid value "1" for environment variable HEAPMARK_SAMPLING_INTERVAL')
      expect(run.exists('ran')).toBe(false)
    })

    test('found by heapmark run', async () => {
      const run = await runFixture({ 'one.test.js': witnessTest }, ['run', '--', 'node', '--test', 'one.test.js'], { command: 'heapmark', env: { HEAPMARK_MOST_ALLOCATIONS: '-3' } })
      expect(run.exitCode).not.toBe(0)
      expect(run.output).toContain('Invalid value "-3" for environment variable HEAPMARK_MOST_ALLOCATIONS')
      expect(run.exists('ran')).toBe(false)
    })
  })

  test('switched off, heapmark measures and prints nothing, and limits only run the body', async () => {
    const run = await runNodeTest({
      'off.test.js': `import { test } from 'node:test'\nimport { limitMemory } from 'heapmark'\ntest('big under a tiny limit', limitMemory('1 KB', () => { globalThis.kept = new Array(1024 * 1024).fill(0) }))\n`,
    }, [...REGISTER, '--test', ...REPORTERS, 'off.test.js'], { HEAPMARK: '0' })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toContain('✔ big under a tiny limit')
    expect(run.output).not.toContain('heapmark')
  })

  test('the reporter without the register module says how to load it', async () => {
    const run = await runNodeTest({ 'one.test.js': witnessTest }, ['--test', ...REPORTERS, 'one.test.js'], { HEAPMARK: '1' })
    expect(run.exitCode, run.output).toBe(0)
    expect(run.output).toContain('heapmark: node:test ran 1 test but none was measured')
    expect(run.output).toContain('--import heapmark/node/register')
  })
})
