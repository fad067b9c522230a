import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FrameKind, SourceFrame } from '../report/model.js'
import type { ProfileCallFrame } from './heap-sampler.js'

/** Maps a position in executed (transformed) code back to the source the user wrote. */
export interface MappedPosition {
  /** Absolute path of the original source. */
  file: string
  /** 1-based. */
  line: number
  /** 0-based. */
  column: number
}
export type PositionMapper = (file: string, line: number, column: number) => MappedPosition | undefined

export interface FrameResolverOptions {
  rootDir: string
  mapPosition?: PositionMapper
}

const HEAPMARK_DIST = heapmarkCodeRoot(path.dirname(fileURLToPath(import.meta.url)))

/**
 * heapmark's own code folder: `dist/` when built (this module bundled into an entry or not), `src/`
 * when the unit tests run it from source. The nearest such ancestor, so that where this module
 * sits inside the tree does not matter.
 */
function heapmarkCodeRoot(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    const name = path.basename(current)
    if (name === 'dist' || name === 'src') return current
    if (path.dirname(current) === current) return dir
  }
}

/** Whether code at this URL is heapmark's own (judged on the executed file, before source maps). */
export function isHeapmarkUrl(url: string): boolean {
  const file = toFilePath(url)
  return file !== undefined && file.startsWith(HEAPMARK_DIST + path.sep)
}

/** Turns V8 call frames into project-relative, source-mapped frames; caches per distinct frame. */
export function createFrameResolver(options: FrameResolverOptions): (frame: ProfileCallFrame) => SourceFrame {
  const cache = new Map<string, SourceFrame>()
  return (frame) => {
    const key = `${frame.url}\0${frame.lineNumber}\0${frame.columnNumber}\0${frame.functionName}`
    let resolved = cache.get(key)
    if (!resolved) {
      resolved = resolveFrame(frame, options)
      cache.set(key, resolved)
    }
    return resolved
  }
}

function resolveFrame(frame: ProfileCallFrame, { rootDir, mapPosition }: FrameResolverOptions): SourceFrame {
  const functionName = frame.functionName || '(anonymous)'
  const filePath = toFilePath(frame.url)
  if (!filePath) {
    return { functionName, file: frame.url, line: frame.lineNumber + 1, column: frame.columnNumber + 1, kind: frame.url.startsWith('node:') || frame.url === '' ? 'node' : 'dependency' }
  }
  const mapped = safeMap(mapPosition, filePath, frame.lineNumber + 1, frame.columnNumber)
  const file = mapped?.file ?? filePath
  return {
    functionName,
    file: displayPath(file, rootDir),
    line: mapped?.line ?? frame.lineNumber + 1,
    column: (mapped?.column ?? frame.columnNumber) + 1,
    kind: isHeapmarkUrl(frame.url) ? 'heapmark' : classify(file),
  }
}

function safeMap(mapPosition: PositionMapper | undefined, file: string, line: number, column: number): MappedPosition | undefined {
  if (!mapPosition) return undefined
  try {
    return mapPosition(file, line, column)
  } catch {
    // A broken source map must not cost the user their report: fall back to the executed position.
    return undefined
  }
}

/** The file path behind a frame URL (file:// or absolute path); undefined for node:, eval and native frames. */
export function toFilePath(url: string): string | undefined {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url)
    } catch {
      return undefined
    }
  }
  return path.isAbsolute(url) ? url : undefined
}

function classify(file: string): FrameKind {
  if (file.includes(`${path.sep}node_modules${path.sep}`)) return 'dependency'
  return 'user'
}

/** Relative to `rootDir` when the file is under it, with "/" separators; else the absolute path. */
export function displayPath(file: string, rootDir: string | undefined): string {
  const relative = rootDir === undefined ? '' : path.relative(rootDir, file)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file.split(path.sep).join('/')
  return relative.split(path.sep).join('/')
}
