import { readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { HeapmarkError } from '../../errors.js'

/**
 * Per-test peaks of earlier runs, for --fail-on-increase and for growth in reports. One JSON file
 * the user may cache between CI runs. Written by the main process only (never by test workers), at
 * the end of a run, merged into what is there under a lock file: parallel runs and shards that
 * share the file each add their tests instead of overwriting each other's.
 */
export const HISTORY_VERSION = 1

/** Under node_modules/.cache like other tools' caches: ignored by git and by watchers. */
export const DEFAULT_HISTORY_PATH = 'node_modules/.cache/heapmark/history.json'

export interface HistoryEntry {
  peakBytes: number
  /** ISO time of the run that recorded it. */
  recordedAt: string
  /**
   * The used peak was measured with livePeak's 1 MiB young generation (livePeak on and the test's
   * live peak an estimate), which shrinks used peaks (less garbage fits): it is compared only with
   * peaks measured the same way (increase.ts measuredSmall). Absent: V8's default.
   */
  smallYoungGeneration?: true
  /**
   * The live peak of the last passing run that had a precise one (livePeakKind "estimate"), for
   * `increaseMeasure: 'live'`. Kept when later runs have none (lower bounds are never recorded:
   * they move with V8's GC timing). Absent in files of earlier versions.
   */
  livePeakBytes?: number
  /** ISO time of the run that recorded livePeakBytes. */
  liveRecordedAt?: string
}

/** Test name ("file > describe > test") to its peak in the last run where it passed. */
export type History = Map<string, HistoryEntry>

interface HistoryFile {
  heapmarkHistory: typeof HISTORY_VERSION
  updatedAt: string
  tests: Record<string, HistoryEntry>
}

export interface HistoryRead {
  history: History
  /** Why an existing file could not be used; it then counts as no history. */
  problem?: string
}

export function historyPathFor(historyPath: string | undefined, rootDir: string): string {
  return path.resolve(historyPath ?? path.join(rootDir, DEFAULT_HISTORY_PATH))
}

/** Reads the history; a missing file is simply no history, an unreadable one says why. */
export function readHistory(file: string): HistoryRead {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { history: new Map() }
    return { history: new Map(), problem: `cannot be read: ${(error as Error).message}` }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    return { history: new Map(), problem: `is not valid JSON (${(error as Error).message})` }
  }
  const version = (data as Partial<HistoryFile> | null)?.heapmarkHistory
  if (version === undefined) return { history: new Map(), problem: 'is not a heapmark history file (no "heapmarkHistory" version field)' }
  if (version !== HISTORY_VERSION) {
    return { history: new Map(), problem: `has format version ${JSON.stringify(version)}; this heapmark reads version ${HISTORY_VERSION}` }
  }
  const tests = (data as HistoryFile).tests
  if (typeof tests !== 'object' || tests === null) return { history: new Map(), problem: 'has no "tests" object' }
  const history: History = new Map()
  for (const [name, entry] of Object.entries(tests)) {
    if (typeof entry?.peakBytes !== 'number' || !Number.isFinite(entry.peakBytes) || typeof entry.recordedAt !== 'string') continue
    const { peakBytes, recordedAt, smallYoungGeneration, livePeakBytes, liveRecordedAt } = entry
    // Fields assigned, not spread in: once per test in the file (see historyEntry()).
    const hasLive = typeof livePeakBytes === 'number' && Number.isFinite(livePeakBytes) && typeof liveRecordedAt === 'string'
    history.set(name, historyEntry(peakBytes, recordedAt, smallYoungGeneration === true, hasLive ? livePeakBytes : undefined, liveRecordedAt))
  }
  return { history }
}

const cache = new Map<string, { mtimeMs: number; size: number; history: History }>()

/**
 * readHistory for test workers, which ask once per test file: parsed again only when the file
 * changed (a watch-mode rerun after the previous run recorded).
 */
export function readHistoryCached(file: string): History {
  let stats
  try {
    stats = statSync(file)
  } catch {
    return new Map()
  }
  const cached = cache.get(file)
  if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached.history
  const { history } = readHistory(file)
  cache.set(file, { mtimeMs: stats.mtimeMs, size: stats.size, history })
  return history
}

/** One passing test's figures in this run. */
export interface HistoryRecord {
  peakBytes: number
  /** Measured with livePeak on (see HistoryEntry.smallYoungGeneration). */
  smallYoungGeneration: boolean
  /** Only a precise live peak (an estimate); undefined otherwise. */
  livePeakBytes: number | undefined
}

export interface HistoryUpdate {
  /** Peaks of tests that passed in this run. */
  entries: Iterable<[name: string, record: HistoryRecord]>
  recordedAt: string
}

/** The entry a passing test leaves: its peaks now, and its earlier live peak when it has no precise one now. */
export function nextEntry(previous: HistoryEntry | undefined, record: HistoryRecord, recordedAt: string): HistoryEntry {
  if (record.livePeakBytes !== undefined) return historyEntry(record.peakBytes, recordedAt, record.smallYoungGeneration, record.livePeakBytes, recordedAt)
  return historyEntry(record.peakBytes, recordedAt, record.smallYoungGeneration, previous?.livePeakBytes, previous?.liveRecordedAt)
}

/**
 * An entry in the file's key order. Built field by field, not with object spreads: once per test
 * at a run's end, and Node 20's V8 builds spread objects in microseconds (docs/measuring.md).
 */
