/** Every pool reports every worker's tests in one report; concurrent tests are marked shared. */
import { describe, expect, test } from 'vitest'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { config, matrix, runFixture } from '../helpers/run-fixture.js'
import { readReport } from '../helpers/report.js'

const MiB = 1024 * 1024
const files = Object.fromEntries(
  [1, 2, 3].map((n) => [`f${n}.test.ts`, `import { expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
test('file ${n} keeps ${n * 8} MiB', () => { expect(new Array(${n * 8} * 1024 * 1024 / 8).fill(0).length).toBeGreaterThan(0) })
test('file ${n} over a limit', limitMemory('1 MB', () => { expect(Buffer.alloc(2 * 1024 * 1024).length).toBeGreaterThan(0) }))
`]),
)

describe(`pools (${matrix.name})`, () => {
  for (const pool of ['forks', 'threads', 'vmThreads']) {
    test(`${pool}: all workers reach one report, limits fail in workers`, async () => {
      const run = await runFixture({ 'vitest.config.ts': config(`{ enabled: true, json: 'report.json' }`, `{ pool: '${pool}' }`), ...files }, ['run', '--reporter=default'])
      expect(run.exitCode).toBe(1)
      expect(run.output).toMatch(/Tests\s+3 failed \| 3 passed/)
      expect(run.output).toContain('Test was limited to 1.0 MiB (1 MB)')
      const report = readReport(run)
      expect(report.tests).toHaveLength(6)
      for (const n of [1, 2, 3]) {
        const peak = report.test(`file ${n} keeps ${n * 8} MiB`).peakBytes / MiB
        expect(peak).toBeGreaterThan(n * 8 - 1)
        expect(peak).toBeLessThan(n * 8 + 1)
      }
      expect(report.test('file 3 keeps 24 MiB').sites[0]?.frames[0]).toMatchObject({ file: 'f3.test.ts', line: 3 })
    })
  }

  test('concurrent tests are marked shared, and a limit in one is refused', async () => {
    const run = await runFixture({
      'vitest.config.ts': config(`{ enabled: true, json: 'report.json' }`),
      'c.test.ts': `import { describe, expect, test } from 'vitest'
import { limitMemory } from 'heapmark'
const pause = () => new Promise((r) => setTimeout(r, 30))
describe.concurrent('together', () => {
  test('one', async () => { const a = new Array(1e6).fill(0); await pause(); expect(a.length).toBe(1e6) })
  test('two', async () => { await pause(); expect(1).toBe(1) })
  test('limited', limitMemory('64 MB', async () => { await pause() }))
})
test('alone afterwards', () => { expect(1).toBe(1) })
`,
    }, ['run', '--reporter=default'])
    expect(run.exitCode).toBe(1)
    expect(run.output).toContain('cannot be checked while')
    const report = readReport(run)
    expect(report.test('together > one').shared?.overlapping).toBeGreaterThan(0)
    expect(report.test('together > two').shared?.overlapping).toBeGreaterThan(0)
    expect(report.test('alone afterwards').shared).toBeUndefined()
    expect(run.output).toContain('(shared: ran concurrently with')
  })

  /**
   * V8's flags belong to the process: in a thread pool, a worker thread resetting --expose-gc
   * while another is between setting it and reading `gc` used to leave the other without one
   * ("ReferenceError: gc is not defined" as a Vitest run error; the file never ran). Started four
   * at a time, 4 to 13 worker threads in 120 lost the race before the retry (dist/core/measure/gc.js
   * as built, each thread loading it fresh as a pool's worker does).
   */
  test('threads: every worker thread gets a working gc() when many start at once', async () => {
    const gcModule = pathToFileURL(resolve('dist/core/measure/gc.js')).href
    const source = `const { parentPort } = require('node:worker_threads')
import(${JSON.stringify(gcModule)}).then(({ getGc }) => { getGc()({ type: 'minor' }); parentPort.postMessage('ok') }, (error) => parentPort.postMessage(String(error)))
  .catch((error) => parentPort.postMessage(String(error)))`
    const inThread = () => new Promise<string>((done, fail) => {
      const worker = new Worker(source, { eval: true })
      worker.once('message', (message: string) => { done(message); void worker.terminate() })
      worker.once('error', (error) => done(String(error)))
      worker.once('exit', (code) => fail(new Error(`worker exited with ${code} before answering`)))
    })
    const outcomes: string[] = []
    for (let round = 0; round < 30; round++) outcomes.push(...(await Promise.all([inThread(), inThread(), inThread(), inThread()])))
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([])
  })
})
