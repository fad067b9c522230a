import inspector from 'node:inspector'
import v8 from 'node:v8'
import { HeapmarkError } from '../../errors.js'

/** The parts of V8's SamplingHeapProfile heapmark reads. */
export interface ProfileCallFrame {
  functionName: string
  url: string
  /** 0-based. */
  lineNumber: number
  /** 0-based. */
  columnNumber: number
}
export interface ProfileNode {
  callFrame: ProfileCallFrame
  id: number
  children: ProfileNode[]
}
export interface ProfileSample {
  size: number
  nodeId: number
  ordinal: number
}
export interface SamplingProfile {
  head: ProfileNode
  samples: ProfileSample[]
}

/** One sampled allocation, placed between two boundaries of the session. */
export interface PlacedSample {
  size: number
  ordinal: number
  node: ProfileNode
  /** Index of the gap it fell in: 0 = before the first boundary, k = after boundary k-1. */
  gap: number
}

export interface CollectedSamples {
  samples: PlacedSample[]
  parents: Map<number, ProfileNode>
  /** Number of boundaries the profile confirmed, in order; fewer than were marked means the rest are unreliable. */
  confirmedBoundaries: number
}

/*
 * Why boundaries: reading a profile through the inspector forces a full GC inside V8
 * (kSamplingForceGC), ~3.5 ms even on a tiny heap, and any read serialises the whole profile, so
 * it cannot run after every test. Instead one sampling session spans many tests and each test
 * start/end is marked by allocations that the sampler is all but certain to see: 16 x the sampling
 * interval in a function of known name is missed with probability e^-16 (memoryless sampling).
 * Four marker functions take turns so two consecutive boundaries are always told apart, even when
 * nothing was sampled between them.
 * Measured on Node 20: ~60 µs per test at a 16 KiB interval, and 4000 of 4000 boundaries found.
 */
const MARKER_OBJECT_ELEMENTS = 8192 // 64 KiB: the largest round size that stays out of large-object space
const MARKER_OBJECT_BYTES = 16 + 8 * MARKER_OBJECT_ELEMENTS
const MARKER_MULTIPLE = 16
/**
 * Where markers are stored, reachable from globalThis: a module variable nobody reads was removed by
 * the bundler, and V8 13 (Node 24) then optimised the bare `new Array()` away after ~95 calls, so
 * boundaries went missing from about the 190th test of a file. A store V8 cannot prove dead stays.
 */
const markerSink = ((globalThis as Record<symbol, unknown>)[Symbol.for('heapmark.boundary-marker')] ??= { value: undefined }) as { value: unknown }
let markerObjects = 1
function heapmarkBoundary0() { for (let i = 0; i < markerObjects; i++) markerSink.value = new Array(MARKER_OBJECT_ELEMENTS); markerSink.value = undefined }
function heapmarkBoundary1() { for (let i = 0; i < markerObjects; i++) markerSink.value = new Array(MARKER_OBJECT_ELEMENTS); markerSink.value = undefined }
function heapmarkBoundary2() { for (let i = 0; i < markerObjects; i++) markerSink.value = new Array(MARKER_OBJECT_ELEMENTS); markerSink.value = undefined }
function heapmarkBoundary3() { for (let i = 0; i < markerObjects; i++) markerSink.value = new Array(MARKER_OBJECT_ELEMENTS); markerSink.value = undefined }
const MARKERS = [heapmarkBoundary0, heapmarkBoundary1, heapmarkBoundary2, heapmarkBoundary3]
const MARKER_NAMES = MARKERS.map((fn) => fn.name)

/**
 * The door into V8's one sampling heap profiler. Through the inspector, every read forces a full GC
 * first (the inspector always passes kSamplingForceGC), which is most of what a read costs (~3.5 ms
 * on a tiny heap, a mark-compact on a big one). Node 26's `v8.startHeapProfile` takes that flag as an
 * option: heapmark counts garbage too, so its reads need no GC there, and no inspector session.
 */
interface SamplerDoor {
  /** Whether stop() runs a full GC before reading: always through the inspector. */
  readonly readForcesGc: boolean
  /** `collected`: keep samples of objects GCs free (heapmark's normal session); else survivors only. */
  start(interval: number, collected: boolean): void
  stop(): SamplingProfile
  /** Stops without reading: what was sampled is dropped, and no GC runs. */
  drop(): void
  close(): void
}

