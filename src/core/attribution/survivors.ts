import { isHeapmarkUrl } from './frames.js'
import type { PlacedSample, ProfileCallFrame, ProfileNode } from './heap-sampler.js'
import type { SourceFrame } from '../report/model.js'
import type { createSampleDecoder } from './sample-size.js'
import type { LeakedLocation } from '../measure/test-measurement.js'

/** Frames kept per leaked location: enough to tell callers apart and show them. */
const LEAK_STACK_DEPTH = 32

export interface SurvivorSettings {
  resolveFrame: (frame: ProfileCallFrame) => SourceFrame
  isOwnAllocation: (node: ProfileNode, parents: Map<number, ProfileNode>) => boolean
}

/**
 * Samples still alive after a live-only session's read (a leak window, or precise retention's
 * window), grouped by allocating stack.
 */
export function survivorLocations(
  samples: PlacedSample[],
  parents: Map<number, ProfileNode>,
  decode: ReturnType<typeof createSampleDecoder>,
  isRunnerFile: (file: string) => boolean,
  settings: SurvivorSettings,
): LeakedLocation[] {
  const locations = new Map<string, LeakedLocation>()
  for (const sample of samples) {
    if (settings.isOwnAllocation(sample.node, parents)) continue
    const frames = leakFrames(sample.node, parents, settings.resolveFrame)
    const allocator = frames.find((frame) => frame.kind !== 'node')
    // What the runner itself keeps (assertion state, task results) is not the test's leak.
    if (allocator && isRunnerFile(allocator.file)) continue
    const key = frames.map((f) => `${f.file}:${f.line}:${f.column}:${f.functionName}`).join('|')
    const { count } = decode(sample.size)
    const location = locations.get(key)
    if (location) {
      location.bytes += sample.size
      location.count += count
    } else {
      locations.set(key, { frames, bytes: sample.size, count, external: false })
    }
  }
  return [...locations.values()]
}

function leakFrames(node: ProfileNode, parents: Map<number, ProfileNode>, resolve: (frame: ProfileCallFrame) => SourceFrame): SourceFrame[] {
  const frames: SourceFrame[] = []
  for (let current: ProfileNode | undefined = node; current && frames.length < LEAK_STACK_DEPTH; current = parents.get(current.id)) {
    if (current.callFrame.url !== '') frames.push(resolve(current.callFrame))
  }
  return frames
}

/**
 * heapmark's bookkeeping runs inside each test's window (reading heap statistics, resolving frames
 * through source-map libraries). An allocation is heapmark's own when, walking out from it past
 * Node internals and dependencies, the first frame reached is heapmark's. "heapmark anywhere on the
 * stack" would be wrong: the test body itself is called from heapmark's runner and wrappers.
 */
export function createOwnAllocationCheck(): (node: ProfileNode, parents: Map<number, ProfileNode>) => boolean {
  // Weak: a read's nodes are garbage once it is distributed; a Map kept every read's tree alive.
  const verdicts = new WeakMap<ProfileNode, boolean>()
  return (node, parents) => {
    let verdict = verdicts.get(node)
    if (verdict === undefined) {
      let current: ProfileNode | undefined = node
      while (current && !isHeapmarkUrl(current.callFrame.url) && !isUserCode(current.callFrame.url)) current = parents.get(current.id)
      verdict = current !== undefined && isHeapmarkUrl(current.callFrame.url)
      verdicts.set(node, verdict)
    }
    return verdict
  }
}

function isUserCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:') && !url.includes('/node_modules/')
}
