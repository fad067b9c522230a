/** limitLeaks through real Vitest runs: plain and iteration mode, filters, external memory, misuse. */
import { beforeAll, describe, expect, test } from 'vitest'
import { config, matrix, runFixture, type FixtureRun } from '../helpers/run-fixture.js'
import { readReport } from '../helpers/report.js'

const files = {
  'src/store.ts': `export const cache: object[] = []

export function remember(count: number): void {
  for (let i = 0; i < count; i++) cache.push({ i, label: 'entry ' + i })
}

const buffers: Buffer[] = []
export function keepBuffer(mib: number): void {
  buffers.push(Buffer.alloc(mib * 1024 * 1024, 1))
}

const patterns = new Map<string, RegExp>()
export function compileOnce(source: string): RegExp {
  let pattern = patterns.get(source)
  if (!pattern) patterns.set(source, (pattern = new RegExp(source + 'x'.repeat(50_000))))
  return pattern
}

const rows: number[][] = []
export function appendRow(): void {
  rows.push(new Array(2048).fill(0))
}
`,
  'leaks.test.ts': `import { expect, test } from 'vitest'
import { limitLeaks } from 'heapmark'
import { appendRow, compileOnce, keepBuffer, remember } from './src/store'

test('leaks into a module array', limitLeaks('1 MB', () => { remember(50_000) }))
test('allocates a lot, leaks nothing', limitLeaks('1 MB', () => {
  let total = 0
  for (let i = 0; i < 300_000; i++) total += ({ i }).i
  expect(total).toBeGreaterThan(0)
}))
test('leaks a buffer', limitLeaks('1 MB', () => { keepBuffer(4) }))
test('a cache that warms once', limitLeaks('16 KB', () => { compileOnce('id-') }, { iterations: 50, warmup: 3 }))
test('grows every iteration', limitLeaks('8 KB', () => { appendRow() }, { iterations: 50, warmup: 3 }))
test('filter ignores the location', limitLeaks('1 MB', () => { remember(50_000) }, { filter: (stack) => stack.frames[0]?.functionName !== 'remember' }))
test('filter that throws', limitLeaks('1 MB', () => { remember(50_000) }, { filter: () => { throw new Error('filter blew up') } }))
test('bad limit', limitLeaks('1 XB', () => {}))
test('bad iterations', limitLeaks('1 MB', () => {}, { iterations: 0 }))
`,
  'stability.test.ts': `import { test } from 'vitest'
import { limitLeaks } from 'heapmark'
import { appendRow, compileOnce } from './src/store'

// The same checks ten times over: sampling is random, the verdicts must not be.
for (let run = 1; run <= 10; run++) {
  test('stable pass ' + run, limitLeaks('16 KB', () => { compileOnce('stable-' + run) }, { iterations: 20, warmup: 2 }))
  test('stable fail ' + run, limitLeaks('8 KB', () => { appendRow() }, { iterations: 20, warmup: 2 }))
}
`,
}

