/**
 * A generated fixture project of many small tests, for the scale check (test/e2e/scale.test.ts).
 *
 * Besides the tests it carries a probe, a second plugin listed after heapmark's, which wraps the
 * heapmark reporter's hooks in the MAIN process (no change to heapmark needed):
 *
 * - `onTestModuleEnd`: time spent summarising each file's results as it ends (summed).
 * - `onTestRunEnd`: time from the call to the end of heapmark's work (build the report, render the
 *   text report, write the JSON file). Reporters are called together (`Promise.all`), so a second
 *   reporter could not tell when heapmark's async JSON write ends; wrapping can.
 * - A reporter of its own, listed after heapmark's, which waits for heapmark's onTestRunEnd and then
 *   reads the main-process heap after full GCs, then again after deleting the per-test records and
 *   per-file data heapmark carried in Vitest's task meta (keys starting with "heapmark"). It works
 *   with heapmark off too (HEAPMARK=0), for the same run without heapmark to compare with.
 *
 * The numbers go to `probe.json` in the fixture folder. In the workers, the last test of each file
 * writes the worker's heap after a full GC to `worker-heap/<file>.json` (heapmark's per-file state
 * is still alive then: its records are shipped at the file's end).
 */
export interface ScaleProbe {
  /** heapmark was on (its reporter was found). */
  heapmark: boolean
  /** ms from heapmark's onTestRunEnd call to the end of its promise (report built, rendered, written). */
  reportMs?: number
  /** CPU time of the main process (all its threads) in that window: the workers have ended by then. */
  reportCpuMs?: number
  /** ms spent in heapmark's onTestModuleEnd, summed over files. */
  moduleEndMs: number
  /** Main-process heap after full GCs, once heapmark's report is done. */
  heapUsed: number
  /** Heap freed by then deleting heapmark's per-test records and per-file data from Vitest's task meta. */
  metaBytes: number
}

export interface ScaleFixtureOptions {
  files: number
  testsPerFile: number
  /**
   * Tests 1, 1 + n, 1 + 2n, … of each file keep 1.5 MiB alive during their body (so every file's
   * allocation sites are read, and some results carry sites); the same share at any file size.
   */
  allocateEvery: number
}

export function scaleFixture({ files, testsPerFile, allocateEvery }: ScaleFixtureOptions): Record<string, string> {
  const project: Record<string, string> = {
    'vitest.config.ts': `import { writeFileSync } from 'node:fs'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { defineConfig } from 'vitest/config'
import { heapmark } from 'heapmark/vitest'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
/** Heap used after full GCs (two: a second one catches what the first one's finalisers freed). */
function settledHeap(): number {
  gc()
  gc()
  return getHeapStatistics().used_heap_size
}

function scaleProbe() {
  return {
    name: 'scale-probe',
    configureVitest({ vitest }: { vitest: any }) {
      const reporters = vitest.config.reporters as any[]
      const heapmarkReporter = reporters.find((r) => r?.[Symbol.for('heapmark.reporter')])
      let moduleEndMs = 0
      let reportMs: number | undefined
      let reportCpuMs: number | undefined
      let heapmarkDone: Promise<unknown> = Promise.resolve()
      if (heapmarkReporter) {
        const moduleEnd = heapmarkReporter.onTestModuleEnd.bind(heapmarkReporter)
        heapmarkReporter.onTestModuleEnd = (module: unknown) => {
          const started = performance.now()
          moduleEnd(module)
          moduleEndMs += performance.now() - started
        }
        const runEnd = heapmarkReporter.onTestRunEnd.bind(heapmarkReporter)
        heapmarkReporter.onTestRunEnd = (...args: unknown[]) => {
          const started = performance.now()
          const cpu = process.cpuUsage()
          heapmarkDone = Promise.resolve(runEnd(...args)).then(() => {
            reportMs = performance.now() - started
            const used = process.cpuUsage(cpu)
            reportCpuMs = (used.user + used.system) / 1000
          })
          return heapmarkDone
        }
      }
      // Listed after heapmark's reporter, so by the time Vitest calls this one (all reporters are
      // called in order, then awaited together), heapmark's onTestRunEnd has started.
      reporters.push({
        async onTestRunEnd(modules: any[]) {
          await heapmarkDone
          const heapUsed = settledHeap()
          for (const module of modules) {
            for (const task of [module, ...module.children.allTests()]) {
              const meta = task.meta()
              for (const key of Object.keys(meta)) if (key.startsWith('heapmark')) delete meta[key]
            }
          }
          const metaBytes = heapUsed - settledHeap()
          writeFileSync('probe.json', JSON.stringify({ heapmark: Boolean(heapmarkReporter), reportMs, reportCpuMs, moduleEndMs, heapUsed, metaBytes }))
        },
      })
    },
  }
}

export default defineConfig({
  plugins: [heapmark({ enabled: true, json: 'report.json' }), scaleProbe()],
})
`,
    'src/work.ts': `/** Keeps \`mib\` MiB alive while \`use\` runs. */
export function holdMemory(mib: number, use: (data: number[]) => number): number {
  return use(new Array((mib * 1024 * 1024) / 8).fill(0))
}
/** A small realistic body: a few records built, serialised and parsed. */
export function smallWork(i: number): number {
  const rows = [{ id: i, name: 'row ' + i }, { id: i + 1, name: 'row ' + (i + 1) }]
  return (JSON.parse(JSON.stringify(rows)) as typeof rows).length
}
`,
    'src/probe.ts': `import { mkdirSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Writes this worker's heap after full GCs to worker-heap/<file>.json. */
export function recordWorkerHeap(file: string): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
  mkdirSync('worker-heap', { recursive: true })
  writeFileSync('worker-heap/' + basename(file) + '.json', JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }))
}
`,
  }
  for (let f = 1; f <= files; f++) {
    const name = `scale-${String(f).padStart(2, '0')}.test.ts`
    project[`test/${name}`] = `import { describe, expect, test } from 'vitest'
import { holdMemory, smallWork } from '../src/work'
import { recordWorkerHeap } from '../src/probe'

describe('file ${f}', () => {
  for (let i = 1; i <= ${testsPerFile - 1}; i++) {
    if ((i - 1) % ${allocateEvery} === 0) test('keeps 1.5 MiB ' + i, () => { expect(holdMemory(1.5, (d) => d.length)).toBe(196608) })
    else test('small ' + i, () => { expect(smallWork(i)).toBe(2) })
  }
  test('worker heap', () => { recordWorkerHeap(${JSON.stringify(name)}) })
})
`
  }
  return project
}
