import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import v8 from 'node:v8'
import { threadId } from 'node:worker_threads'
import type { ResolvedHeapmarkOptions } from '../config/options.js'
import type { NearLimitSite } from '../report/model.js'
import type { TestRecord } from '../worker/test-result.js'

/**
 * `heapmark run` makes the run's journal folder itself and names it here, so that when the
 * runner's main process dies (Vitest's threads pool on an out-of-memory worker, Jest in band) the
 * wrapper still finds the journals and reports from them.
 */
export const JOURNAL_DIR_ENV = 'HEAPMARK_JOURNAL_DIR'

/**
 * A worker's running log of its tests, one JSON line per event, written as they happen. Results
 * normally reach the main process through the runner, with each file; when a worker dies (out of
 * memory, a crash, a kill) whatever it had not sent yet is lost, and the journal is what is left
 * to say which test it was running and what the tests before it kept alive.
 */
export type JournalEntry =
  | { worker: string; heapLimit: number }
  | { start: string; name: string; file: string; live: number }
  /** `record`: the test's whole record, so a report can be made without the runner (see journal-report.ts). */
  | { end: string; peak: number; record?: TestRecord }
  | { retained: string; bytes: number }
  /** Written once, near the heap limit (near-limit-sites.ts); `nearLimit`: the running test's id, or ''. */
  | { nearLimit: string; live: number; sites: NearLimitSite[]; profileMs?: number }

export class JournalWriter {
  private fd: number | undefined
  /** Entries held for the next write(), which writes them in the same system call. */
  private held = ''

  constructor(private readonly dir: string) {}

  /**
   * Keeps an entry for the next write(): one system call per test instead of three (~50 µs each
   * here, 5% of a 1 ms test). Only for entries whose loss with the worker is harmless: a test's
   * end (the test then reads as running when the worker died, in the hooks after it).
   */
  hold(entry: JournalEntry): void {
    this.held += `${JSON.stringify(entry)}\n`
  }

  write(entry: JournalEntry): void {
    try {
      if (this.fd === undefined) {
        const worker = threadId === 0 ? String(process.pid) : `${process.pid}-${threadId}`
        this.fd = openSync(path.join(this.dir, `${worker}.jsonl`), 'a')
        writeSync(this.fd, `${JSON.stringify({ worker: worker.replace('-', '/'), heapLimit: v8.getHeapStatistics().heap_size_limit })}\n`)
      }
      // Synchronous on purpose: the next thing this worker does may be to die.
      const text = `${this.held}${JSON.stringify(entry)}\n`
      this.held = ''
      writeSync(this.fd, text)
    } catch {
      // The journal only matters if the worker dies; it must never fail a test.
    }
  }

  /** Writes the held entries now (a file ended: the worker may idle, or be ended, before its next test). */
  flush(): void {
    if (this.held === '' || this.fd === undefined) return
    try {
      writeSync(this.fd, this.held)
    } catch {
      // As in write(): never fail a test over the journal.
    }
    this.held = ''
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

/** What a report made from the journals alone needs to know about the run (see journal-report.ts). */
export interface JournalRunDescription {
  options: ResolvedHeapmarkOptions
  runner: { name: string; version: string }
  rootDir: string
}

const REPORTED_FILE = 'reported'
const RUN_FILE = 'run.json'

/** The main process's side: a folder for this run's journals. */
export class JournalDir {
  readonly path: string
  /** Made here (removed at exit), not handed over by `heapmark run` (which removes it itself). */
  private readonly owned: boolean

  /**
   * `dir`: a folder made beforehand (when workers must know it before this side exists); else the
   * one `heapmark run` named in the environment, else a new one.
   */
  constructor(dir?: string, env: NodeJS.ProcessEnv = process.env) {
    const given = dir ?? (env[JOURNAL_DIR_ENV] && existsSync(env[JOURNAL_DIR_ENV]) ? env[JOURNAL_DIR_ENV] : undefined)
    this.owned = given === undefined
    this.path = given ?? mkdtempSync(path.join(os.tmpdir(), 'heapmark-journal-'))
  }

  /** Every worker's entries, by worker. */
  read(): Map<string, JournalEntry[]> {
    const journals = new Map<string, JournalEntry[]>()
    let files: string[] = []
    try {
      files = readdirSync(this.path).filter((name) => name.endsWith('.jsonl'))
    } catch {
      return journals
    }
    for (const name of files) {
      const entries: JournalEntry[] = []
      for (const line of readFileSync(path.join(this.path, name), 'utf8').split('\n')) {
        if (line === '') continue
        try {
          entries.push(JSON.parse(line) as JournalEntry)
        } catch {
          // A line cut short by the worker's death: everything before it is still good.
        }
      }
      journals.set(name.slice(0, -'.jsonl'.length).replace('-', '/'), entries)
    }
    return journals
  }

  /**
   * For `heapmark run` only (a folder it handed over): what a report from the journals alone needs,
   * should this process die before it reports. Written again as the run's settings become final.
   */
  describeRun(run: JournalRunDescription): void {
    if (this.owned) return
    try {
      writeFileSync(path.join(this.path, RUN_FILE), JSON.stringify(run))
    } catch {
      // Only a fallback report would miss it, and it says so.
    }
  }

  readRunDescription(): JournalRunDescription | undefined {
    try {
      return JSON.parse(readFileSync(path.join(this.path, RUN_FILE), 'utf8')) as JournalRunDescription
    } catch {
      return undefined
    }
  }

  /** The run's report is out: `heapmark run` must not make one from the journals. */
  markReported(): void {
    try {
      writeFileSync(path.join(this.path, REPORTED_FILE), '')
    } catch {
      // At worst the wrapper reports the run a second time, from the journals.
    }
  }

  get reported(): boolean {
    return existsSync(path.join(this.path, REPORTED_FILE))
  }

  /** Forget earlier runs' journals (watch mode reruns); the run's description stays. */
  clear(): void {
    for (const name of safeReaddir(this.path)) if (name !== RUN_FILE) rmSync(path.join(this.path, name), { force: true })
  }

  /** Removes the folder if this side made it. `force`: the side that handed it over. */
  remove(force = false): void {
    if (this.owned || force) rmSync(this.path, { recursive: true, force: true })
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