/** V8 inspector's default sampling stack depth, which heapmark's sites were always read with. */
const STACK_DEPTH = 128

/** Node 26+: `v8.startHeapProfile` (experimental there), absent before. */
interface NativeHeapProfile {
  stop(): string
  [Symbol.dispose](): void
}
type StartHeapProfile = (options: {
  sampleInterval: number
  stackDepth: number
  forceGC: boolean
  includeObjectsCollectedByMajorGC: boolean
  includeObjectsCollectedByMinorGC: boolean
}) => NativeHeapProfile

/**
 * Which door this runtime has. `HEAPMARK_SAMPLER=inspector` keeps the inspector where Node has the
 * other one (for comparing the two; docs/measuring.md).
 */
function openDoor(): SamplerDoor {
  const start = (v8 as unknown as { startHeapProfile?: StartHeapProfile }).startHeapProfile
  if (typeof start === 'function' && process.env.HEAPMARK_SAMPLER !== 'inspector') return new NativeDoor(start)
  return new InspectorDoor()
}

class NativeDoor implements SamplerDoor {
  readonly readForcesGc = false
  private profile: NativeHeapProfile | undefined

  constructor(private readonly startProfile: StartHeapProfile) {}

  start(interval: number, collected: boolean): void {
    this.profile = this.startProfile({
      sampleInterval: interval,
      stackDepth: STACK_DEPTH,
      // Survivors only (leak and retention windows): the GC drops the samples of dead objects.
      forceGC: !collected,
      includeObjectsCollectedByMajorGC: collected,
      includeObjectsCollectedByMinorGC: collected,
    })
  }

  stop(): SamplingProfile {
    const profile = this.profile
    this.profile = undefined
    if (!profile) throw new HeapmarkError('HEAPMARK_INTERNAL', 'the sampling heap profile was read while stopped')
    return JSON.parse(profile.stop()) as SamplingProfile
  }

  drop(): void {
    this.profile?.[Symbol.dispose]()
    this.profile = undefined
  }

  close(): void {
    this.drop()
  }
}

class InspectorDoor implements SamplerDoor {
  readonly readForcesGc = true
  private readonly session = new inspector.Session()
  private enabled = false

  constructor() {
    this.session.connect()
  }

  start(interval: number, collected: boolean): void {
    // After drop() the agent is disabled, and startSampling needs it enabled.
    if (!this.enabled) this.post('HeapProfiler.enable')
    this.enabled = true
    this.post('HeapProfiler.startSampling', {
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: collected,
      includeObjectsCollectedByMinorGC: collected,
    })
  }

  stop(): SamplingProfile {
    return (this.post('HeapProfiler.stopSampling') as { profile: SamplingProfile }).profile
  }

  /** `HeapProfiler.disable` stops V8's sampler without the read's GC (~0.1 ms, measured on Node 20 and 24). */
  drop(): void {
    this.post('HeapProfiler.disable')
    this.enabled = false
  }

  close(): void {
    try {
      this.post('HeapProfiler.stopSampling')
    } catch {
      // Already stopped: nothing to release.
    }
    this.session.disconnect()
  }

  /** In-process inspector sessions answer synchronously; anything else is a bug we want to hear about. */
  private post(method: string, params?: object): unknown {
    let result: unknown
    let failure: Error | null | undefined
    let answered = false
    this.session.post(method, params, (error: Error | null, value: unknown) => {
      answered = true
      failure = error
      result = value
    })
    if (!answered) throw new HeapmarkError('HEAPMARK_INTERNAL', `inspector call ${method} did not answer synchronously`)
    if (failure) throw new HeapmarkError('HEAPMARK_INTERNAL', `inspector call ${method} failed: ${failure.message}`, { cause: failure })
    return result
  }
}

/** A sampling heap profiler session for this isolate, with numbered boundaries. */
export class HeapSampler {
  readonly interval: number
  private readonly door = openDoor()
  private boundaries = 0
  private liveInterval = 0
  /** V8's sampler is on for this session (off between stop() and the next start, and while paused). */
  private sampling = false

  constructor(interval: number) {
    this.interval = interval
    markerObjects = Math.ceil((MARKER_MULTIPLE * interval) / MARKER_OBJECT_BYTES)
    this.startSampling()
  }

