import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import v8 from 'node:v8'
import { threadId } from 'node:worker_threads'

/**
 * A worker's running log of its tests, one JSON line per event, written as they happen. Results
 * normally reach the main process through the runner, with each file; when a worker dies (out of
 * memory, a crash, a kill) whatever it had not sent yet is lost, and the journal is what is left
 * to say which test it was running and what the tests before it kept alive.
 */
export type JournalEntry =
  | { worker: string; heapLimit: number }
  | { start: string; name: string; file: string; live: number }
  | { end: string; peak: number }
  | { retained: string; bytes: number }

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

/** The main process's side: a folder for this run's journals. */
export class JournalDir {
  readonly path: string

  /** `dir`: a folder made beforehand (when workers must know it before this side exists). */
  constructor(dir?: string) {
    this.path = dir ?? mkdtempSync(path.join(os.tmpdir(), 'heapmark-journal-'))
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

  /** Forget earlier runs' journals (watch mode reruns). */
  clear(): void {
    for (const name of safeReaddir(this.path)) rmSync(path.join(this.path, name), { force: true })
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true })
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
