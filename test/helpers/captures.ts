import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { CAPTURE_VERSION, type Capture, type CaptureMetadata, type CaptureNode, type CaptureSample } from '../../src/core/capture/format.js'
import type { ReadCapture } from '../../src/core/capture/reader.js'

/**
 * Hand-built captures for reporter tests: describe a call tree with the object sizes each frame
 * allocated, get back a capture whose samples are scaled the way V8 scales them, so the reporters'
 * size decoding is exercised for real.
 */

export const ROOT_DIR = '/project'
export const INTERVAL = 16 * 1024

export interface FrameSpec {
  fn: string
  /** Project-relative file ("src/a.ts"), a "node:" URL, an absolute URL, or '' for native. Default "src/app.ts". */
  file?: string
  /** 1-based. Default 1. */
  line?: number
  /** Object sizes this frame allocated itself: one sample each. */
  allocs?: number[]
  children?: FrameSpec[]
}

/** What V8 reports for one sampled object: size × round(1 / (1 − e^(−size/interval))). */
export function scaledSample(size: number, interval = INTERVAL): number {
  return size * Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5)
}

export function makeMetadata(overrides: Partial<CaptureMetadata> = {}): CaptureMetadata {
  return {
    version: CAPTURE_VERSION,
    heapmarkVersion: '0.1.0',
    runner: { name: 'vitest', version: '4.1.12' },
    node: 'v20.19.0',
    createdAt: '2025-01-02T03:04:05.000Z',
    testId: 'abc_0',
    name: 'test/app.test.ts > app > builds',
    file: 'test/app.test.ts',
    peakBytes: 12 * 1024 * 1024,
    heapPeakBytes: 11 * 1024 * 1024,
    externalPeakBytes: 1024 * 1024,
    totalBytes: 20 * 1024 * 1024,
    allocationCount: 5000,
    samplingInterval: INTERVAL,
    rootDir: ROOT_DIR,
    ...overrides,
  }
}

/**
 * A capture object (the JSON written to disk). `metadata: false` gives a plain V8 profile;
 * `interval` scales samples (default: the metadata's interval, else node --heap-prof's 512 KiB).
 */
export function makeCaptureJson(frames: FrameSpec[], options: { metadata?: Partial<CaptureMetadata> | false; interval?: number } = {}): Capture | Omit<Capture, 'heapmark'> {
  const metadata = options.metadata === false ? undefined : makeMetadata(options.metadata)
  const interval = options.interval ?? metadata?.samplingInterval ?? 512 * 1024
  let nextId = 1
  let ordinal = 0
  const samples: CaptureSample[] = []
  const build = (spec: FrameSpec): CaptureNode => {
    const id = nextId++
    const sizes = (spec.allocs ?? []).map((size) => scaledSample(size, interval))
    for (const size of sizes) samples.push({ size, nodeId: id, ordinal: ordinal++ })
    return {
      callFrame: { functionName: spec.fn, scriptId: spec.file === '' ? '0' : '1', url: toUrl(spec.file ?? 'src/app.ts'), lineNumber: (spec.line ?? 1) - 1, columnNumber: 0 },
      selfSize: sizes.reduce((a, b) => a + b, 0),
      id,
      children: (spec.children ?? []).map(build),
    }
  }
  const head = build({ fn: '(root)', file: '', line: 0, children: frames })
  return metadata ? { head, samples, heapmark: metadata } : { head, samples }
}

export function makeCapture(frames: FrameSpec[], options: { metadata?: Partial<CaptureMetadata> | false; interval?: number; path?: string } = {}): ReadCapture {
  const json = makeCaptureJson(frames, options) as Partial<Capture> & Omit<Capture, 'heapmark'>
  return { path: options.path ?? '/project/.heapmark/app.heapprofile', head: json.head, samples: json.samples, metadata: json.heapmark }
}

function toUrl(file: string): string {
  if (file === '' || file.startsWith('node:') || file.includes('://')) return file
  return file.startsWith('/') ? `file://${file}` : `file://${ROOT_DIR}/${file}`
}

/** A temporary directory removed when the current test finishes. */
export async function useTempDir(prefix = 'heapmark-captures-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function writeCaptureFile(dir: string, name: string, capture: unknown): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, typeof capture === 'string' ? capture : JSON.stringify(capture))
  return file
}

/**
 * V8 reports size × count per sample, and several (size, count) pairs can give the same product
 * (20000×1 = 5000×4), so core/attribution/sample-size.ts cannot always recover the size. These sizes decode
 * exactly at 16 KiB, which keeps histogram assertions meaningful (many small sizes are ambiguous: see docs/measuring.md).
 */
export const EXACT_SIZES = { tiny: 40, small: 1000, medium: 3000, large: 300 * 1024, huge: 5 * 1024 * 1024 } as const

/** A small but realistic tree: runner frames, two user branches, a dependency and Node internals. */
export function sampleTree(): FrameSpec[] {
  return [
    {
      fn: 'runTest', file: '/project/node_modules/@vitest/runner/dist/index.js', line: 100, children: [
        {
          fn: 'callFn', file: '/project/node_modules/@vitest/runner/dist/index.js', line: 50, children: [
            {
              fn: 'buildTable', file: 'src/table.ts', line: 8, allocs: [40, 40, 40, 1000], children: [
                { fn: 'makeRow', file: 'src/table.ts', line: 20, allocs: [40, 40, 40, 40, 40, 40, 300 * 1024] },
                { fn: 'JSON.parse', file: 'node:internal/json', line: 1, allocs: [3000] },
              ],
            },
            { fn: 'toCsv', file: 'src/csv.ts', line: 3, allocs: [5 * 1024 * 1024] },
            { fn: 'lodashClone', file: '/project/node_modules/lodash/clone.js', line: 12, allocs: [1000] },
          ],
        },
      ],
    },
  ]
}
