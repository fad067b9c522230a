/**
 * The capture file: one per test, a V8 sampling heap profile (`.heapprofile`, the JSON that
 * `node --heap-prof`, Chrome DevTools, VS Code and speedscope read) with heapmark's metadata
 * under an extra top-level `heapmark` key, which those tools ignore. Frames are already mapped to
 * the user's sources: `url` is the original file's file:// URL, line/column numbers 0-based as V8's.
 * Bump CAPTURE_VERSION on any incompatible change to `heapmark`.
 */
export const CAPTURE_VERSION = 1
export const CAPTURE_EXTENSION = '.heapprofile'

export interface CaptureCallFrame {
  functionName: string
  scriptId: string
  url: string
  /** 0-based. */
  lineNumber: number
  /** 0-based. */
  columnNumber: number
}

export interface CaptureNode {
  callFrame: CaptureCallFrame
  /** Estimated bytes allocated by this frame itself (sampled sizes, already scaled by V8). */
  selfSize: number
  id: number
  children: CaptureNode[]
}

export interface CaptureSample {
  /** Scaled size (bytes this sample stands for). */
  size: number
  nodeId: number
  ordinal: number
}

export interface CaptureMetadata {
  version: typeof CAPTURE_VERSION
  heapmarkVersion: string
  runner: { name: string; version: string }
  node: string
  createdAt: string
  testId: string
  /** "<file> > <suite> > <test>" */
  name: string
  file: string
  peakBytes: number
  heapPeakBytes: number
  externalPeakBytes: number
  /** The live peak and its kind, as in the JSON report (absent in captures of earlier versions). */
  livePeakBytes?: number
  livePeakKind?: 'lower-bound' | 'estimate' | 'unknown'
  totalBytes: number
  allocationCount: number
  samplingInterval: number
  /** `measure: 'live'`: the limit judged the live peak (absent in captures of earlier versions: the used peak). */
  limit?: { spec: string; bytes: number; exceeded: boolean; measure?: 'live' }
  /** Project root the file paths are relative to. */
  rootDir: string
}

export interface Capture {
  head: CaptureNode
  samples: CaptureSample[]
  heapmark: CaptureMetadata
}