  /** Whether reading the profile runs a full GC first (see SamplerDoor): true before Node 26. */
  get readForcesGc(): boolean {
    return this.door.readForcesGc
  }

  /** Young-generation bytes each boundary marker leaves as garbage. */
  get markerBytes(): number {
    return markerObjects * MARKER_OBJECT_BYTES
  }

  /** Marks a boundary and returns its index within the current session. */
  mark(): number {
    const index = this.boundaries++
    MARKERS[index % MARKERS.length]!()
    return index
  }

  /** Whether the sampler is paused (see pause()). */
  get paused(): boolean {
    return !this.sampling
  }

  /**
   * Stops sampling without reading the profile, which is dropped (no GC). For stretches where no
   * sample would be used: every sample costs a stack walk in V8, ~3 µs plus ~0.15 µs per frame (a
   * 30-frame stack at 16 KiB made an allocating loop 3.5x slower).
   */
  pause(): void {
    if (!this.sampling) return
    this.door.drop()
    this.sampling = false
    this.boundaries = 0
  }

  /** Starts a new normal session after pause() (~0.05 ms). No-op while sampling. */
  resume(): void {
    if (this.sampling) return
    this.startSampling()
  }

  /** Ends the session, returns its samples placed between boundaries, and starts a new one (not while paused). */
  collect(): CollectedSamples {
    if (!this.sampling) return this.stop()
    const collected = this.stop()
    this.startSampling()
    return collected
  }

  /**
   * Ends the normal session and returns its samples, without starting another: the caller
   * processes them first (resolving frames allocates caches) and then calls startLiveSession().
   */
  stop(): CollectedSamples {
    const marked = this.boundaries
    this.boundaries = 0
    // Paused: nothing was sampled (and V8 would refuse the read).
    if (!this.sampling) return { samples: [], parents: new Map(), confirmedBoundaries: 0 }
    const profile = this.door.stop()
    this.sampling = false
    return placeSamples(profile, marked)
  }

  /** Starts a session that keeps only objects still alive when it is read, at its own interval. For leak checks. */
  startLiveSession(interval: number): void {
    this.liveInterval = interval
    this.door.start(interval, false)
    this.sampling = true
  }

  /**
   * Reads the live session (V8 runs a full GC first, so only survivors remain) and goes back to
   * the normal session. Returns the survivors with their nodes.
   */
  endLiveSession(): { samples: PlacedSample[]; parents: Map<number, ProfileNode>; interval: number } {
    const profile = this.door.stop()
    const interval = this.liveInterval
    this.startSampling()
    const { samples, parents } = placeSamples(profile, 0)
    return { samples, parents, interval }
  }

  dispose(): void {
    this.door.close()
  }

  private startSampling(): void {
    // Count garbage too: the report is about everything a test allocated, not only survivors.
    this.door.start(this.interval, true)
    this.sampling = true
  }
}

function placeSamples(profile: SamplingProfile, marked: number): CollectedSamples {
  const nodes = new Map<number, ProfileNode>()
  const parents = new Map<number, ProfileNode>()
  const stack: ProfileNode[] = [profile.head]
  while (stack.length > 0) {
    const node = stack.pop()!
    nodes.set(node.id, node)
    for (const child of node.children) {
      parents.set(child.id, node)
      stack.push(child)
    }
  }
  const ordered = profile.samples.slice().sort((a, b) => a.ordinal - b.ordinal)
  const samples: PlacedSample[] = []
  let confirmed = 0
  let inMarker = -1 // marker function index of the run we are in, or -1
  let broken = false
  for (const sample of ordered) {
    const node = nodes.get(sample.nodeId)
    if (!node) continue
    const markerIndex = MARKER_NAMES.indexOf(node.callFrame.functionName)
    if (markerIndex >= 0) {
      if (markerIndex === inMarker) continue // same run
      inMarker = markerIndex
      if (!broken && markerIndex === confirmed % MARKERS.length && confirmed < marked) confirmed++
      else broken = true
      continue
    }
    inMarker = -1
    if (!broken) samples.push({ size: sample.size, ordinal: sample.ordinal, node, gap: confirmed })
  }
  return { samples, parents, confirmedBoundaries: confirmed }
}
