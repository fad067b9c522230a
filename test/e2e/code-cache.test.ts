/**
 * heapmark's worker code loads with a V8 code cache (core/load/cached-bundle.ts): real Vitest and
 * node:test runs write it into the project's node_modules/.cache/heapmark on a first run and read
 * it on the next, with the same results; a cache that is switched off, broken or cannot be written
 * changes nothing but the speed. That a worker took the entry shows in the entry itself: a worker
 * that finds none, or one V8 refuses, writes it again once its first file is done.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { config, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { readReport } from '../helpers/report.js'
import { REGISTER, REPORTERS } from '../helpers/node-test.js'

const vitestFiles = {
  'vitest.config.ts': config(),
  // The project's own node_modules, where the cache goes (heapmark and Vitest resolve further up).
  'node_modules/.keep': '',
  'a.test.ts': `import { test } from 'vitest'
const kept: unknown[] = []
test('keeps 4 MiB', () => { kept.push(new Array(512 * 1024).fill(1)) })
test('small', () => { JSON.stringify({ a: [1, 2, 3] }) })
`,
  'b.test.ts': `import { test } from 'vitest'
test('allocates 2 MiB', () => { new Array(256 * 1024).fill(2) })
`,
}

const nodeTestFiles = {
  'node_modules/.keep': '',
  'a.test.js': `import { test } from 'node:test'
const kept = []
test('keeps 4 MiB', () => { kept.push(new Array(512 * 1024).fill(1)) })
`,
}

const cacheDir = (run: FixtureRun) => path.join(run.dir, 'node_modules/.cache/heapmark')
const entries = (run: FixtureRun, bundle: string) => {
  try {
    return readdirSync(cacheDir(run)).filter((name) => name.startsWith(`${bundle}@`) && name.endsWith('.v8cache'))
  } catch {
    return []
  }
}
const mtime = (run: FixtureRun, entry: string) => statSync(path.join(cacheDir(run), entry)).mtimeMs

/** Test names with their peaks rounded to MiB: what must not change with the cache. */
function measured(run: FixtureRun): Array<[string, number]> {
  return readReport(run, 'out/report.json').tests.map((t: { name: string; peakBytes: number }) => [t.name, Math.round(t.peakBytes / 2 ** 20)] as [string, number]).sort()
}

describe('Vitest workers', () => {
  const args = ['run', '--reporter=default']
  const env = { HEAPMARK: '1', HEAPMARK_JSON: 'out/report.json' }

  test('the first run writes one entry, the next run reads it and measures the same', async () => {
    const first = await runFixture(vitestFiles, args, { env })
    expect(first.exitCode, first.output).toBe(0)
    const [entry] = entries(first, 'runner-worker.cjs')
    expect(entries(first, 'runner-worker.cjs'), first.output).toHaveLength(1)
    const written = mtime(first, entry!)

    const second = await first.rerun(args, { env })
    expect(second.exitCode, second.output).toBe(0)
    expect(entries(second, 'runner-worker.cjs')).toEqual([entry])
    expect(mtime(second, entry!)).toBe(written)
    expect(measured(second)).toEqual(measured(first))
    expect(measured(second).map(([name]) => name)).toEqual(['a.test.ts > keeps 4 MiB', 'a.test.ts > small', 'b.test.ts > allocates 2 MiB'])
  }, 120_000)

  test('an entry V8 refuses is replaced, and the run is unaffected', async () => {
    const first = await runFixture(vitestFiles, args, { env })
    const [entry] = entries(first, 'runner-worker.cjs')
    writeFileSync(path.join(cacheDir(first), entry!), 'not a code cache')
    const second = await first.rerun(args, { env })
    expect(second.exitCode, second.output).toBe(0)
    expect(measured(second)).toEqual(measured(first))
    expect(statSync(path.join(cacheDir(second), entry!)).size).toBeGreaterThan(1000)
  }, 120_000)

  test('HEAPMARK_CODE_CACHE=0 writes nothing; a cache folder that cannot be written changes nothing', async () => {
    const off = await runFixture(vitestFiles, args, { env: { ...env, HEAPMARK_CODE_CACHE: '0' } })
    expect(off.exitCode, off.output).toBe(0)
    expect(entries(off, 'runner-worker.cjs')).toEqual([])

    const blocked = await runFixture({ ...vitestFiles, 'node_modules/.cache/heapmark': 'a file where the folder should be' }, args, { env })
    expect(blocked.exitCode, blocked.output).toBe(0)
    // (The history file, kept in the same folder by default, says it cannot be written: its own message.)
    expect(blocked.output).not.toMatch(/v8cache|runner-worker/)
    expect(measured(blocked)).toEqual(measured(off))
  }, 120_000)
})

describe('node:test processes', () => {
  const args = [...REGISTER, '--test', ...REPORTERS, 'a.test.js']
  const env = { HEAPMARK: '1', HEAPMARK_JSON: 'out/report.json' }

  test('the first run writes one entry, the next run reads it and measures the same', async () => {
    const first = await runFixture(nodeTestFiles, args, { command: 'node', env })
    expect(first.exitCode, first.output).toBe(0)
    const [entry] = entries(first, 'register-worker.cjs')
    expect(entries(first, 'register-worker.cjs'), first.output).toHaveLength(1)
    const written = mtime(first, entry!)

    const second = await first.rerun(args, { command: 'node', env })
    expect(second.exitCode, second.output).toBe(0)
    expect(mtime(second, entry!)).toBe(written)
    expect(measured(second)).toEqual(measured(first))
    expect(measured(second)).toEqual([['a.test.js > keeps 4 MiB', 4]])
  }, 120_000)
})
