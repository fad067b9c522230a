import { HeapSampler } from './heap-sampler.js'

export interface SamplerArbiterOptions {
  interval: number
  /** False when Node's --heap-prof owns the sampler: starting or reading ours would take its data. */
  sampling: boolean
  /** Precise retention takes the sampler for its live-only windows instead of attribution. */
  preciseRetention: boolean
}

/**
 * V8 has one sampling heap profiler per isolate, and a stop from any session stops it for all. This
 * decides, once per worker, who has it: attribution (and limitLeaks' windows, which borrow it from
 * attribution), precise retention, or nobody (--heap-prof, or the inspector would not open).
 */
export class SamplerArbiter {
  /** For attribution and leak windows; undefined when something else has the sampler. */
  readonly attribution: HeapSampler | undefined
  /** For precise retention's live-only windows. */
  readonly retained: HeapSampler | undefined
  /** Why allocation sampling is off in this worker, if it is (besides --heap-prof). */
  readonly unavailable: string | undefined

  constructor(options: SamplerArbiterOptions) {
    let sampler: HeapSampler | undefined
    if (options.sampling) {
      // heapmark failing to open the inspector must not fail the user's tests: peaks and totals
      // need no inspector, so it degrades to them, says so once, and limitLeaks refuses loudly.
      try {
        sampler = new HeapSampler(options.interval)
      } catch (error) {
        this.unavailable = error instanceof Error ? error.message : String(error)
        console.warn(
          `heapmark: allocation sampling is unavailable in this worker (${this.unavailable}): ` +
            'peaks, totals and retained memory are measured; allocation sites are not, and limitLeaks cannot run.',
        )
      }
    }
    if (options.preciseRetention && sampler) {
      sampler.stop() // the attribution session it opened with: precise mode samples survivors instead
      this.retained = sampler
    } else {
      this.attribution = sampler
    }
  }

  /** Why limitLeaks cannot have the sampler in this worker; undefined when it can. */
  leakRefusal(): string | undefined {
    if (this.attribution) return undefined
    if (this.retained) return "limitLeaks() cannot run with preciseRetention on: both need V8's one sampling heap profiler (precise retention already names what each test keeps alive)."
    if (this.unavailable) return `limitLeaks() cannot run: heapmark could not open V8's sampling heap profiler in this worker (${this.unavailable}).`
    return "limitLeaks() cannot run while Node's --heap-prof uses V8's one sampling heap profiler: remove --heap-prof for this run."
  }
}
