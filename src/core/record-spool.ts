import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import type { Attribution } from './attribution.js'
import type { ReportCollector } from './report/collector.js'
import type { FileRetention } from './retention.js'
import type { TestState } from './report/model.js'
import type { TestRecord } from './test-result.js'
import type { TestIdentity } from './worker-session.js'

/**
 * A run's side channel from the processes that run tests to the one process that reports, for
 * runners that give an adapter no channel of its own (node:test; Jest's reporters see none of a
 * test's custom data). The reporting side makes a directory and names it in SPOOL_ENV before the
 * test processes start, so they inherit it; each test process appends JSON lines to its own file
 * there; the reporting side reads them all once the run is over. Runner-agnostic: entries are
 * the core's own records.
 */
export const SPOOL_ENV = 'HEAPMARK_SPOOL_DIR'

/** Created by the first reader to report the spool, so a run is never reported twice. */
const CLAIM_FILE = 'reported'

export type SpoolEntry =
  | { kind: 'runner'; runner: { name: string; version: string } }
  | { kind: 'test'; identity: TestIdentity & { state: TestState }; record: TestRecord }
  /**
   * A test process's per-file results once its tests are over (reading attribution forces a GC):
   * attribution by test id and what the tests left alive. `file`: its (first) test file.
   */
  | { kind: 'file'; file: string; attributions: Record<string, Attribution>; retention: FileRetention }

/**
 * A new, empty spool directory (in `parent`, or the system's temporary directory), with the
 * folder the test processes keep their journals in (spoolJournalDir).
 */
export function createSpoolDir(parent?: string): string {
  const dir = parent ? path.join(parent, 'spool') : mkdtempSync(path.join(os.tmpdir(), 'heapmark-spool-'))
  mkdirSync(spoolJournalDir(dir), { recursive: true })
  return dir
}

/** Where test processes keep their journals (core/journal.ts), so a process that dies leaves a trace. */
export function spoolJournalDir(dir: string): string {
  return path.join(dir, 'journal')
}

/** Appends entries to this process's (and thread's) own file in the spool: no two writers share a file. */
export class SpoolWriter {
  private fd: number | undefined
  private readonly file: string

  constructor(dir: string) {
    this.file = path.join(dir, `${process.pid}-${threadId}.jsonl`)
  }

  write(entry: SpoolEntry): void {
    // Synchronous and unbuffered: a test process that exits abruptly (process.exit in a test,
    // --test-force-exit) still leaves every finished test's line behind.
    this.fd ??= openSync(this.file, 'a')
    writeSync(this.fd, `${JSON.stringify(entry)}\n`)
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

/**
 * Claims the spool for reporting: true for the first caller only (an exclusive create), so when
 * both a runner's reporter and the `heapmark run` wrapper could report the same run, only one does.
 */
export function claimSpool(dir: string): boolean {
  try {
    closeSync(openSync(path.join(dir, CLAIM_FILE), 'wx'))
    return true
  } catch {
    return false
  }
}

export interface SpoolSummary {
  /** Tests handed to the collector. */
  tests: number
  /** The runner the test processes reported (the first one seen), if any. */
  runner: { name: string; version: string } | undefined
}

/**
 * Hands every test in the spool to the collector, each with its attribution. A line cut short (a
 * process killed while writing) is skipped; everything else in its file still counts.
 */
export function collectSpool(dir: string, collector: ReportCollector): SpoolSummary {
  let tests = 0
  let runner: SpoolSummary['runner']
  let files: string[]
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.jsonl')).sort()
  } catch {
    return { tests, runner }
  }
  for (const name of files) {
    const entries = readEntries(path.join(dir, name))
    const attributions: Record<string, Attribution> = {}
    for (const entry of entries) {
      if (entry.kind === 'file') Object.assign(attributions, entry.attributions)
      else if (entry.kind === 'runner') runner ??= entry.runner
    }
    for (const entry of entries) {
      if (entry.kind !== 'test') continue
      collector.add(entry.identity, entry.record, attributions[entry.identity.id])
      tests++
    }
    // After the tests it refers to.
    for (const entry of entries) if (entry.kind === 'file') collector.addRetention(entry.file, entry.retention)
  }
  return { tests, runner }
}

export function removeSpool(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

function readEntries(file: string): SpoolEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const entries: SpoolEntry[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    try {
      entries.push(JSON.parse(line) as SpoolEntry)
    } catch {
      // A partial last line from a process that died mid-write.
    }
  }
  return entries
}
