/** limitMemory through real Vitest runs: pass, fail, at the limit, bad limits, misuse. */
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { mibPattern, readReport } from '../helpers/report.js'

const MiB = 1024 * 1024

describe(`limitMemory (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
      'src/work.ts': `export function fillBuffer(mib: number): Buffer {
  return Buffer.alloc(mib * 1024 * 1024, 1)
}
export function buildArray(mib: number): number[] {
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
`,
      'limits.test.ts': `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
import { buildArray, fillBuffer } from './src/work'
test('under its limit', limitMemory('24 MB', () => { expect(buildArray(8).length).toBeGreaterThan(0) }))
test('over its limit', limitMemory('16 MB', () => { expect(buildArray(32).length).toBeGreaterThan(0) }))
test('exactly at its limit', limitMemory(8 * 1024 * 1024, () => { expect(fillBuffer(8).length).toBe(8 * 1024 * 1024) }))
test('async body counts until it settles', limitMemory('4 MB', async () => {
  await new Promise((r) => setTimeout(r, 5))
  const data = buildArray(12)
  await new Promise((r) => setTimeout(r, 5))
  expect(data.length).toBeGreaterThan(0)
}))
test('bad unit', limitMemory('24 XB', () => {}))
test('negative', limitMemory('-1 MB', () => {}))
test('trailing junk', limitMemory('24 MB please', () => {}))
test('nested', limitMemory('24 MB', limitMemory('12 MB', () => {})))
test('unaffected neighbour', () => { expect(1).toBe(1) })
test('fixtures still reach the body', limitMemory('24 MB', ({ task }) => { expect(task.name).toBe('fixtures still reach the body') }))
`,
    }, ['run', '--reporter=default'])
  }, 120_000)

  // Vitest's failure block for the test (" FAIL  limits.test.ts > name"), not heapmark's report,
  // which names the same test and, under load, can be printed before it.
  const failureOf = (name: string) => {
    const start = run.output.search(new RegExp(`FAIL +limits\\.test\\.ts > ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    expect(start, run.output).toBeGreaterThan(-1)
    return run.output.slice(start, start + 1500)
  }

  test('the run fails because of the failing tests only', () => {
    expect(run.exitCode).toBe(1)
    expect(run.output).toMatch(/Tests\s+7 failed \| 3 passed/)
  })

  test('a test over its limit fails naming the limit, the peak and the stack', () => {
    const text = failureOf('over its limit')
    expect(text).toMatch(new RegExp(`MemoryLimitError: Test was limited to 16\\.0 MiB \\(16 MB\\) but its peak was ${mibPattern(32)} MiB`))
    expect(text).toMatch(/- buildArray at src\/work\.ts:4 -> 3[12]\.\d MiB/)
  })

  test('reaching the limit exactly fails too (external memory counts)', () => {
    expect(failureOf('exactly at its limit')).toMatch(/limited to 8\.0 MiB .* but its peak was 8\.\d MiB/)
  })

  test('async work after an await counts', () => {
    expect(failureOf('async body counts until it settles')).toMatch(/limited to 4\.0 MiB/)
  })

  test('bad limits fail only their test, quoting the bad string and the accepted format', () => {
    expect(failureOf('bad unit')).toContain('limitMemory limit: Invalid memory size "24 XB"')
    expect(failureOf('bad unit')).toContain('"24 MB"')
    expect(failureOf('negative')).toContain('"-1 MB"')
    expect(failureOf('trailing junk')).toContain('"24 MB please"')
  })

  test('nested limits are refused', () => {
    expect(failureOf('nested')).toContain('is nested in another limitMemory')
  })

  test('passing limited tests show their peak and limit in the report', () => {
    const report = readReport(run)
    const under = report.test('under its limit')
    expect(under.limit).toMatchObject({ kind: 'memory', spec: '24 MB', bytes: 24 * MiB, exceeded: false })
    expect(under.peakBytes / MiB).toBeGreaterThan(7.5)
    expect(under.peakBytes / MiB).toBeLessThan(9)
    expect(report.test('over its limit').limit).toMatchObject({ exceeded: true })
    expect(report.totals.limitFailures).toBe(3)
    // A limit failure reads the profile mid-file; the rest of the file is still read at its end.
    expect(report.test('unaffected neighbour').sampled).toBe(true)
    expect(run.output).toMatch(/Memory limit: 24 MB \(24\.0 MiB\): ok/)
  })

  test('limitMemory outside a test body is refused with a clear message', async () => {
    const misuse = await runFixture({
      'vitest.config.ts': config('{ enabled: true }'),
      'a.test.ts': `import { beforeAll, test } from 'vitest'
import { limitMemory } from 'heapmark'
beforeAll(() => limitMemory('1 MB', () => {})())
test('t', () => {})
`,
    }, ['run', '--reporter=default'])
    expect(misuse.exitCode).toBe(1)
    expect(misuse.output).toContain('limitMemory() ran outside a test body')
  })
})
