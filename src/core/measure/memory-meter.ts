import { getGc } from './gc.js'
import { ActiveReading, type Gap, type MemoryReading } from './active-reading.js'
import { currentLevel, youngBytes, type Level } from './heap-level.js'

/**
 * Precise policy (opt-in, and for verdicts that compare with history): how much garbage earlier
 * tests may leave before a test starts on a full GC. It bounds the baseline-trap error, so it must
 * not exceed the accuracy promise (max(5%, 1 MiB)). The default policy forces no such GC: it
 * corrects the trap when V8 runs a full GC during a test instead (see ActiveReading).
 */
export const FULL_GC_THRESHOLD_BYTES = 1024 * 1024

/**
 * Default policy: a test that grew the settled heap by this much may have kept it alive, so the
 * next test starts on a full GC, which measures what the test kept (retained memory, the OOM
 * journal). Growth under it is garbage or small keeps, which only V8's own full GCs measure.
 */
export const KEEPER_GROWTH_BYTES = 1024 * 1024

/**
 * Default policy: the most old-generation growth since heapmark's last full GC that a keeper GC
 * waits for once earlier keeper GCs found only garbage (see settle()). Suites whose tests each
 * leave 1-3 MiB of promoted garbage (1-2 MiB of JSON per test) paid a full GC after nearly every
 * test at 1 MiB: 150-170 mark-compacts where V8 alone ran ~20. At this budget the forced GCs come
 * about as often as V8's own would.
 */
export const KEEPER_BUDGET_MAX_BYTES = 32 * 1024 * 1024

/** How much the keeper budget grows each time a keeper GC finds only garbage. */
const KEEPER_BUDGET_GROWTH = 4

/**
 * ArrayBuffer/Buffer stores of earlier tests are often released one GC after the one that found
 * them dead, so an external level taken right after a full GC may still hold up to this much
 * garbage (the settle runs a second GC only above it): the correction allows for it. Without it a
 * test holding a 10 MiB Buffer read 9.0 MiB after one that dropped 1 MiB.
 */
export const EXTERNAL_RELEASE_LAG_BYTES = 1024 * 1024

/**
 * External growth since the last settle above which a test that may have kept memory gets its
 * keeper GC whatever the budget (see settle()). A test that grew it by 1 MiB (less the runner's
 * own stores it released meanwhile, 1.4 KB) was missed at 1 MiB.
 */
const EXTERNAL_KEEPER_GROWTH_BYTES = 512 * 1024

/**
 * Young garbage of earlier tests left in place when the minor GC is skipped (see settle()). A
 * scavenge during the test that frees it is corrected like a full GC (see ActiveReading); the
 * limit only keeps that correction, and its uncertainty, small. At 512 KiB a suite of 1 ms tests
 * ran a minor GC every ten tests, 5x the scavenges of a plain run.
 */
export const YOUNG_STALE_LIMIT_BYTES = 4 * 1024 * 1024

/**
 * Young memory (markers excluded) left by a test that ran GCs of its own, above which the next
 * test starts on a minor GC (see settle()): the live peak's lower bound loses up to this much.
 */
export const LIVE_BOUND_YOUNG_BYTES = 512 * 1024

/**
 * Known marker garbage credited at most: a GC no test saw, between tests, could have taken
 * some of it, and the reading would add back what is no longer there.
 */
const MAX_YOUNG_MARKER_BYTES = 4 * 1024 * 1024

/**
 * Whether this isolate already had heapmark's first (double) full GC. Per isolate, not per meter:
 * Jest makes a session per test file in one process, and paid it for every file (15 of the 29
 * full GCs heapmark added to a 10-file Jest run).
 */
let isolateHadFullGc = false

export interface SettleRequest {
  /** heapmark's own young garbage (boundary markers) made since the last settle. */
  knownYoungGarbage?: number
  /** Always run the minor GC: for verdicts that must not depend on when a GC happens. */
  strict?: boolean
  /** Run a full GC now. */
  full?: boolean
  /** Precise policy: a full GC whenever the heap grew FULL_GC_THRESHOLD_BYTES since the last one. */
  precise?: boolean
}

