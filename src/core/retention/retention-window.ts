import type { HeapSampler } from '../attribution/heap-sampler.js'
import type { RetentionTracker } from './retention.js'
import { createSampleDecoder } from '../attribution/sample-size.js'
import { survivorLocations, type SurvivorSettings } from '../attribution/survivors.js'

/** Allocation sites kept per test in precise retention mode. */
const RETAINED_SITES_KEPT = 5

/**
 * Precise retention's live window: each test (one at a time) is sampled in a live-only session,
 * read as the next test starts (the read forces a full GC, so only survivors remain): the
 * allocation sites still holding what the test kept.
 */
export class RetainedSitesWindow {
  /** The test whose live-only window is open. */
  private key: string | undefined

  constructor(
    private readonly sampler: HeapSampler,
    private readonly retention: RetentionTracker,
    private readonly settings: SurvivorSettings & { interval: number; depth: number },
    private readonly isRunnerFile: (file: string) => boolean,
  ) {}

  /** Opens the window for a test that starts with no other test running. */
  open(key: string): void {
    this.sampler.startLiveSession(this.settings.interval)
    this.key = key
  }

  /** Reads the open window into its test's retention. Starts nothing: open() starts the next. */
  read(): void {
    const key = this.key
    if (key === undefined) return
    this.key = undefined
    const { samples, parents } = this.sampler.stop()
    const locations = survivorLocations(samples, parents, createSampleDecoder(this.settings.interval), this.isRunnerFile, this.settings)
    const sites = locations.sort((a, b) => b.bytes - a.bytes).slice(0, RETAINED_SITES_KEPT)
    this.retention.setSites(key, sites.map(({ frames, bytes, count }) => ({ frames: frames.slice(0, this.settings.depth), bytes: Math.round(bytes), count: Math.round(count) })))
  }
}
