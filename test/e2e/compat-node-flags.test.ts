/**
 * Compatibility (issue 6), Node flags in the test workers: --max-old-space-size and --expose-gc in
 * forks' execArgv, NODE_OPTIONS=--expose-gc with the threads pool, and the profilers --cpu-prof and
 * --heap-prof. --heap-prof is the delicate one: V8 has ONE sampling heap profiler per isolate, and
 * both Node's --heap-prof and heapmark's attribution drive it through the inspector.
 *
 * Fixture runs start in beforeAll, a few at a time (see compat.test.ts for why not describe.concurrent).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun, type RunFixtureOptions } from '../helpers/run-fixture.js'
import { MiB, readReport } from '../helpers/report.js'
import { fixtureBatch } from '../helpers/fixture-batch.js'


const files = (pluginOptions: string, testOptions = '{}') => ({
  'vitest.config.ts': config(pluginOptions, testOptions),
  'src/lib.ts': `export function grow(mib: number): number[] {
  return new Array((mib * 1024 * 1024) / 8).fill(0)
}
`,
  // keepAlive8MiB keeps its array until the worker exits, so Node's own --heap-prof profile (which
  // holds only objects alive when it is written) must show it.
  'a.test.ts': `import { expect, test } from 'vitest'
import { grow } from './src/lib'
function keepAlive8MiB() { (globalThis as any).kept = new Array(8 * 1024 * 1024 / 8).fill(0) }
test('keeps 8 MiB alive', () => { keepAlive8MiB(); expect((globalThis as any).kept.length).toBe(1048576) })
test('grows 4 MiB', () => { expect(grow(4).length).toBe(524288) })
test('small', () => { expect(1).toBe(1) })
`,
})
const on = "{ enabled: true, json: 'report.json' }"

/** Peaks are right whatever the flags: the peak comes from GC statistics, not from the sampler. */
function expectPeaks(run: FixtureRun): void {
  expect(run.exitCode, run.output).toBe(0)
  expect(run.output).toMatch(/Tests\s+3 passed \(3\)/)
  expect(run.output.split('\n').filter((l) => l.includes('heapmark: memory report'))).toEqual(['heapmark: memory report (3 tests measured; all shown, largest peak first)'])
  const report = readReport(run)
  expect(report.test('keeps 8 MiB alive').peakBytes / MiB).toBeGreaterThan(7.5)
  expect(report.test('keeps 8 MiB alive').peakBytes / MiB).toBeLessThan(9)
  expect(report.test('grows 4 MiB').peakBytes / MiB).toBeGreaterThan(3.5)
  expect(report.test('grows 4 MiB').peakBytes / MiB).toBeLessThan(5)
  expect(report.test('small').peakBytes).toBeLessThan(256 * 1024)
}

/** Allocation sites were read: the 8 MiB array is attributed to keepAlive8MiB in a.test.ts. */
function expectSites(run: FixtureRun): void {
  const report = readReport(run)
  expect(report.test('keeps 8 MiB alive').sites[0]?.frames[0]).toMatchObject({ functionName: 'keepAlive8MiB', file: 'a.test.ts', line: 3 })
  expect(report.test('grows 4 MiB').sites[0]?.frames[0]).toMatchObject({ functionName: 'grow', file: 'src/lib.ts', line: 1 })
}

const profilesIn = (run: FixtureRun, ext: string) => readdirSync(run.dir).filter((f) => f.endsWith(ext))

/**
 * Vitest stops a forks worker with SIGTERM and SIGKILLs it 500 ms later (SIGKILL_TIMEOUT in Vitest 4.1
 * and 5.1); Node writes --heap-prof/--cpu-prof files on exit, so on a busy machine the file is
 * sometimes never written, with or without heapmark (measured: 4 of 6 runs wrote it with heapmark
 * off and two busy loops on the 2 cores). Retry until it is written.
 */
async function runUntilProfile(ext: string, fileMap: Record<string, string>, args: string[], opts?: RunFixtureOptions): Promise<FixtureRun> {
  let run: FixtureRun | undefined
  for (let attempt = 1; attempt <= 4; attempt++) {
    run = await runFixture(fileMap, args, opts)
    if (run.exitCode !== 0 || profilesIn(run, ext).length > 0) return run
  }
  return run!
}

