import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ATTRIBUTION_MIN_PEAK_BYTES } from './thresholds.js'

/**
 * Allocation sites are read for the tests the summary can show, not for every test over 1 MiB.
 *
 * The summary shows the `mostAllocations` largest peaks (5 by default). A profile read costs a full
 * GC before Node 26, serialising the profile and resolving its frames through source maps (60-140 ms
 * for each of the biggest files of zod's suite). So the main process keeps, in the run's journal folder, the
 * smallest peak among the largest `mostAllocations` seen so far; a worker whose file has no test at
 * that peak or above skips the read, and its tests say so (`notSampled: "not-shown"`).
 *
 * The figure only rises during a run and never passes the run's final one, so every test the
 * summary ends up showing had a peak at or above it when its file ended: its sites are read
 * whatever the order files ran in. Tests over a limit or --fail-on-increase are read at once,
 * outside this rule. `mostAllocations: 0` (show all) writes nothing, and every file is read as before.
 */
export const SHOWN_PEAK_FILE = 'shown-peak'

/** Main-process side: the largest peaks seen so far, and the file workers read. */
export class ShownPeaks {
  /** The largest peaks so far, smallest first; at most `count`. */
  private readonly largest: number[] = []
  private written = 0

  constructor(
    /** The run's journal folder, which every worker knows. */
    private readonly dir: string,
    /** How many tests the summary shows (mostAllocations); 0: all, so nothing is written. Asked each time: adapters finish the options after making the collector. */
    private readonly shown: () => number,
    /**
     * No figure under this is written. A file whose tests all peak under 1 MiB is read only when
     * one of them allocated 4 MiB or more (gap-attribution.ts), so a lower figure spares few reads,
     * and suites of small tests raised it after nearly every file: ~115 writes (aside and rename)
     * a run of 2160 tiny tests, 7 ms of the main process.
     */
    private readonly floorBytes = ATTRIBUTION_MIN_PEAK_BYTES,
  ) {}

  /** A test's peak arrived. Writes the file when the smallest shown peak rose. */
  add(peakBytes: number): void {
    const count = this.shown()
    if (count <= 0) return
    if (this.largest.length >= count && peakBytes <= this.largest[0]!) return
    const at = this.largest.findIndex((peak) => peak > peakBytes)
    this.largest.splice(at < 0 ? this.largest.length : at, 0, peakBytes)
    while (this.largest.length > count) this.largest.shift()
    if (this.largest.length === count && this.largest[0]! > this.written && this.largest[0]! >= this.floorBytes) this.write(this.largest[0]!)
  }

  /** A new run (watch mode): earlier tests' peaks no longer count. */
  reset(): void {
    this.largest.length = 0
    if (this.written > 0) this.write(0)
  }

  private write(bytes: number): void {
    // Written aside and renamed over, so a worker never reads half a number. Losing it only costs
    // reads: a worker that finds no file reads every file worth reading, as before.
    const file = path.join(this.dir, SHOWN_PEAK_FILE)
    try {
      writeFileSync(`${file}.${process.pid}`, String(bytes))
      renameSync(`${file}.${process.pid}`, file)
      this.written = bytes
    } catch {
      // The folder is gone (the run is ending): nothing left to save.
    }
  }
}

/** Worker side: the smallest peak the summary shows so far; 0 when unknown (read every file worth reading). */
export function readShownPeak(dir: string | undefined): number {
  if (dir === undefined) return 0
  try {
    const bytes = Number(readFileSync(path.join(dir, SHOWN_PEAK_FILE), 'utf8'))
    return Number.isFinite(bytes) && bytes > 0 ? bytes : 0
  } catch {
    return 0
  }
}
