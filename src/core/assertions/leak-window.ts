import type { GapAttribution } from '../attribution/gap-attribution.js'
import { getGc, type GcFunction } from '../measure/gc.js'
import { HeapmarkError } from '../../errors.js'
import type { SamplerArbiter } from '../attribution/sampler-arbiter.js'
import { createSampleDecoder } from '../attribution/sample-size.js'
import { survivorLocations, type SurvivorSettings } from '../attribution/survivors.js'
import type { LeakedLocation } from '../measure/test-measurement.js'
import type { WorkerThreadsMeter } from '../measure/worker-threads.js'

/**
 * limitLeaks' window: it borrows attribution's sampler for a live-only session around the body, and
 * reads what survived (the read forces a full GC first), by allocating stack.
 */
export class LeakWindow {
  private readonly gc = getGc()
  private externalBase = 0
  private startedAt = 0

  constructor(
    private readonly arbiter: SamplerArbiter,
    private readonly attribution: GapAttribution,
    private readonly workerThreads: WorkerThreadsMeter,
    private readonly settings: SurvivorSettings,
  ) {}

  /**
   * Starts a leak window: reads the normal session, settles external memory on a full GC, and
   * samples only what will survive, at `interval`. See end().
   */
  begin(interval: number): void {
    const sampler = this.arbiter.attribution
    if (!sampler) throw new HeapmarkError('HEAPMARK_LIMIT_MISUSE', this.arbiter.leakRefusal()!)
    this.attribution.distribute(sampler.stop())
    // After a full GC: a good enough baseline for external memory. (Stores freed by it but
    // released later only make the leak look smaller, never invent one.) Reading the profile
    // through the inspector just ran one; Node 26's own door reads without one.
    if (!sampler.readForcesGc) this.gc()
    this.externalBase = process.memoryUsage().external
    // Last, so nothing heapmark allocates above (frame caches, source maps) counts as the test's.
    sampler.startLiveSession(interval)
    this.startedAt = performance.now()
  }

  /** Worker threads started in the window and still running, as leaked locations. */
  async liveWorkerLeaks(key: string): Promise<LeakedLocation[]> {
    const workers = await this.workerThreads.liveWorkersSince(key, this.startedAt)
    return workers.map((worker) => ({ frames: [], bytes: worker.bytes, count: 0, external: false, workerThread: worker.threadId }))
  }

  /** What allocated during the window is still alive now, by allocating stack, biggest first. */
  end(isRunnerFile: (file: string) => boolean): LeakedLocation[] {
    const { samples, parents, interval } = this.arbiter.attribution!.endLiveSession()
    const decodeLive = createSampleDecoder(interval)
    // The read ran a full GC; ArrayBuffer stores often need a second one to be released, so only
    // pay for it when external memory seems to have grown.
    let externalLeak = process.memoryUsage().external - this.externalBase
    if (externalLeak > 0) externalLeak = settledExternal(this.gc) - this.externalBase
    const result = survivorLocations(samples, parents, decodeLive, isRunnerFile, this.settings)
    // Buffer/ArrayBuffer contents are invisible to the sampler: measured as a whole, after GC.
    if (externalLeak > 0) result.push({ frames: [], bytes: externalLeak, count: 0, external: true })
    return result.sort((a, b) => b.bytes - a.bytes)
  }
}

/**
 * External memory once freed stores are really released. Called right after a profile read (which
 * forced one full GC): ArrayBuffer stores often need a second one.
 */
function settledExternal(gc: GcFunction): number {
  gc()
  return process.memoryUsage().external
}
