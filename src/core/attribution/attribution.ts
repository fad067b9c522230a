import type { AllocationSite, NotSampledReason, SizeHistogramBucket, SourceFrame } from '../report/model.js'
import { addToHistogram, compactHistogram, createHistogram } from './histogram.js'
import type { PlacedSample, ProfileCallFrame, ProfileNode } from './heap-sampler.js'
import { createSampleDecoder } from './sample-size.js'
import { CaptureBuilder } from '../capture/builder.js'

/** Frames kept per sample in a capture: deep enough for any real call tree, bounded for safety. */
const CAPTURE_MAX_DEPTH = 128

/** What the sampler saw a test allocate on the JS heap (estimates, scaled from samples). */
export interface Attribution {
  sampledBytes: number
  allocationCount: number
  histogram: SizeHistogramBucket[]
  sites: AllocationSite[]
  /** A boundary marker was missed: the samples after it could not be placed. */
  incomplete?: boolean
}

/** Sent in place of an attribution for a test whose allocation sites were not read, saying why. */
export interface NotSampled {
  notSampled: NotSampledReason
}

/** What a worker sends per test about its allocation sites. */
export type AttributionOutcome = Attribution | NotSampled

export function isNotSampled(outcome: AttributionOutcome | undefined): outcome is NotSampled {
  return outcome !== undefined && 'notSampled' in outcome
}

export interface AttributionSettings {
  interval: number
  /** Frames that identify a site (the report's `stacks`). */
  depth: number
  resolveFrame: (frame: ProfileCallFrame) => SourceFrame
  decode: ReturnType<typeof createSampleDecoder>
  /** True for allocations heapmark itself made inside a test's window (its bookkeeping). */
  isOwnAllocation: (node: ProfileNode, parents: Map<number, ProfileNode>) => boolean
  /** Keep every sample with its full stack for a capture file, relative to this root. */
  captureRootDir?: string
}

/** Adds up sampled allocations for one test, grouping them by their innermost `depth` frames. */
export class AttributionAccumulator {
  private bytes = 0
  private count = 0
  private readonly histogram = createHistogram()
  /** Keyed by the site table's entries, one per distinct site (see SiteTable). */
  private readonly sites = new Map<SiteOfNode, AllocationSite>()
  incomplete = false
  readonly capture: CaptureBuilder | undefined

  constructor(
    private readonly settings: AttributionSettings,
    /** Shared by the accumulators of one worker, so a node's site is resolved once for all of them. */
    private readonly siteTable: SiteTable = new SiteTable(settings),
  ) {
    this.capture = settings.captureRootDir === undefined ? undefined : new CaptureBuilder(settings.captureRootDir)
  }

  add(sample: PlacedSample, parents: Map<number, ProfileNode>): void {
    if (this.settings.isOwnAllocation(sample.node, parents)) return
    // The reported size is already scaled by V8 to stand for all allocations the sample represents.
    const { size, count } = this.settings.decode(sample.size)
    const bytes = sample.size
    const weight = count
    this.bytes += bytes
    this.count += weight
    addToHistogram(this.histogram, size, weight, bytes)
    if (this.capture) this.capture.add(this.fullStackOf(sample.node, parents), sample.size, sample.ordinal)
    const where = this.siteTable.siteOf(sample.node, parents)
    const site = this.sites.get(where)
    if (site) {
      site.bytes += bytes
      site.count += weight
    } else {
      this.sites.set(where, { frames: where.frames, bytes, count: weight })
    }
  }

  finish(maxSites: number): Attribution {
    const sites = [...this.sites.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, maxSites)
      .map((site) => ({ ...site, bytes: Math.round(site.bytes), count: Math.round(site.count) }))
    return {
      sampledBytes: Math.round(this.bytes),
      allocationCount: Math.round(this.count),
      histogram: compactHistogram(this.histogram).map((b) => ({ ...b, count: Math.round(b.count), bytes: Math.round(b.bytes) })),
      sites,
      ...(this.incomplete ? { incomplete: true } : {}),
    }
  }

  /** Outermost first, as a profile tree wants it. */
  private fullStackOf(node: ProfileNode, parents: Map<number, ProfileNode>): SourceFrame[] {
    const frames: SourceFrame[] = []
    for (let current: ProfileNode | undefined = node; current && frames.length < CAPTURE_MAX_DEPTH; current = parents.get(current.id)) {
      if (current.callFrame.url !== '' || current === node) frames.push(this.settings.resolveFrame(current.callFrame))
    }
    return frames.reverse()
  }
}

/** A site as the table keeps it: one object per distinct site, its frames innermost first. */
export interface SiteOfNode {
  readonly frames: SourceFrame[]
}

/**
 * The site each profile node stands for (its innermost `depth` frames with a URL, resolved), worked
 * out once per node rather than per sample. Many samples share a node: zod's biggest read had
 * 8,530 samples, and resolving and joining each one's frames took ~6.5 µs a sample there
 * (docs/measuring.md, "Profile reads for the shown tests only"). Entries are interned by key, so two nodes with the same
 * innermost frames (different callers further out) share one entry and one site.
 */
export class SiteTable {
  /** Weak: a read's nodes are dropped after it, and so are these; the sites themselves stay in byKey. */
  private readonly byNode = new WeakMap<ProfileNode, SiteOfNode>()
  private readonly byKey = new Map<string, SiteOfNode>()

  constructor(private readonly settings: Pick<AttributionSettings, 'depth' | 'resolveFrame'>) {}

  siteOf(node: ProfileNode, parents: Map<number, ProfileNode>): SiteOfNode {
    let entry = this.byNode.get(node)
    if (entry) return entry
    const frames = this.stackOf(node, parents)
    const key = frames.map((f) => `${f.file}:${f.line}:${f.column}:${f.functionName}`).join('|')
    entry = this.byKey.get(key)
    if (!entry) this.byKey.set(key, (entry = { frames }))
    this.byNode.set(node, entry)
    return entry
  }

  private stackOf(node: ProfileNode, parents: Map<number, ProfileNode>): SourceFrame[] {
    const frames: SourceFrame[] = []
    let current: ProfileNode | undefined = node
    // Frames without a URL are V8 pseudo-frames ("(root)") and builtins: they say nothing about user code.
    while (current && frames.length < this.settings.depth) {
      if (current.callFrame.url !== '') frames.push(this.settings.resolveFrame(current.callFrame))
      current = parents.get(current.id)
    }
    if (frames.length === 0) frames.push(this.settings.resolveFrame(node.callFrame))
    return frames
  }
}
