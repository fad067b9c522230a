/**
 * The report `heapmark run` makes from the workers' journals when the runner's main process died
 * (core/oom/journal-report.ts), and the journal folder's ownership (core/oom/journal.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JOURNAL_DIR_ENV, JournalDir } from '../../../../src/core/oom/journal.js'
import { resolveOptions } from '../../../../src/core/config/options.js'
import { reportFromJournals } from '../../../../src/core/oom/journal-report.js'
import type { TestRecord } from '../../../../src/core/worker/test-result.js'

const MiB = 1024 * 1024
const record = (peak: number): TestRecord => ({ peakBytes: peak, heapPeakBytes: peak, externalPeakBytes: 0, allocatedBytes: peak, overlapping: 0, durationMs: 1 })
const lines = (...entries: unknown[]) => entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n'

let dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapmark-journal-test-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs = []
})

function output() {
  const logged: string[] = []
  return { logged, output: { log: (text: string) => logged.push(text), color: false } }
}

/** A worker that finished two tests (one kept 40 MiB) and died in the third, near its limit; another that finished its test. */
function writeJournals(dir: string): void {
  writeFileSync(join(dir, '100-1.jsonl'), lines(
    { worker: '100/1', heapLimit: 240 * MiB },
    { start: 'a1', name: 'suite.test.ts > small', file: 'suite.test.ts', live: 5 * MiB },
    { end: 'a1', peak: MiB, record: record(MiB) },
    { start: 'a2', name: 'suite.test.ts > keeps 40', file: 'suite.test.ts', live: 5 * MiB },
    { end: 'a2', peak: 40 * MiB, record: record(40 * MiB) },
    { retained: 'a2', bytes: 40 * MiB },
    { start: 'a3', name: 'suite.test.ts > grows', file: 'suite.test.ts', live: 46 * MiB },
    { nearLimit: 'a3', live: 170 * MiB, sites: [{ functionName: 'block', file: 'suite.test.ts', line: 3, bytes: 150 * MiB }], profileMs: 20 },
  ) + '{"end":"a3","pe')
  writeFileSync(join(dir, '100-2.jsonl'), lines(
    { worker: '100/2', heapLimit: 240 * MiB },
    { start: 'b1', name: 'other.test.ts > other', file: 'other.test.ts', live: 5 * MiB },
    { end: 'b1', peak: 3 * MiB, record: record(3 * MiB) },
  ))
}

describe('reportFromJournals', () => {
  it('reports every finished test (state unknown), the dying test, its retainers and the sites read near the limit', async () => {
    const dir = tempDir()
    writeJournals(dir)
    const json = join(dir, 'out', 'report.json')
    new JournalDir(dir).describeRun({ options: { ...resolveOptions({}, {}), json }, runner: { name: 'vitest', version: '4.1.12' }, rootDir: dir })
    const { logged, output: out } = output()
    const summary = await reportFromJournals(dir, out)
    expect(summary?.tests).toBe(3)
    const text = logged.join('\n')
    expect(text).toContain("the test runner's main process exited before reporting; this report comes from its workers' journals (3 finished tests)")
    expect(text).toContain('heapmark: a test worker died (worker 100/1, heap limit 240.0 MiB) while running suite.test.ts > grows.')
    expect(text).toMatch(/- block at suite\.test\.ts:3 -> 150\.0 MiB/)
    expect(text).toMatch(/\+40\.0 MiB {2}suite\.test\.ts > keeps 40/)
    const report = JSON.parse(readFileSync(json, 'utf8'))
    expect(report.runner).toEqual({ name: 'vitest', version: '4.1.12' })
    expect(report.tests.map((t: { name: string; state: string }) => [t.name, t.state])).toEqual([
      ['suite.test.ts > keeps 40', 'unknown'],
      ['other.test.ts > other', 'unknown'],
      ['suite.test.ts > small', 'unknown'],
    ])
    expect(report.incidents).toHaveLength(1)
    expect(report.incidents[0]).toMatchObject({ kind: 'died', runningTest: { name: 'suite.test.ts > grows' }, resultsLost: 0, nearLimit: { liveBytes: 170 * MiB, duringTest: 'suite.test.ts > grows', profileMs: 20 } })
  })

  it('stays silent when the runner reported the run itself, or no worker kept a journal', async () => {
    const reported = tempDir()
    writeJournals(reported)
    new JournalDir(reported).markReported()
    const { logged, output: out } = output()
    expect(await reportFromJournals(reported, out)).toBeUndefined()
    expect(await reportFromJournals(tempDir(), out)).toBeUndefined()
    expect(logged).toEqual([])
  })
})

describe('JournalDir', () => {
  it('uses the folder heapmark run names and leaves it in place; makes and removes its own otherwise', () => {
    const given = tempDir()
    const handedOver = new JournalDir(undefined, { [JOURNAL_DIR_ENV]: given })
    expect(handedOver.path).toBe(given)
    handedOver.remove()
    expect(existsSync(given)).toBe(true)
    const own = new JournalDir(undefined, {})
    expect(own.path).not.toBe(given)
    own.remove()
    expect(existsSync(own.path)).toBe(false)
  })

  it('clear() keeps the run description, so a watch-mode rerun can still be reported from the journals', () => {
    const dir = tempDir()
    const journals = new JournalDir(undefined, { [JOURNAL_DIR_ENV]: dir })
    journals.describeRun({ options: resolveOptions({}, {}), runner: { name: 'jest', version: '30' }, rootDir: dir })
    writeJournals(dir)
    journals.markReported()
    journals.clear()
    expect(journals.reported).toBe(false)
    expect(journals.read().size).toBe(0)
    expect(journals.readRunDescription()?.runner.name).toBe('jest')
  })
})
