/**
 * Memory where Vitest users already look (issue 14, point 4): each test's memory in Vitest's HTML
 * reporter (the same data and views as `vitest --ui`), as an annotation sent by heapmark's runner
 * while the test runs and as task meta; and GitHub Actions annotations at the test's line for
 * tests that failed on memory.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { config, matrix, resolveE2eEnv, runFixture } from '../helpers/run-fixture.js'
import { jestConfig, runJestFixture } from '../helpers/run-jest-fixture.js'
import { mibPattern, promiseSlackMiB } from '../helpers/report.js'

const files: Record<string, string> = {
  'vitest.config.ts': config(),
  // Line numbers matter: GitHub annotations point at the `test(` lines.
  'memory.test.ts': [
    `import { expect, test } from 'vitest'`,
    `import { limitMemory } from 'heapmark'`,
    `const scale = Number(process.env.SCALE ?? 1)`,
    `const build = (mib: number) => new Array(Math.round((mib * scale * 1024 * 1024) / 8)).fill(0)`,
    `const kept: unknown[] = []`,
    `test('keeps memory alive', () => { kept.push(build(6)) })`,
    `test('allocates 8 MiB', limitMemory('64 MB', () => { expect(build(8).length).toBeGreaterThan(0) }))`,
    `test('over its limit', limitMemory('1 MB', () => { expect(build(4).length).toBeGreaterThan(0) }))`,
    `test('fails normally', () => { expect(1).toBe(2) })`,
    '',
  ].join('\n'),
}

interface UiTask {
  type: string
  name: string
  tasks?: UiTask[]
  annotations?: Array<{ type: string; message: string }>
  meta: Record<string, any>
}

/** The HTML reporter's data file (flatted JSON, gzipped): html/ in Vitest 4, .vitest/ui/ in 5. */
function readHtmlReport(dir: string): { files: UiTask[] } {
  const file = matrix.vitestMajor === 4 ? join(dir, 'html/html.meta.json.gz') : join(dir, '.vitest/ui/html.meta.json.gz')
  // flatted is what @vitest/ui writes it with; taken from the env's own @vitest/ui install.
  const envRequire = createRequire(join(resolveE2eEnv().envDir, 'node_modules/@vitest/ui/package.json'))
  const { parse } = envRequire('flatted') as { parse(text: string): { files: UiTask[] } }
  return parse(gunzipSync(readFileSync(file)).toString('utf8'))
}