/** Measures one test at a time in this isolate. Cheap: a GCProfiler per test, a minor GC now and then. */
export class MemoryMeter {
  /**
   * Live memory at a known point (right after our last full GC, or estimated at a test's start
   * from a full GC V8 ran during the test): later levels minus this bound the garbage a full GC
   * can free. Undefined: no point yet.
   */
  private floor: Level | undefined
  /** Whether the floor came from a full GC of ours (the precise policy counts its threshold from one). */
  private floorExact = false
  /**
   * Heap + external after the last settle. `exact` when a full GC had just run, so it is live
   * memory only; otherwise an upper bound.
   */
  lastLevel: { bytes: number; exact: boolean } = { bytes: 0, exact: false }
  /** Heap + external after the last settle, known garbage excluded: the next settle measures growth from it. */
  private settledBytes: number | undefined
  /** A test ended that grew the heap by KEEPER_GROWTH_BYTES even with a full GC during it. */
  private keeperPending = false
  /**
   * Growth since our last full GC that a keeper GC waits for (default policy). It starts at
   * KEEPER_GROWTH_BYTES, so a test that keeps 1 MiB is measured on its own, grows while keeper GCs
   * find only garbage (a suite whose tests leave promoted garbage) and drops back as soon as one
   * finds memory kept.
   */
  private keeperBudget = KEEPER_GROWTH_BYTES
  /** Heap + external right after our last full GC (live memory then); undefined: none yet. */
  private exactBytes: number | undefined
  /** Level after the last settle, markers excluded. */
  private settledLevel: Level | undefined
  /** What the test before the last full GC kept through it (see settle()). */
  private recentlyKept: Level = { heap: 0, external: 0 }
  /** Young memory beyond the markers after the last settle: at most this much young garbage of earlier tests. */
  private youngGarbage = 0
  /** Boundary markers made since the young generation was last emptied (known young garbage). */
  private youngMarkers = 0
  /** Young generation in use after the last settle; undefined once a GC ran during a test. */
  private youngAfterSettle: number | undefined
  /** External memory right after our last full GC. NaN: none yet (so no second GC on the first). */
  private externalFloor = Number.NaN
  private readonly gc = getGc()

