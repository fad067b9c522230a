/** Memory of worker_threads a test starts: counted by default, ignored with currentThreadOnly. */
import { describe, expect, test } from 'vitest'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import { readReport } from '../helpers/report.js'

const MiB = 1024 * 1024
const files = {
  'start-worker.ts': `import { Worker } from 'node:worker_threads'
/** Runs a worker that keeps 40 MiB alive for 300 ms, then exits. */
export function runHungryWorker(): Promise<void> {
  const worker = new Worker('const data = new Array(40 * 1024 * 1024 / 8).fill(0); setTimeout(() => data.length, 300)', { eval: true })
  return new Promise((resolve, reject) => { worker.once('exit', () => resolve()); worker.once('error', reject) })
}
`,
  'threads.test.ts': `import { test } from 'vitest'
import { limitMemory } from 'heapmark'
import { runHungryWorker } from './start-worker'
test('counted by default', () => runHungryWorker())
test('over a limit through its worker', limitMemory('20 MB', () => runHungryWorker()))
test('this thread only', limitMemory('20 MB', () => runHungryWorker(), { currentThreadOnly: true }))
`,
}

describe(`worker threads (${matrix.name})`, () => {
  test("forks pool: a worker thread's heap counts unless currentThreadOnly", async () => {
    const run = await runFixture({ 'vitest.config.ts': config(`{ enabled: true, json: 'report.json', mostAllocations: 0 }`), ...files }, ['run', '--reporter=default'])
    expect(run.exitCode, run.output).toBe(1)
    expect(run.output).toMatch(/Tests\s+1 failed \| 2 passed/)
    // The worker's 40 MiB plus its start-up heap, as below (38-56 MiB): Node 24 read 50.0 once.
    const WORKER_MIB = '(3[89]|4\\d|5[0-5])\\.\\d'
    expect(run.output).toMatch(new RegExp(`limited to 20\\.0 MiB \\(20 MB\\) but its peak was ${WORKER_MIB} MiB`))
    expect(run.output).toMatch(new RegExp(`worker threads ${WORKER_MIB} MiB in 1`))
    const report = readReport(run)
    const counted = report.test('counted by default')
    expect(counted.workerThreads).toMatchObject({ count: 1, measured: true })
    // 40 MiB kept plus the worker's own start-up heap (a few MiB), sampled every 10 ms.
    expect(counted.peakBytes / MiB).toBeGreaterThan(38)
    expect(counted.peakBytes / MiB).toBeLessThan(56)
    expect(report.test('this thread only').limit).toMatchObject({ currentThreadOnly: true, exceeded: false })
    expect(run.output).toMatch(new RegExp(`1 worker thread ${WORKER_MIB} MiB`))
  })

  test('threads pool: counted where the runtime can read a worker heap, said so where not', async () => {
    const run = await runFixture({ 'vitest.config.ts': config(`{ enabled: true, json: 'report.json' }`, `{ pool: 'threads' }`), ...files }, ['run', '--reporter=default'])
    const counted = readReport(run).test('counted by default')
    if (Number(matrix.nodeVersion.replace(/^v/, '').split('.')[0]) >= 22) {
      expect(counted.workerThreads).toMatchObject({ count: 1, measured: true })
      expect(counted.peakBytes / MiB).toBeGreaterThan(38)
    } else {
      // Node 20 has no worker.getHeapStatistics(), and the inspector's NodeWorker domain is not
      // available inside a worker thread (where the threads pool runs tests).
      expect(counted.workerThreads).toMatchObject({ count: 1, measured: false })
      expect(run.output).toContain('1 worker thread not measurable here')
    }
  })
})