function historyEntry(peakBytes: number, recordedAt: string, smallYoungGeneration: boolean, livePeakBytes: number | undefined, liveRecordedAt: string | undefined): HistoryEntry {
  const entry: HistoryEntry = { peakBytes, recordedAt }
  if (smallYoungGeneration) entry.smallYoungGeneration = true
  if (livePeakBytes !== undefined && liveRecordedAt !== undefined) {
    entry.livePeakBytes = livePeakBytes
    entry.liveRecordedAt = liveRecordedAt
  }
  return entry
}

/**
 * Merges this run's passing tests into the history file. Under a lock (acquireLock: a sibling file
 * created exclusively), re-reads what is there now, so a parallel run's entries survive; writes a
 * temporary file and renames it, so a reader never sees half a file. An unreadable file is moved
 * aside to `<file>.unreadable` rather than silently overwritten.
 */
export async function updateHistory(file: string, update: HistoryUpdate): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true })
  const release = await acquireLock(`${file}.lock`)
  try {
    const current = readHistory(file)
    if (current.problem) renameSync(file, `${file}.unreadable`)
    const tests: Record<string, HistoryEntry> = Object.fromEntries(current.history)
    for (const [name, record] of update.entries) tests[name] = nextEntry(tests[name], record, update.recordedAt)
    const data: HistoryFile = { heapmarkHistory: HISTORY_VERSION, updatedAt: update.recordedAt, tests: sortedByKey(tests) }
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      writeFileSync(temporary, `${JSON.stringify(data, null, 1)}\n`)
      renameSync(temporary, file)
    } finally {
      rmSync(temporary, { force: true })
    }
  } finally {
    release()
  }
}

/** A lock held longer than this belongs to a run that died: take it over. */
const STALE_LOCK_MS = 30_000
const LOCK_WAIT_MS = 10_000
/**
 * The guard is held for a read and an unlink: one this old was left by a process that died holding
 * it. Not `staleMs`: a remover stalled (by the OS, by GC) longer than a short staleMs must not lose
 * the guard to another remover while it still acts on what it read.
 */
const STALE_GUARD_MS = 5_000

export interface LockOptions {
  /** A lock older than this is a dead run's (default 30 s); tests shorten it. */
  staleMs?: number
  /** Give up with HEAPMARK_HISTORY_LOCKED after waiting this long for a live lock (default 10 s). */
  waitMs?: number
}

/**
 * An exclusive lock between processes: `lockFile` created exclusively, holding a token only its
 * holder knows. Returns the release function.
 *
 * A lock older than `staleMs` belongs to a run that died and is taken over. Several waiting runs
 * notice that at the same moment, so removing a lock is done only under a second, short-lived
 * guard lock (`<lockFile>.guard`) and only if the lock still holds the token that was judged
 * stale: a run that saw the dead run's lock can no longer delete the lock another run has just
 * taken in its place. Releasing goes through the same check, so a run whose lock was taken over
 * (it stalled for over `staleMs`) does not delete its successor's.
 */
export async function acquireLock(lockFile: string, options: LockOptions = {}): Promise<() => void> {
  const staleMs = options.staleMs ?? STALE_LOCK_MS
  const waitMs = options.waitMs ?? LOCK_WAIT_MS
  const deadline = Date.now() + waitMs
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`
  for (;;) {
    try {
      writeFileSync(lockFile, token, { flag: 'wx' })
      return () => {
        removeLockIfHolding(lockFile, token, true)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const held = readLock(lockFile)
    // Taken over: try again at once. Not removed (the guard is busy, or another run took it
    // over first): wait like for a live lock.
    if (held && Date.now() - held.mtimeMs > staleMs && removeLockIfHolding(lockFile, held.token, false)) continue
    if (Date.now() > deadline) {
      throw new HeapmarkError('HEAPMARK_HISTORY_LOCKED', `another run has held ${JSON.stringify(lockFile)} for over ${waitMs / 1000} s (a lock older than ${staleMs / 1000} s is taken over as a dead run's)`)
    }
    await sleep(10 + Math.random() * 40)
  }
}

function readLock(lockFile: string): { token: string; mtimeMs: number } | undefined {
  try {
    // The token before the time: a lock replaced in between then reads as fresh, never as stale.
    const token = readFileSync(lockFile, 'utf8')
    return { token, mtimeMs: statSync(lockFile).mtimeMs }
  } catch {
    return undefined
  }
}

/**
 * Deletes `lockFile` if it still holds `token`, under the guard lock; says whether it did
 * (exported for the race's test). A release (`wait`) waits for a busy guard, which is held for a
 * read and an unlink; a takeover just lets its caller look again. A guard older than
 * STALE_GUARD_MS was left by a process that died inside those two calls.
 */
export function removeLockIfHolding(lockFile: string, token: string, wait = false): boolean {
  const guard = `${lockFile}.guard`
  const giveUp = Date.now() + STALE_GUARD_MS
  for (;;) {
    try {
      writeFileSync(guard, '', { flag: 'wx' })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const age = fileAge(guard)
    if (age !== undefined && age > STALE_GUARD_MS) rmSync(guard, { force: true })
    else if (!wait || Date.now() > giveUp) return false
    else Atomics.wait(PAUSE, 0, 0, 1)
  }
  try {
    if (readLock(lockFile)?.token !== token) return false
    rmSync(lockFile, { force: true })
    return true
  } finally {
    rmSync(guard, { force: true })
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4))

function fileAge(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs
  } catch {
    return undefined
  }
}

/** Stable key order, so a cached history diffs cleanly between runs. */
function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