  /**
   * Brings the heap to a comparable state before a test. Returns how much known garbage (boundary
   * markers) it left in the young generation: see ActiveReading.
   */
  settle({ knownYoungGarbage = 0, strict = false, full = false, precise = false }: SettleRequest = {}): number {
    // Young garbage of earlier tests, freed by a scavenge during this test, would pull the reading
    // down by as much: a minor GC (~0.5 ms) removes it. It is skipped when the young generation
    // holds little beyond garbage heapmark just made itself (boundary markers): their size is
    // known exactly, so readings after the test's first GC get it added back (see ActiveReading),
    // and the rest stays under YOUNG_STALE_LIMIT_BYTES.
    // Markers pile up in the young generation until a GC: all of them are known garbage, not
    // only the two made since the last test (counting those alone ran a minor GC every other test).
    this.youngMarkers += knownYoungGarbage
    const young = youngBytes()
    // Young memory only shrinks in a GC: less than the last settle left plus the new markers means
    // one ran that no test saw, so which markers are left is unknown.
    const unseenGc = this.youngAfterSettle !== undefined && young < this.youngAfterSettle + knownYoungGarbage
    let leftGarbage = this.youngMarkers
    this.youngGarbage = Math.max(0, young - this.youngMarkers)
    let level = currentLevel()
    // Growth of 1 MiB or more since the last settle may be young garbage: a minor GC tells.
    const grewALot = this.settledBytes !== undefined && this.total(level) - leftGarbage - this.settledBytes >= KEEPER_GROWTH_BYTES
    // The test that just ended ran GCs of its own (it allocates a lot), and left young garbage: a
    // minor GC clears it, so the next test's live-peak lower bound (which must subtract the young
    // generation at its start, live or not) stays tight. Next to what such a test costs, a minor
    // GC is noise; suites of small tests, which see no GC, never pay it.
    const afterBusyTest = this.floor !== undefined && this.youngAfterSettle === undefined && young - this.youngMarkers >= LIVE_BOUND_YOUNG_BYTES
    // A full GC that runs whatever the levels say (a worker's first, or one asked for) empties the
    // young generation too: a minor GC before it was a second scavenge of the same garbage (~1 ms
    // in a fresh Vitest worker, whose young generation is full of start-up garbage).
    const fullGcCertain = full || !isolateHadFullGc
    if (!fullGcCertain && (strict || grewALot || afterBusyTest || this.floor === undefined || unseenGc || young - this.youngMarkers >= YOUNG_STALE_LIMIT_BYTES || this.youngMarkers > MAX_YOUNG_MARKER_BYTES)) {
      this.gc({ type: 'minor' })
      this.youngMarkers = 0
      this.youngGarbage = 0
      leftGarbage = 0
      level = currentLevel()
    }
    if (this.floor === undefined) this.floor = level
    // A heap below the floor means a full GC we did not see: the floor moves down with it.
    if (this.total(level) < this.total(this.floor)) this.setFloor(level, false)
    // The test that just ended may have kept what it grew the heap by: a full GC now measures it
    // (retained memory, the OOM journal). Such growth is old-generation memory, which V8 would
    // soon collect anyway. Growth below it is garbage or small keeps, left to V8's own full GCs.
    // Only once the heap grew by the keeper budget since our last full GC, though: while keeper
    // GCs keep finding garbage, the budget grows, and the window such a GC closes covers several
    // tests (the last one's figure is then a lower bound, see retention.ts).
    const growth = this.settledBytes === undefined ? 0 : this.total(level) - leftGarbage - this.settledBytes
    const sinceFullGc = this.exactBytes === undefined ? Number.POSITIVE_INFINITY : this.total(level) - leftGarbage - this.exactBytes
    const budget = precise ? KEEPER_GROWTH_BYTES : this.keeperBudget
    // External growth skips the budget: V8 releases the Buffer stores a GC found dead on a
    // background thread, and the external level drops when the next GC finishes that sweep. After
    // a minor GC only, that was during the next test, where no GC shows it: a test holding a
    // 50 MiB Buffer read 40.0 MiB after one that dropped 10 MiB. A full GC finishes the sweep
    // first. (A second minor GC did too, but it moved the scavenges of later tests: objects
    // 25 MiB read 27.2 MiB in 3 of 4 runs.)
    const externalGrowth = this.settledLevel === undefined ? 0 : level.external - this.settledLevel.external
    // A test during which V8 ran a full GC of its own and that grew the heap from the live level
    // it started on (observe()) gets its keeper GC whatever the budget too: V8 rarely runs one once
    // keeper GCs come every budget, and without it the next test's live-peak bound lost what that
    // test left (churn holding 8 MiB read "at least 7.74 MiB" in 2 of 5 runs).
    const keeper = this.keeperPending || (growth >= KEEPER_GROWTH_BYTES && (sinceFullGc >= budget || externalGrowth >= EXTERNAL_KEEPER_GROWTH_BYTES))
    this.keeperPending = false
    const stale = precise && (!this.floorExact || this.total(level) - this.total(this.floor) > FULL_GC_THRESHOLD_BYTES)
    // A worker's first test starts on a full GC: the worker's start-up garbage (3.4 MiB in a plain
    // Vitest worker, more after big imports; a minor GC frees 0.8 of it) would otherwise sit in
    // the start levels of its first tests, and retained figures measured from them read that much
    // low (a test keeping 5 MiB read 2.5 when it was left to the first keeper GC).
    if (fullGcCertain || keeper || stale) {
      this.gc()
      // A worker's first full GC leaves ~0.8 MiB of young garbage that only the next GC frees
      // (objects released by weak callbacks): a retained figure measured from it read 2.2 MiB for
      // a test keeping 3 MiB. A minor GC frees it as well as a second full GC did (10.1 -> 9.3 MiB
      // in a plain Vitest worker, either way), at a fraction of the cost.
      if (!isolateHadFullGc) this.gc({ type: 'minor' })
      isolateHadFullGc = true
      level = currentLevel()
      // ArrayBuffer/Buffer stores are often released only by the next GC; left alone, an earlier
      // test's 50 MiB Buffer was freed mid-test and a test holding 200 MiB read 150 MiB.
      if (level.external - this.externalFloor > FULL_GC_THRESHOLD_BYTES) {
        this.gc()
        level = currentLevel()
      }
      this.externalFloor = level.external
      if (keeper && this.exactBytes !== undefined) {
        // Memory kept since our last full GC: none (only garbage), and the next keeper GC waits
        // for more growth; some, and the next test that grows the heap is measured on its own.
        const kept = this.total(level) - this.exactBytes
        this.keeperBudget = kept >= KEEPER_GROWTH_BYTES ? KEEPER_GROWTH_BYTES : Math.min(KEEPER_BUDGET_GROWTH * this.keeperBudget, KEEPER_BUDGET_MAX_BYTES)
      }
      this.exactBytes = this.total(level)
      // What the ended test grew the heap by and the full GC did not free: the runner may still
      // hold it (Vitest keeps a finished test's context until the next one starts), and V8 frees
      // it in a later full GC, during a later test. Counted in that test's gap.
      this.recentlyKept = this.settledLevel && keeper
        ? { heap: Math.max(0, level.heap - this.settledLevel.heap), external: Math.max(0, level.external - this.settledLevel.external) }
        : { heap: 0, external: 0 }
      this.setFloor(level, true)
      this.youngMarkers = 0
      this.youngGarbage = 0
      leftGarbage = 0
      this.lastLevel = { bytes: this.total(level), exact: true }
    } else {
      this.lastLevel = { bytes: this.total(level), exact: false }
    }
    this.settledBytes = this.total(level) - leftGarbage
    this.settledLevel = { heap: level.heap - leftGarbage, external: level.external }
    this.youngAfterSettle = leftGarbage > 0 ? young : youngBytes()
    return leftGarbage
  }