describe(`limitLeaks (${matrix.name})`, () => {
  let run: FixtureRun
  beforeAll(async () => {
    run = await runFixture({ 'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"), ...files }, ['run', '--reporter=default'])
  }, 120_000)

  // Vitest's failure block for the test (" FAIL  leaks.test.ts > name"), not heapmark's report,
  // which names the same test and, under load, can be printed before it.
  const failureOf = (name: string) => {
    const start = run.output.search(new RegExp(`FAIL +leaks\\.test\\.ts > ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    expect(start, run.output).toBeGreaterThan(-1)
    return run.output.slice(start, start + 1500)
  }

  test('fails exactly the leaking tests', () => {
    expect(run.exitCode).toBe(1)
    expect(run.output).toMatch(/Tests\s+16 failed \| 13 passed/)
  })

  test('a leak into a module-level array names the location, its size and the TS line', () => {
    const text = failureOf('leaks into a module array')
    expect(text).toContain('LeakLimitError: Test was allowed to leak 1.0 MiB (1 MB) per location but at least one location leaked more')
    // 50,000 objects of ~40 B plus their label strings (the array store itself grows by copying).
    expect(text).toMatch(/- [2-4]\.\d MiB leaked at remember at src\/store\.ts:3/)
    expect(text).toMatch(/called from \(anonymous\) at leaks\.test\.ts:5/)
  })

  test('allocating a lot without keeping it passes', () => {
    const result = readReport(run).test('allocates a lot, leaks nothing')
    expect(result.state).toBe('passed')
    expect(result.leaks).toMatchObject({ spec: '1 MB', exceeded: false, iterations: 1 })
  })

  test('leaked Buffer contents are caught as external memory', () => {
    expect(failureOf('leaks a buffer')).toMatch(/- 4\.0 MiB leaked as external memory \(Buffer\/ArrayBuffer contents\)/)
  })

  test('iteration mode passes a cache that warms once and fails steady growth, per iteration', () => {
    expect(readReport(run).test('a cache that warms once').state).toBe('passed')
    const text = failureOf('grows every iteration')
    expect(text).toContain('allowed to grow 8.0 KiB (8 KB) per iteration per location but at least one location grew more (50 iterations after 3 warm-up runs)')
    // 2048 small integers: a 16 KiB store per iteration.
    expect(text).toMatch(/- 1[5-7]\.\d KiB per iteration \(80\d\.\d KiB over 50\) at appendRow at src\/store\.ts:20/)
  })

  test('a filter returning false ignores a location; a filter that throws fails with its error', () => {
    expect(readReport(run).test('filter ignores the location').state).toBe('passed')
    expect(failureOf('filter that throws')).toContain('Error: filter blew up')
  })

  test('verdicts are stable: ten runs of a cache and of steady growth give ten times the same answer', () => {
    const report = readReport(run)
    for (let n = 1; n <= 10; n++) {
      expect(report.test('stable pass ' + n).state, 'stable pass ' + n).toBe('passed')
      expect(report.test('stable fail ' + n).state, 'stable fail ' + n).toBe('failed')
    }
  })

  test('bad limits and options fail their own test with a clear message', () => {
    expect(failureOf('bad limit')).toContain('limitLeaks limit: Invalid memory size "1 XB"')
    expect(failureOf('bad iterations')).toContain('limitLeaks option iterations: expected a whole number >= 1, got 0')
  })
})

describe(`limitLeaks and worker threads (${matrix.name})`, () => {
  test('a worker left running counts as a leak unless currentThreadOnly', async () => {
    const run = await runFixture({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json' }"),
      'pool.ts': `import { Worker } from 'node:worker_threads'
export const pool: Worker[] = []
/** Starts a worker that keeps 20 MiB and stays alive in the module-level pool. */
export function startKeeper(): Promise<void> {
  const worker = new Worker("const { parentPort } = require('node:worker_threads'); globalThis.kept = new Array(20 * 1024 * 1024 / 8).fill(0); parentPort.postMessage('ready'); setInterval(() => {}, 1000)", { eval: true })
  pool.push(worker)
  return new Promise((resolve) => worker.once('message', () => resolve()))
}
`,
      'workers.test.ts': `import { afterAll, test } from 'vitest'
import { limitLeaks } from 'heapmark'
import { pool, startKeeper } from './pool'
afterAll(() => Promise.all(pool.map((w) => w.terminate())))
test('leaves a worker running', limitLeaks('4 MB', () => startKeeper()))
test('leaves a worker running, this thread only', limitLeaks('4 MB', () => startKeeper(), { currentThreadOnly: true }))
`,
    }, ['run', '--reporter=default'])
    const report = readReport(run)
    const nodeMajor = Number(matrix.nodeVersion.replace(/^v/, '').split('.')[0])
    expect(report.test('this thread only').state, run.output).toBe('passed')
    // Forks pool: Node 20 reads worker heaps over the inspector, Node 22.16+ with getHeapStatistics.
    expect(nodeMajor).toBeGreaterThanOrEqual(20)
    expect(report.test('leaves a worker running').state, run.output).toBe('failed')
    expect(run.output).toMatch(/- 2\d\.\d MiB held by worker thread \d+, started by the test and still running/)
  })
})
