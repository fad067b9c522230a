import { gzipSync } from 'node:zlib'
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format'
import type { ReadCapture } from '../core/capture/reader.js'
import { buildCallTree, walkTree } from './call-tree.js'
import { captureTitle } from './capture-info.js'
import { frameKey, type DisplayFrame } from './frames.js'

/**
 * `heapmark transform --format pprof`: a gzip-compressed profile.proto that `go tool pprof`,
 * Pyroscope and Google Cloud Profiler read, encoded with DataDog's `pprof-format`. Sample types
 * follow Go's heap profiles (alloc_objects/count, alloc_space/bytes), so pprof's usual flags
 * (-sample_index=alloc_space) work. One sample per allocating call path; one location per frame.
 */
export const PPROF_SAMPLE_TYPES = [
  { type: 'alloc_objects', unit: 'count' },
  { type: 'alloc_space', unit: 'bytes' },
] as const

export function buildPprof(capture: ReadCapture): Profile {
  const tree = buildCallTree(capture)
  const strings = new StringTable()
  const functions: PprofFunction[] = []
  const locations: Location[] = []
  const functionIds = new Map<string, number>()
  const locationIds = new Map<string, number>()

  const functionId = (frame: DisplayFrame): number => {
    // V8 resolves sampled frames per function, so a frame's line is where its function starts.
    const key = `${frame.functionName}\0${frame.file}\0${frame.line}`
    let id = functionIds.get(key)
    if (id === undefined) {
      id = functions.length + 1
      functionIds.set(key, id)
      const name = strings.dedup(frame.functionName)
      functions.push(new PprofFunction({ id, name, systemName: name, filename: strings.dedup(frame.file), startLine: frame.line }))
    }
    return id
  }
  const locationId = (frame: DisplayFrame): number => {
    const key = frameKey(frame)
    let id = locationIds.get(key)
    if (id === undefined) {
      id = locations.length + 1
      locationIds.set(key, id)
      locations.push(new Location({ id, line: [new Line({ functionId: functionId(frame), line: frame.line, column: frame.column })] }))
    }
    return id
  }

  const samples: Sample[] = []
  walkTree(tree, (node, ancestors) => {
    if (node.selfBytes <= 0 && node.selfCount <= 0) return
    // pprof stacks are leaf first.
    const stack = [node, ...[...ancestors].reverse()].map((entry) => locationId(entry.frame))
    samples.push(new Sample({ locationId: stack, value: [node.selfCount, node.selfBytes] }))
  })

  const sampleType = PPROF_SAMPLE_TYPES.map((type) => new ValueType({ type: strings.dedup(type.type), unit: strings.dedup(type.unit) }))
  const comments = [`heapmark capture of ${captureTitle(capture)}`, `capture: ${capture.path}`]
  if (tree.intervalAssumed) comments.push('no heapmark metadata: sampling interval assumed to be node --heap-prof default')
  const createdAt = capture.metadata ? Date.parse(capture.metadata.createdAt) : NaN
  return new Profile({
    sampleType,
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    periodType: new ValueType({ type: strings.dedup('space'), unit: strings.dedup('bytes') }),
    period: tree.samplingInterval,
    defaultSampleType: strings.dedup('alloc_space'),
    comment: comments.map((comment) => strings.dedup(comment)),
    ...(Number.isFinite(createdAt) ? { timeNanos: BigInt(createdAt) * 1_000_000n } : {}),
  })
}

/** The gzip-compressed bytes `go tool pprof` reads. */
export function encodePprof(capture: ReadCapture): Buffer {
  return gzipSync(buildPprof(capture).encode())
}