  /**
   * Between test files: what the heap grew by since the last settle is the runner's (the next
   * file's environment and modules), not a test's, so the next settle must not take it for memory
   * a test kept and run a keeper GC for it. Jest grew it by 1-4 MiB per file: 8 of a 10-file run's
   * 11 keeper GCs found nothing but the new file's modules (docs/measuring.md, "Jest").
   */
  runnerGrew(): void {
    if (this.settledBytes === undefined) return
    const level = currentLevel()
    this.settledBytes = this.total(level) - this.youngMarkers
    this.settledLevel = { heap: level.heap - this.youngMarkers, external: level.external }
  }

  private total(level: Level): number {
    return level.heap + level.external
  }

  private setFloor(level: Level, exact: boolean): void {
    this.floor = level
    this.floorExact = exact
  }

  /** Stops a reading without using it (a test being re-baselined). */
  discard(reading: ActiveReading): void {
    reading.stop()
  }

  start(knownGarbage: number): ActiveReading {
    const base = currentLevel()
    const floor = this.floor ?? base
    // What a full GC during the test can free of earlier tests' memory: everything above the floor
    // (heapmark's markers are accounted for separately).
    const gap: Gap = {
      heap: Math.max(0, base.heap - floor.heap - knownGarbage) + this.recentlyKept.heap,
      young: this.youngGarbage,
      external: Math.max(0, base.external - floor.external) + this.recentlyKept.external + EXTERNAL_RELEASE_LAG_BYTES,
    }
    return new ActiveReading(base, knownGarbage, gap)
  }

  /** A finished reading: V8's full GCs during it tell where live memory stood at its start. */
  observe(reading: MemoryReading & { liveAtStart?: Level }): void {
    if (reading.gcs > 0) {
      // That GC emptied the young generation of the markers made before it.
      this.youngMarkers = 0
      this.youngAfterSettle = undefined
    }
    if (!reading.liveAtStart) return
    this.setFloor(reading.liveAtStart, false)
    // The settled growth the next settle sees has that full GC's freeing in it: judge the test
    // against the live level at its start instead.
    if (this.total(currentLevel()) - this.total(reading.liveAtStart) >= KEEPER_GROWTH_BYTES) this.keeperPending = true
  }
}

