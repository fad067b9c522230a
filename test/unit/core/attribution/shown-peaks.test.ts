/**
 * The main process's record of the smallest peak the summary shows so far, and the workers' read
 * of it: it only rises, never passes the run's final figure, and anything unreadable means
 * "unknown" (every file worth reading is read, as before).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { readShownPeak, SHOWN_PEAK_FILE, ShownPeaks } from '../../../../src/core/attribution/shown-peaks.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function folder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heapmark-shown-'))
  dirs.push(dir)
  return dir
}

test('the smallest of the largest N peaks, written once N peaks arrived and again each time it rises', () => {
  const dir = folder()
  const peaks = new ShownPeaks(dir, () => 3, 0)
  peaks.add(5)
  peaks.add(1)
  expect(readShownPeak(dir)).toBe(0)
  peaks.add(3)
  expect(readShownPeak(dir)).toBe(1)
  // Below the smallest shown: nothing changes.
  peaks.add(1)
  expect(readShownPeak(dir)).toBe(1)
  peaks.add(4)
  expect(readShownPeak(dir)).toBe(3)
  peaks.add(10)
  expect(readShownPeak(dir)).toBe(4)
  // The final figure is the run's third largest peak (10, 5, 4): every one of them is at or above
  // what any worker read when its file ended.
  expect(readFileSync(path.join(dir, SHOWN_PEAK_FILE), 'utf8')).toBe('4')
  // Written aside and renamed: no temporary file is left behind.
  expect(readdirSync(dir)).toEqual([SHOWN_PEAK_FILE])
})

test('equal peaks count as shown, and a rerun starts from nothing', () => {
  const dir = folder()
  const peaks = new ShownPeaks(dir, () => 2, 0)
  peaks.add(7)
  peaks.add(7)
  expect(readShownPeak(dir)).toBe(7)
  peaks.reset()
  expect(readShownPeak(dir)).toBe(0)
  peaks.add(2)
  peaks.add(3)
  expect(readShownPeak(dir)).toBe(2)
})

test('mostAllocations 0 shows every test: nothing is written, so every file is read', () => {
  const dir = folder()
  const peaks = new ShownPeaks(dir, () => 0)
  for (let i = 1; i <= 20; i++) peaks.add(i * 1024 * 1024)
  expect(readdirSync(dir)).toEqual([])
  expect(readShownPeak(dir)).toBe(0)
})

test('figures under 1 MiB are not written (by default): files of such tests are read only for 4 MiB of allocations', () => {
  const dir = folder()
  const peaks = new ShownPeaks(dir, () => 2)
  for (let kib = 10; kib < 1024; kib += 10) peaks.add(kib * 1024)
  expect(readdirSync(dir)).toEqual([])
  expect(readShownPeak(dir)).toBe(0)
  peaks.add(2 * 1024 * 1024)
  expect(readShownPeak(dir)).toBe(0)
  peaks.add(1024 * 1024)
  expect(readShownPeak(dir)).toBe(1024 * 1024)
})

test('a worker reads 0 (unknown) from a missing folder, a missing file or a damaged one', () => {
  expect(readShownPeak(undefined)).toBe(0)
  expect(readShownPeak(path.join(os.tmpdir(), 'heapmark-no-such-folder'))).toBe(0)
  const dir = folder()
  expect(readShownPeak(dir)).toBe(0)
  writeFileSync(path.join(dir, SHOWN_PEAK_FILE), 'not a number')
  expect(readShownPeak(dir)).toBe(0)
  writeFileSync(path.join(dir, SHOWN_PEAK_FILE), '-5')
  expect(readShownPeak(dir)).toBe(0)
})

test('a folder that went away costs nothing but the figure', () => {
  const dir = folder()
  const peaks = new ShownPeaks(dir, () => 1, 0)
  rmSync(dir, { recursive: true })
  expect(() => peaks.add(5)).not.toThrow()
  expect(readShownPeak(dir)).toBe(0)
})
