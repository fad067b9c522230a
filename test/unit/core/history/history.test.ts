import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { acquireLock, readHistory, removeLockIfHolding, updateHistory, type HistoryRecord } from '../../../../src/core/history/history.js'
import { repoRoot } from '../../../helpers/run-fixture.js'

/** A passing test's figures as the collector hands them over: a used peak only. */
const used = (peakBytes: number): HistoryRecord => ({ peakBytes, smallYoungGeneration: false, livePeakBytes: undefined })

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'heapmark-history-')))

describe('history file', () => {
  test('a missing file is no history, without a problem', () => {
    fresh()
    expect(readHistory(join(dir, 'none.json'))).toEqual({ history: new Map() })
  })

  test('merges into what is there and keeps unrelated entries', async () => {
    const file = join(fresh(), 'h.json')
    await updateHistory(file, { entries: [['a', used(1)], ['b', used(2)]], recordedAt: 't1' })
    await updateHistory(file, { entries: [['b', used(3)]], recordedAt: 't2' })
    expect(Object.fromEntries(readHistory(file).history)).toEqual({ a: { peakBytes: 1, recordedAt: 't1' }, b: { peakBytes: 3, recordedAt: 't2' } })
  })

  test('keeps a precise live peak until a later precise one replaces it; reads files without live peaks', async () => {
    const file = join(fresh(), 'h.json')
    // A file an earlier heapmark wrote: used peaks only.
    writeFileSync(file, JSON.stringify({ heapmarkHistory: 1, updatedAt: 't0', tests: { a: { peakBytes: 5, recordedAt: 't0' }, b: { peakBytes: 6, recordedAt: 't0' } } }))
    expect(readHistory(file).history.get('a')).toEqual({ peakBytes: 5, recordedAt: 't0' })
    await updateHistory(file, { entries: [['a', { peakBytes: 4, smallYoungGeneration: true, livePeakBytes: 3 }]], recordedAt: 't1' })
    expect(readHistory(file).history.get('a')).toEqual({ peakBytes: 4, recordedAt: 't1', smallYoungGeneration: true, livePeakBytes: 3, liveRecordedAt: 't1' })
    // A default-mode run: no precise live peak, so the last one stays, with its own time.
    await updateHistory(file, { entries: [['a', used(7)]], recordedAt: 't2' })
    expect(readHistory(file).history.get('a')).toEqual({ peakBytes: 7, recordedAt: 't2', livePeakBytes: 3, liveRecordedAt: 't1' })
    await updateHistory(file, { entries: [['a', { peakBytes: 4, smallYoungGeneration: true, livePeakBytes: 3.5 }]], recordedAt: 't3' })
    expect(readHistory(file).history.get('a')).toMatchObject({ livePeakBytes: 3.5, liveRecordedAt: 't3' })
    expect(readHistory(file).history.get('b')).toEqual({ peakBytes: 6, recordedAt: 't0' })
    // Malformed live fields are dropped, not trusted.
    writeFileSync(file, JSON.stringify({ heapmarkHistory: 1, updatedAt: 't0', tests: { a: { peakBytes: 5, recordedAt: 't0', livePeakBytes: 'x', smallYoungGeneration: 'yes' } } }))
    expect(readHistory(file).history.get('a')).toEqual({ peakBytes: 5, recordedAt: 't0' })
  })

  test('names what is wrong with a file it cannot use', () => {
    const file = join(fresh(), 'h.json')
    const cases: Array<[string, RegExp]> = [
      ['not json', /is not valid JSON/],
      ['{"tests": {}}', /is not a heapmark history file/],
      ['{"heapmarkHistory": 2, "tests": {}}', /has format version 2; this heapmark reads version 1/],
      ['{"heapmarkHistory": 1}', /has no "tests" object/],
    ]
    for (const [text, problem] of cases) {
      writeFileSync(file, text)
      expect(readHistory(file).problem).toMatch(problem)
    }
  })

  test('takes over a lock left by a run that died', async () => {
    const file = join(fresh(), 'h.json')
    writeFileSync(`${file}.lock`, '')
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    await updateHistory(file, { entries: [['a', used(1)]], recordedAt: 't' })
    expect(readHistory(file).history.get('a')?.peakBytes).toBe(1)
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  test('parallel processes updating one file lose no entries', async () => {
    const file = join(fresh(), 'h.json')
    const module = join(repoRoot, 'dist/core/history/history.js')
    expect(existsSync(module), 'run `npm run build` first').toBe(true)
    const writers = 6
    const perWriter = 200
    const script = (w: number) =>
      `import(${JSON.stringify(module)}).then(async ({ updateHistory }) => {
        for (let round = 0; round < 4; round++) {
          const entries = Array.from({ length: ${perWriter / 4} }, (_, i) => ['w${w} t' + (round * ${perWriter / 4} + i), { peakBytes: ${w}, smallYoungGeneration: false }])
          await updateHistory(${JSON.stringify(file)}, { entries, recordedAt: 'w${w}' })
        }
      })`
    const exits = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', script(w)], { stdio: 'inherit' }).on('exit', resolve)),
      ),
    )
    expect(exits).toEqual(Array(writers).fill(0))
    const { history, problem } = readHistory(file)
    expect(problem).toBeUndefined()
    expect(history.size).toBe(writers * perWriter)
    expect(JSON.parse(readFileSync(file, 'utf8')).heapmarkHistory).toBe(1)
  })

  test('gives up on a live lock with HEAPMARK_HISTORY_LOCKED, naming the file', async () => {
    const lock = join(fresh(), 'h.json.lock')
    const release = await acquireLock(lock)
    const error = await acquireLock(lock, { waitMs: 100 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'HeapmarkError', code: 'HEAPMARK_HISTORY_LOCKED' })
    expect((error as Error).message).toContain(JSON.stringify(lock))
    release()
    expect(existsSync(lock)).toBe(false)
    await acquireLock(lock, { waitMs: 100 }).then((again) => again())
  })

  test('a run acting late on a dead run\'s lock does not delete the lock another run has just taken', async () => {
    // Runs A and B both saw the dead run's lock as stale; A took it over first. B's takeover then
    // finds A's token, not the dead run's, and leaves the lock alone.
    const lock = join(fresh(), 'h.json.lock')
    writeFileSync(lock, 'dead-run')
    const old = new Date(Date.now() - 60_000)
    utimesSync(lock, old, old)
    const releaseA = await acquireLock(lock)
    const tokenA = readFileSync(lock, 'utf8')
    expect(tokenA).not.toBe('dead-run')
    removeLockIfHolding(lock, 'dead-run')
    expect(readFileSync(lock, 'utf8')).toBe(tokenA)
    expect(existsSync(`${lock}.guard`)).toBe(false)
    releaseA()
    expect(existsSync(lock)).toBe(false)
  })

  test('a run whose lock was taken over as stale does not delete its successor\'s lock', async () => {
    const lock = join(fresh(), 'h.json.lock')
    const releaseSlow = await acquireLock(lock, { staleMs: 50 })
    await new Promise((resolve) => setTimeout(resolve, 80))
    // The slow run's lock is now stale: the next run takes it over.
    const releaseNext = await acquireLock(lock, { staleMs: 50, waitMs: 1000 })
    const successor = readFileSync(lock, 'utf8')
    releaseSlow()
    expect(readFileSync(lock, 'utf8')).toBe(successor)
    releaseNext()
    expect(existsSync(lock)).toBe(false)
  })

  test('processes taking over dead runs\' locks at the same moment never hold the lock together', async () => {
    // Six real processes contend for one lock, 8 rounds each. Every fourth round a process
    // abandons the lock (as a run that died would), so the others, all waiting, find it stale at
    // about the same moment and race to take it over. staleMs is 400 ms, far above the 3 ms a
    // holder keeps the lock: a holder stalled longer than staleMs (a loaded machine) is by
    // definition taken over, which is why the real default is 30 s. Inside the lock each one creates a marker
    // file exclusively and deletes it when done: finding the marker there means two processes
    // held the lock at once (what deleting a lock another process had just taken allowed).
    const lock = join(fresh(), 'h.json.lock')
    const marker = join(dir, 'inside')
    const module = join(repoRoot, 'dist/core/history/history.js')
    expect(existsSync(module), 'run `npm run build` first').toBe(true)
    const script = `import(${JSON.stringify(module)}).then(async ({ acquireLock }) => {
      const fs = await import('node:fs')
      let overlaps = 0
      for (let round = 0; round < 8; round++) {
        const release = await acquireLock(${JSON.stringify(lock)}, { staleMs: 400, waitMs: 60000 })
        try { fs.writeFileSync(${JSON.stringify(marker)}, String(process.pid), { flag: 'wx' }) } catch { overlaps++ }
        await new Promise((resolve) => setTimeout(resolve, 3))
        fs.rmSync(${JSON.stringify(marker)}, { force: true })
        if (round % 4 !== 3) release()
      }
      console.log(JSON.stringify({ overlaps }))
    })`
    const results = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
        child.on('exit', (code) => resolve({ code, out }))
      })),
    )
    expect(results.map((result) => result.code)).toEqual(Array(6).fill(0))
    expect(results.map((result) => JSON.parse(result.out).overlaps)).toEqual(Array(6).fill(0))
  }, 120_000)
})
