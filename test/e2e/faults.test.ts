/**
 * Faults (issue 6), through real Vitest runs: a worker killed mid-file, and heapmark unable to
 * open the inspector. Thrown errors, timeouts and heap exhaustion are covered in compat.test.ts
 * and retention.test.ts.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import { MiB, mibPattern, readReport } from '../helpers/report.js'

const block = `const block = (mib: number) => new Array(Math.round((mib * 1024 * 1024) / 8)).fill(1)`

describe(`faults (${matrix.name})`, () => {
  test('a worker killed mid-file: the rest still reaches the report, the dead test is named, no file is half-written', async () => {
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'out/report.json', binPath: 'captures' }", "{ pool: 'forks' }"),
      'killed.test.ts': `import { expect, test } from 'vitest'
${block}
test('before the crash', () => { expect(block(6).length).toBeGreaterThan(0) })
test('killed', () => { process.kill(process.pid, 'SIGKILL') })
test('after the crash', () => {})
`,
      'healthy.test.ts': `import { expect, test } from 'vitest'
${block}
test('healthy', () => { expect(block(3).length).toBeGreaterThan(0) })
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode).not.toBe(0)
    expect(run.output).toMatch(/heapmark: a test worker died \(worker \d+, heap limit [\d.]+ \w+\) while running killed\.test\.ts > killed\./)
    const report = readReport(run, 'out/report.json')
    expect(report.incidents[0]).toMatchObject({ kind: 'died', runningTest: { name: 'killed.test.ts > killed' } })
    expect(report.test('healthy.test.ts > healthy').peakBytes).toBeGreaterThan(2.8 * MiB)
    const before = report.incidents[0]!.tests.find((t) => t.name === 'killed.test.ts > before the crash')
    expect(before?.peakBytes).toBeGreaterThan(5.5 * MiB)
    // Atomic writes: nothing temporary left next to the report or the captures.
    expect(readdirSync(join(run.dir, 'out'))).toEqual(['report.json'])
    const captures = readdirSync(join(run.dir, 'captures'))
    expect(captures.filter((name) => !name.endsWith('.heapprofile'))).toEqual([])
    expect(captures.some((name) => name.startsWith('healthy.test.ts--healthy'))).toBe(true)
  })

  test('heapmark cannot open the sampling profiler: tests still pass with a warning, a leak check fails loudly', async () => {
    const run = await runFixture({
      // A Node preload that breaks both doors to V8's sampling profiler in the test workers (the
      // inspector, and Node 26's v8.startHeapProfile), as a locked-down runtime would.
      'no-profiler.cjs': [
        "const refuse = function () { throw new Error('profiler disabled by policy') }",
        "require('node:inspector').Session.prototype.connect = refuse",
        "const v8 = require('node:v8')",
        'if (v8.startHeapProfile) v8.startHeapProfile = refuse',
        '',
      ].join('\n'),
      'vitest.config.ts': config("{ enabled: true, json: 'report.json' }", "{ pool: 'forks', execArgv: ['--require', './no-profiler.cjs'] }"),
      'plain.test.ts': `import { expect, test } from 'vitest'
import { limitLeaks, limitMemory } from 'heapmark'
${block}
test('passes', () => { expect(block(8).length).toBeGreaterThan(0) })
test('limit still checked', limitMemory('4 MB', () => { expect(block(8).length).toBeGreaterThan(0) }))
test('leak check cannot run', limitLeaks('1 MB', () => {}))
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode).toBe(1)
    expect(run.output).toMatch(/Tests\s+2 failed \| 1 passed/)
    expect(run.output).toContain('heapmark: allocation sampling is unavailable in this worker (profiler disabled by policy): peaks, totals and retained memory are measured; allocation sites are not, and limitLeaks cannot run.')
    expect(run.output).toContain("limitLeaks() cannot run: heapmark could not open V8's sampling heap profiler in this worker (profiler disabled by policy).")
    expect(run.output).toMatch(new RegExp(`MemoryLimitError: Test was limited to 4\\.0 MiB \\(4 MB\\) but its peak was ${mibPattern(8)} MiB`))
    const report = readReport(run)
    expect(report.test('passes')).toMatchObject({ state: 'passed', sampled: false })
    expect(report.test('passes').peakBytes).toBeGreaterThan(7.5 * MiB)
  })
})
