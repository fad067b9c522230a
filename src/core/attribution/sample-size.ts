/**
 * The inspector reports each sample as `size * count`, where count is V8's estimate of how many
 * allocations the sample stands for: round(1 / (1 - e^(-size/interval))) (ScaleSample in V8's
 * sampling-heap-profiler.cc). Recovers (size, count) so histograms bin by the real object size.
 */
export interface DecodedSample {
  /** Size of the sampled object in bytes. */
  size: number
  /** Allocations this sample stands for. */
  count: number
}

function scaledCount(size: number, interval: number): number {
  return Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5)
}

export function createSampleDecoder(interval: number): (reported: number) => DecodedSample {
  const cache = new Map<number, DecodedSample>()
  return (reported) => {
    let decoded = cache.get(reported)
    if (!decoded) {
      decoded = decode(reported, interval)
      cache.set(reported, decoded)
    }
    return decoded
  }
}

function decode(reported: number, interval: number): DecodedSample {
  // size * scale(size) grows with size: bisect for the real-valued size, then try nearby counts.
  let low = 0
  let high = reported
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2
    if (mid / (1 - Math.exp(-mid / interval)) < reported) low = mid
    else high = mid
  }
  // Several (size, count) pairs can give the same product; take the one nearest the estimate.
  const guess = scaledCount(high, interval)
  // A product below the interval has no exact solution (every size stands for >= interval bytes);
  // never search an unbounded range of counts for it.
  if (!Number.isFinite(guess) || guess > reported) return { size: Math.max(1, reported), count: 1 }
  // Every exact pair divides the product: enumerate divisors (about sqrt(reported) steps, and the
  // decoder caches per value). V8 objects are 8-byte aligned here, so aligned sizes win ties.
  let best: DecodedSample | undefined
  const better = (candidate: DecodedSample): boolean => {
    if (!best) return true
    const aligned = candidate.size % 8 === 0
    if (aligned !== (best.size % 8 === 0)) return aligned
    return Math.abs(Math.log(candidate.size / high)) < Math.abs(Math.log(best.size / high))
  }
  for (let divisor = 1; divisor * divisor <= reported; divisor++) {
    if (reported % divisor !== 0) continue
    for (const [size, count] of [[reported / divisor, divisor], [divisor, reported / divisor]] as const) {
      if (scaledCount(size, interval) === count && better({ size, count })) best = { size, count }
    }
  }
  return best ?? { size: Math.max(1, Math.round(reported / guess)), count: guess }
}