describe(`Vitest's UI and HTML reporter, GitHub annotations (${matrix.name})`, () => {
  test('the HTML reporter shows each test\'s peak, limit, retained memory and flags', async () => {
    const run = await runFixture(files, ['run', '--reporter=default', '--reporter=html'], { env: { HEAPMARK: '1' } })
    expect(run.exitCode, run.output).toBe(1)
    const [module] = readHtmlReport(run.dir).files
    const tests = Object.fromEntries((module!.tasks ?? []).map((t) => [t.name, t]))
    expect(Object.keys(tests).sort()).toEqual(['allocates 8 MiB', 'fails normally', 'keeps memory alive', 'over its limit'])

    // The runner's annotation: one per test, sent while the test ran (failing tests included).
    for (const t of Object.values(tests)) {
      expect(t.annotations?.filter((a) => a.type === 'heapmark'), t.name).toHaveLength(1)
      expect(t.annotations![0]!.message).toMatch(/^peak \d+(\.\d)? (B|KiB|MiB) \(JS heap .*, external .*\)/)
    }
    const over = tests['over its limit']!
    // Readings within the accuracy promise; the excess and the share as the printed peak gives them.
    const overMessage = /^peak ([\d.]+) MiB .*; limit 1 MB \(1\.0 MiB\): EXCEEDED by ([\d.]+) MiB \(peak is (\d+)% of it\)$/.exec(over.annotations![0]!.message)
    expect(overMessage, over.annotations![0]!.message).not.toBeNull()
    const [overPeak, excess, overShare] = overMessage!.slice(1).map(Number) as [number, number, number]
    expect(Math.abs(overPeak - 4)).toBeLessThanOrEqual(promiseSlackMiB(4))
    expect(Math.abs(excess - (overPeak - 1))).toBeLessThanOrEqual(0.1 + 1e-9)
    expect(Math.abs(overShare - overPeak * 100)).toBeLessThanOrEqual(5)
    const eightMessage = /^peak ([\d.]+) MiB .*; limit 64 MB \(64\.0 MiB\): ok, peak is (\d+)% of it$/.exec(tests['allocates 8 MiB']!.annotations![0]!.message)
    expect(eightMessage, tests['allocates 8 MiB']!.annotations![0]!.message).not.toBeNull()
    const [eightPeak, eightShare] = eightMessage!.slice(1).map(Number) as [number, number]
    expect(Math.abs(eightPeak - 8)).toBeLessThanOrEqual(promiseSlackMiB(8))
    expect(Math.abs(eightShare - (eightPeak / 64) * 100)).toBeLessThanOrEqual(1)

    // Task meta ("Test Meta" in the test's view): the same in words, retention included, and flags.
    expect(over.meta.heapmarkMemory).toMatchObject({ overLimit: true, grew: false, limit: expect.stringMatching(/^1 MB \(1\.0 MiB\): EXCEEDED/) })
    expect(tests['allocates 8 MiB']!.meta.heapmarkMemory).toMatchObject({ overLimit: false, grew: false, peak: expect.stringMatching(new RegExp(`^${mibPattern(8)} MiB`)) })
    // The live peak beside it, in the words the text report uses (a test that sees no GC: not known).
    expect(tests['allocates 8 MiB']!.meta.heapmarkMemory.live).toMatch(/^(not known \(no GC ran during the test\)|(at least )?\d+(\.\d)? (B|KiB|MiB))$/)
    // 6 MiB kept in a module-level array; the figure is exact or a lower bound within 1 MiB.
    const retained = tests['keeps memory alive']!.meta.heapmarkMemory.retained as string
    const retainedMiB = Number(/^(\d+\.\d) MiB/.exec(retained)?.[1])
    expect(retainedMiB, retained).toBeGreaterThan(6 * 0.95 - 1)
    expect(retainedMiB, retained).toBeLessThan(6 * 1.1)
    expect(tests['keeps memory alive']!.meta.heapmark.peakBytes).toBeGreaterThanOrEqual((6 - promiseSlackMiB(6)) * 2 ** 20)

    // Without the HTML reporter (or --ui), nothing is added for Vitest's own reporters to print.
    const plain = await run.rerun(['run', '--reporter=verbose', '--reporter=json', '--outputFile.json=results.json'], { env: { HEAPMARK: '1' } })
    expect(plain.output).not.toMatch(/heapmark\s*\n.*peak \d/)
    const json = plain.readJson('results.json') as { testResults: Array<{ assertionResults: Array<{ meta: Record<string, unknown> }> }> }
    for (const result of json.testResults[0]!.assertionResults) expect(result.meta).not.toHaveProperty('heapmarkMemory')
  })

  test('in GitHub Actions, tests over their limit or grown past the tolerance get ::error at their line, with the memory facts', async () => {
    const env = { HEAPMARK: '1', GITHUB_ACTIONS: 'true' }
    const run = await runFixture(files, ['run', '--reporter=default', '--reporter=github-actions'], { env })
    expect(run.exitCode, run.output).toBe(1)
    const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error '))
    const file = join(run.dir, 'memory.test.ts')
    const ours = errors.filter((line) => line.includes('title=heapmark'))
    expect(ours).toHaveLength(1)
    expect(ours[0]).toMatch(new RegExp(
      `^::error file=${escape(file)},line=8,col=1,title=heapmark%3A over its memory limit::memory\\.test\\.ts > over its limit%0A` +
      `peak ${mibPattern(4)} MiB \\(JS heap ${mibPattern(4)} MiB, external \\d.*; limit 1 MB \\(1\\.0 MiB\\): EXCEEDED by ${mibPattern(3)} MiB.*%0A` +
      'biggest allocating function: build at memory\\.test\\.ts:4 -> [34]\\.\\d MiB$',
    ))
    // Vitest's own reporter annotates the ordinary failure, not the memory one (no stack frame):
    // nothing is said twice.
    expect(errors.filter((line) => line.includes(',line=8,'))).toHaveLength(1)
    expect(errors.some((line) => line.includes('title=memory.test.ts > fails normally') || line.includes('fails normally'))).toBe(true)

    // The next run with --fail-on-increase: the two tests that passed before triple their memory,
    // past the 10% tolerance (at least 1 MiB).
    const grown = await run.rerun(['run', '--reporter=default', '--reporter=github-actions'], { env: { ...env, SCALE: '3', HEAPMARK_FAIL_ON_INCREASE: '1' } })
    expect(grown.exitCode, grown.output).toBe(1)
    const grew = grown.stdout.split('\n').filter((line) => line.startsWith('::error ') && line.includes('title=heapmark%3A peak grew'))
    expect(grew.map((line) => /,line=(\d+),/.exec(line)?.[1]).sort()).toEqual(['6', '7'])
    expect(grew.find((line) => line.includes(',line=7,'))).toMatch(new RegExp(
      `^::error file=${escape(file)},line=7,col=1,title=heapmark%3A peak grew past --fail-on-increase::memory\\.test\\.ts > allocates 8 MiB%0A` +
      `peak 2\\d\\.\\d MiB .*; peak increase \\+1\\d\\.\\d MiB since the last passing run \\(${mibPattern(8)} MiB\\): EXCEEDED the allowed \\+1\\.0 MiB`,
    ))
    // Without GITHUB_ACTIONS: no workflow commands from heapmark.
    const local = await run.rerun(['run', '--reporter=default'], { env: { HEAPMARK: '1' } })
    expect(local.stdout).not.toContain('::error')
  })

  test('Jest runs get the same annotation, on stdout, at the test file (Jest gives no line)', async () => {
    const run = await runJestFixture({
      'jest.config.js': jestConfig(),
      'over.test.js': `const { limitMemory } = require('heapmark')\ntest('over its limit', limitMemory('1 MB', () => { expect(new Array(512 * 1024).fill(0).length).toBe(512 * 1024) }))\n`,
    }, [], { env: { HEAPMARK: '1', GITHUB_ACTIONS: 'true' } })
    expect(run.exitCode, run.output).toBe(1)
    const ours = run.stdout.split('\n').filter((line) => line.startsWith('::error ') && line.includes('title=heapmark'))
    expect(ours, run.output).toHaveLength(1)
    expect(ours[0]).toMatch(new RegExp(
      `^::error file=${escape(join(run.dir, 'over.test.js'))},title=heapmark%3A over its memory limit::over\\.test\\.js > over its limit%0A` +
      `peak ${mibPattern(4)} MiB .*; limit 1 MB \\(1\\.0 MiB\\): EXCEEDED by ${mibPattern(3)} MiB`,
    ))
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
