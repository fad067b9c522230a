/**
 * Compatibility (issue 6), watch mode: a rerun after a file change prints a fresh report with the
 * new numbers, not the first run's. runFixture() waits for the process to exit, so this file has its
 * own small harness: it starts `vitest watch` in its own process group, reads its output as it
 * comes, edits a test file, and kills the whole group at the end (or on any failure/timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, inject, test } from 'vitest'
import { childEnv, config, matrix, resolveE2eEnv } from '../helpers/run-fixture.js'
import { MiB } from '../helpers/report.js'
import type { MemoryReport } from '../../src/core/report/model.js'

const env = resolveE2eEnv()


interface WatchProcess {
  dir: string
  output(): string
  /** Resolves when `predicate(output)` holds; rejects with the output so far after `timeoutMs`. */
  waitFor(what: string, predicate: (output: string) => boolean, timeoutMs: number): Promise<void>
  stop(): void
}

const started = new Set<ChildProcess>()
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  } catch {
    // ESRCH: already gone.
  }
}
afterAll(() => { for (const child of started) killGroup(child) })
process.once('exit', () => { for (const child of started) killGroup(child) })

async function startWatch(files: Record<string, string>, args: string[]): Promise<WatchProcess> {
  // Kept until global teardown removes the run folder (like runFixture's fixtures made outside a test).
  const dir = await mkdtemp(join(inject('heapmarkE2eRunDir'), 'watch-'))
  for (const [rel, content] of Object.entries({ 'package.json': JSON.stringify({ name: 'fixture-watch', private: true, type: 'module' }), ...files })) {
    await mkdir(dirname(join(dir, rel)), { recursive: true })
    await writeFile(join(dir, rel), content)
  }
  const child = spawn(env.node, [join(env.envDir, 'node_modules/vitest/vitest.mjs'), ...args], {
    cwd: dir, env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.add(child)
  let output = ''
  let exited: string | undefined
  const listeners = new Set<() => void>()
  const notify = () => { for (const l of listeners) l() }
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { output += s; notify() })
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { output += s; notify() })
  child.on('exit', (code, signal) => { exited = `exited with ${code ?? signal}`; notify() })
  return {
    dir,
    output: () => output,
    waitFor(what, predicate, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(output)) done(() => resolve())
          else if (exited) done(() => reject(new Error(`vitest watch ${exited} while waiting for ${what}; output:\n${output}`)))
        }
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output:\n${output}`))), timeoutMs)
        const done = (settle: () => void) => { clearTimeout(timer); listeners.delete(check); settle() }
        listeners.add(check)
        check()
      })
    },
    stop() {
      killGroup(child)
      started.delete(child)
    },
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1
const WRITTEN = 'heapmark: JSON report written to report.json'
const keeps = (mib: number) => `import { expect, test } from 'vitest'
test('a keeps memory', () => { expect(new Array(${mib} * 1024 * 1024 / 8).fill(0).length).toBe(${mib} * 131072) })
`

describe(`compat: watch mode (${matrix.name})`, () => {
  test('a rerun after an edit reports the new peak, not the first run\'s', async () => {
    const watch = await startWatch({
      'vitest.config.ts': config("{ enabled: true, json: 'report.json', mostAllocations: 0 }"),
      'a.test.ts': keeps(4),
      'b.test.ts': `import { expect, test } from 'vitest'
test('b keeps 2 MiB', () => { expect(new Array(2 * 1024 * 1024 / 8).fill(0).length).toBe(262144) })
`,
    }, ['watch', '--reporter=default'])
    try {
      // Vitest says it is watching after its summary; heapmark's report may come before or after that.
      await watch.waitFor('the first report', (out) => count(out, WRITTEN) >= 1 && out.includes('Waiting for file changes'), 60_000)
      const first = JSON.parse(readFileSync(join(watch.dir, 'report.json'), 'utf8')) as MemoryReport
      expect(first.tests.map((t) => t.name).sort()).toEqual(['a.test.ts > a keeps memory', 'b.test.ts > b keeps 2 MiB'])
      const firstA = first.tests.find((t) => t.name.endsWith('a keeps memory'))!
      expect(firstA.peakBytes / MiB).toBeGreaterThan(3.5)
      expect(firstA.peakBytes / MiB).toBeLessThan(5)
      const firstText = watch.output()
      expect(count(firstText, 'heapmark: memory report')).toBe(1)

      // The edit: a.test.ts now keeps 16 MiB. Only a.test.ts reruns.
      await writeFile(join(watch.dir, 'a.test.ts'), keeps(16))
      await watch.waitFor('the report of the rerun', (out) => count(out, WRITTEN) >= 2, 60_000)
      const second = JSON.parse(readFileSync(join(watch.dir, 'report.json'), 'utf8')) as MemoryReport
      const secondA = second.tests.find((t) => t.name.endsWith('a keeps memory'))
      expect(secondA, JSON.stringify(second.tests.map((t) => t.name))).toBeDefined()
      expect(secondA!.peakBytes / MiB).toBeGreaterThan(15)
      expect(secondA!.peakBytes / MiB).toBeLessThan(17.5)
      // Fresh results only: one entry per test (nothing carried over or doubled from the first run).
      expect(second.tests.filter((t) => t.name.endsWith('a keeps memory'))).toHaveLength(1)
      expect(second.totals.peakBytes).toBe(secondA!.peakBytes)
      // b.test.ts did not rerun, so the rerun's report does not repeat its (stale) result.
      expect(second.tests.map((t) => t.name)).toEqual(['a.test.ts > a keeps memory'])
      const rerunText = watch.output().slice(firstText.length)
      expect(count(rerunText, 'heapmark: memory report')).toBe(1)
      expect(rerunText).toContain('heapmark: memory report (1 test measured')
      expect(rerunText).toMatch(/Allocation results for a\.test\.ts > a keeps memory at the high watermark\n\s+Peak memory: 1[56]\.\d MiB/)
      expect(rerunText).not.toMatch(/Peak memory: [34]\.\d MiB/)

      // And once more, smaller this time: each rerun's report stands alone.
      await writeFile(join(watch.dir, 'a.test.ts'), keeps(6))
      await watch.waitFor('the report of the second rerun', (out) => count(out, WRITTEN) >= 3, 60_000)
      const third = JSON.parse(readFileSync(join(watch.dir, 'report.json'), 'utf8')) as MemoryReport
      expect(third.tests).toHaveLength(1)
      expect(third.tests[0]!.peakBytes / MiB).toBeGreaterThan(5.5)
      expect(third.tests[0]!.peakBytes / MiB).toBeLessThan(7)
      expect(watch.output().slice(firstText.length + rerunText.length)).toMatch(/heapmark totals: 1 test measured, largest peak [56]\.\d MiB/)
    } finally {
      watch.stop()
    }
    expect(existsSync(watch.dir)).toBe(true)
  }, 150_000)
})
