import { mkdtempSync, openSync, closeSync, readSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, fstatSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { threadId } from 'node:worker_threads'

/**
 * A run's side channel from test workers to the main process, for runners that give adapters no
 * message channel of their own (Jest: custom data on a test never reaches reporters). The main
 * process opens a directory before any worker starts and names it in an environment variable,
 * which workers inherit; the directory holds the run's settings and one JSON-lines file per
 * worker (process id + thread id), so writers never share a file and a reader only ever sees
 * whole lines once it stops at the last newline.
 */
export const RESULT_CHANNEL_ENV = 'HEAPMARK_RESULT_CHANNEL'

const SETTINGS_FILE = 'settings.json'
const CLAIM_FILE = 'claimed'
const BATCH_SUFFIX = '.jsonl'

/** Main process: creates the channel, writes the settings workers need and exports its path. */
export function openResultChannel(settings: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heapmark-results-'))
  writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify(settings))
  env[RESULT_CHANNEL_ENV] = dir
  return dir
}

/** Main process: removes the channel once everything is read. */
export function closeResultChannel(dir: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env[RESULT_CHANNEL_ENV] === dir) delete env[RESULT_CHANNEL_ENV]
  rmSync(dir, { recursive: true, force: true })
}

/** Worker: the channel this run opened, with its settings; undefined when none is open (heapmark off). */
export function joinResultChannel<Settings>(env: NodeJS.ProcessEnv = process.env): { dir: string; settings: Settings } | undefined {
  const dir = env[RESULT_CHANNEL_ENV]
  if (!dir) return undefined
  try {
    return { dir, settings: JSON.parse(readFileSync(path.join(dir, SETTINGS_FILE), 'utf8')) as Settings }
  } catch {
    // A stale variable (e.g. inherited by a process started after the run ended): not our run.
    return undefined
  }
}

/**
 * Main process: claims the channel's results for reporting; true for the first caller only (an
 * exclusive create), so when two readers could report one run (node:test's reporter inside
 * `heapmark run`), the run is reported once.
 */
export function claimResultChannel(dir: string): boolean {
  try {
    closeSync(openSync(path.join(dir, CLAIM_FILE), 'wx'))
    return true
  } catch {
    return false
  }
}

/**
 * This worker's open batch file: opened at the first batch and kept. A node:test process sends a
 * batch per test, and opening, appending and closing each time was 1.2 ms of each test file's
 * process (14 batches; CPU profiles, docs/measuring.md). A worker that outlives its run (Jest's
 * watch mode) closes the old run's file when a new run's channel is used; the process's exit
 * closes the last.
 */
let batchFile: { dir: string; fd: number } | undefined

/** Worker: appends one batch (one JSON line) to this worker's file, synchronously. */
export function sendResults(dir: string, batch: unknown): void {
  if (batchFile?.dir !== dir) {
    const previous = batchFile
    // Cleared before the open: if that fails, no closed file stays in use.
    batchFile = undefined
    if (previous) closeSync(previous.fd)
    batchFile = { dir, fd: openSync(path.join(dir, `w-${process.pid}-${threadId}${BATCH_SUFFIX}`), 'a') }
  }
  writeSync(batchFile.fd, JSON.stringify(batch) + '\n')
}

/** Main process: reads the batches workers added since the last call, in each file's order. */
export class ResultChannelReader<Batch> {
  /** Bytes of each file already consumed (whole lines only). */
  private readonly offsets = new Map<string, number>()

  constructor(private readonly dir: string) {}

  readNew(): Batch[] {
    let files: string[]
    try {
      files = readdirSync(this.dir).filter((name) => name.endsWith(BATCH_SUFFIX)).sort()
    } catch {
      return []
    }
    const batches: Batch[] = []
    for (const name of files) {
      const text = this.readFrom(path.join(this.dir, name))
      for (const line of text.split('\n')) if (line) batches.push(JSON.parse(line) as Batch)
    }
    return batches
  }

  /** The complete lines added to `file` since the last read. */
  private readFrom(file: string): string {
    const offset = this.offsets.get(file) ?? 0
    const fd = openSync(file, 'r')
    try {
      const size = fstatSync(fd).size
      if (size <= offset) return ''
      const buffer = Buffer.alloc(size - offset)
      const read = readSync(fd, buffer, 0, buffer.length, offset)
      const end = buffer.lastIndexOf(0x0a, read - 1)
      if (end === -1) return ''
      this.offsets.set(file, offset + end + 1)
      return buffer.toString('utf8', 0, end)
    } finally {
      closeSync(fd)
    }
  }
}