/** Bytes of the .heapprofile's samples allocated in a function of this name (sizes as Node wrote them). */
function heapProfileBytes(run: FixtureRun, functionName: string): number {
  const [file] = profilesIn(run, '.heapprofile')
  if (!file) throw new Error(`Node wrote no .heapprofile in ${run.dir} (4 attempts); output:\n${run.output}`)
  interface Node { id: number; callFrame: { functionName: string }; children: Node[] }
  const profile = JSON.parse(readFileSync(join(run.dir, file), 'utf8')) as { head: Node; samples: { nodeId: number; size: number }[] }
  const ids = new Set<number>()
  const walk = (node: Node) => { if (node.callFrame.functionName === functionName) ids.add(node.id); node.children.forEach(walk) }
  walk(profile.head)
  return profile.samples.filter((s) => ids.has(s.nodeId)).reduce((sum, s) => sum + s.size, 0)
}

const batch = fixtureBatch(3)
batch.add('max-old-space-size', () => runFixture(files(on), ['run', '--reporter=default', '--pool=forks', '--execArgv=--max-old-space-size=512']))
batch.add('expose-gc forks', () => runFixture(files(on), ['run', '--reporter=default', '--pool=forks', '--execArgv=--expose-gc']))
batch.add('NODE_OPTIONS threads', () => runFixture(files(on), ['run', '--reporter=default', '--pool=threads'], { env: { NODE_OPTIONS: '--expose-gc' } }))
batch.add('heap-prof', () => runUntilProfile('.heapprofile', files(on), ['run', '--reporter=default', '--pool=forks', '--execArgv=--heap-prof']))
batch.add('heap-prof, heapmark off', () => runUntilProfile('.heapprofile', files(''), ['run', '--reporter=default', '--pool=forks', '--execArgv=--heap-prof']))
batch.add('cpu-prof', () => runUntilProfile('.cpuprofile', files(on), ['run', '--reporter=default', '--pool=forks', '--execArgv=--cpu-prof']))

describe(`compat: Node flags (${matrix.name})`, () => {
  beforeAll(() => batch.start(), 240_000)

  test('forks with --execArgv=--max-old-space-size=512: passes, measures, attributes', async () => {
    const run = await batch.get('max-old-space-size')
    expectPeaks(run)
    expectSites(run)
  })

  test('forks with --execArgv=--expose-gc (heapmark uses the exposed gc): passes, measures, attributes', async () => {
    const run = await batch.get('expose-gc forks')
    expectPeaks(run)
    expectSites(run)
  })

  test('threads with NODE_OPTIONS=--expose-gc: passes, measures, attributes', async () => {
    const run = await batch.get('NODE_OPTIONS threads')
    expectPeaks(run)
    expectSites(run)
  })

  test('forks with --execArgv=--cpu-prof: passes, measures, attributes, and Node writes its .cpuprofile', async () => {
    const run = await batch.get('cpu-prof')
    expectPeaks(run)
    expectSites(run)
    const [file] = profilesIn(run, '.cpuprofile')
    expect(file, `no .cpuprofile in ${run.dir}`).toBeDefined()
    const profile = JSON.parse(readFileSync(join(run.dir, file!), 'utf8')) as { nodes: unknown[]; samples: unknown[] }
    expect(profile.nodes.length).toBeGreaterThan(0)
    expect(profile.samples.length).toBeGreaterThan(0)
  })

  describe('forks with --execArgv=--heap-prof', () => {
    test('the run passes, peaks are right (they do not use the sampler), and Node writes a .heapprofile', async () => {
      const run = await batch.get('heap-prof')
      expectPeaks(run)
      expect(profilesIn(run, '.heapprofile')).toHaveLength(1)
    })

    test('control, heapmark off: Node\'s .heapprofile holds the test\'s 8 MiB that is still alive at exit', async () => {
      const run = await batch.get('heap-prof, heapmark off')
      expect(run.exitCode, run.output).toBe(0)
      expect(heapProfileBytes(run, 'keepAlive8MiB') / MiB).toBeGreaterThan(7.5)
    })
    test('heapmark leaves V8\'s one sampler to --heap-prof, says so, and still measures peaks', async () => {
      const run = await batch.get('heap-prof')
      expect(run.output).toContain("heapmark: --heap-prof is on. V8 has one sampling heap profiler per process")
      const kept = readReport(run).test('keeps 8 MiB alive')
      expect(kept.sampled).toBe(false)
      expect(kept.peakBytes / MiB).toBeGreaterThan(7.5)
    })
    test('Node\'s .heapprofile still holds the 8 MiB kept alive by the test', async () => {
      const run = await batch.get('heap-prof')
      expect(heapProfileBytes(run, 'keepAlive8MiB') / MiB).toBeGreaterThan(7.5)
    })
  })
})
