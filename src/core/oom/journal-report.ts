import { JournalDir, type JournalEntry } from './journal.js'
import { resolveOptions, type ResolvedHeapmarkOptions } from '../config/options.js'
import type { TestRecord } from '../worker/test-result.js'
import { ReportCollector, type RunOutput } from '../run/collector.js'
import type { MemoryReport } from '../report/model.js'
import { plural } from '../report/numbers.js'

/**
 * The report of a run whose runner's main process died before reporting (Vitest's threads pools
 * when a worker runs out of memory, Jest in band): `heapmark run` outlives it and makes the report
 * from the workers' journals alone. What they hold: every test that started, each finished test's
 * record (peak, totals, limit), what each left alive, the test each worker was running, and the
 * allocation sites of a worker that came close to its heap limit. What they do not: pass/fail
 * states (the runner decides them after the body, in the process that died) and each test's own
 * allocation sites (read once per file, after the file).
 */
export interface JournalReportSummary {
  /** Finished tests found in the journals. */
  tests: number
  report: MemoryReport
}

/**
 * Returns undefined when the runner reported the run itself, or no worker wrote a journal.
 * `fallbackOptions`: the wrapper's own options, when the run never described itself (it died
 * before its reporter was made).
 */
export async function reportFromJournals(
  dir: string,
  output: RunOutput,
  fallbackOptions: ResolvedHeapmarkOptions = resolveOptions({}, {}),
): Promise<JournalReportSummary | undefined> {
  const journals = new JournalDir(dir)
  if (journals.reported) return undefined
  const entries = journals.read()
  if (entries.size === 0) return undefined
  const run = journals.readRunDescription()
  // No verdicts can be made without states: the report only describes.
  const options = { ...(run?.options ?? fallbackOptions), failOnIncrease: false }
  const collector = new ReportCollector(options, () => run?.runner ?? { name: 'unknown', version: 'unknown' }, () => run?.rootDir ?? process.cwd(), dir)
  let tests = 0
  for (const [, worker] of entries) {
    for (const test of finishedTests(worker)) {
      collector.add({ id: test.id, name: test.name, file: test.file, state: 'unknown' }, test.record, undefined)
      tests++
    }
  }
  output.log(
    `\nheapmark: the test runner's main process exited before reporting; this report comes from its workers' journals ` +
      `(${plural(tests, 'finished test')}). Pass/fail states and allocation sites per test are not in it.`,
  )
  const report = await collector.finish(output, { history: false })
  return { tests, report }
}

/** A worker's finished tests with their records (journals of older heapmark versions have none). */
function* finishedTests(entries: JournalEntry[]): Generator<{ id: string; name: string; file: string; record: TestRecord }> {
  const started = new Map<string, { name: string; file: string }>()
  for (const entry of entries) {
    if ('start' in entry) started.set(entry.start, { name: entry.name, file: entry.file })
    else if ('end' in entry && entry.record) {
      const test = started.get(entry.end)
      if (test) yield { id: entry.end, ...test, record: entry.record }
    }
  }
}
