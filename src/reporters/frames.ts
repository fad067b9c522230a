import { createColors, type Colors } from '../core/report/colors.js'
import type { CaptureCallFrame } from '../core/capture/format.js'
import { displayPath, toFilePath } from '../core/attribution/frames.js'
import { printablePath } from '../core/report/printable-path.js'
import type { FrameKind } from '../core/report/model.js'

/**
 * How reporters show a frame. Capture frames are already source-mapped (`url` is the original
 * file's file:// URL); here they only become readable: project-relative paths, 1-based lines,
 * and a kind so Node internals and dependencies can be muted (context, not something to fix).
 */
export interface DisplayFrame {
  /** "(anonymous)" when V8 gives no name. */
  functionName: string
  /** Relative to the capture's rootDir when under it, with "/" separators; else absolute, or the URL ("node:fs"); "" for native/VM frames. */
  file: string
  /** 1-based; 0 when V8 has no position. */
  line: number
  /** 1-based; 0 when V8 has no position. */
  column: number
  /** Never 'heapmark': the writer already dropped heapmark's own frames. */
  kind: FrameKind
}

export type { Colors }

export function toDisplayFrame(frame: CaptureCallFrame, rootDir: string | undefined): DisplayFrame {
  const file = displayFile(frame.url, rootDir)
  return {
    functionName: frame.functionName || '(anonymous)',
    file,
    line: frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0,
    column: frame.columnNumber >= 0 ? frame.columnNumber + 1 : 0,
    kind: frameKind(frame),
  }
}

/** Frame kinds as the HTML pages' data carries them: 0 your code, 1 node_modules, 2 Node internals / native. */
export const FRAME_KIND_CODES = { user: 0, dependency: 1, node: 2, heapmark: 2 } as const satisfies Record<FrameKind, 0 | 1 | 2>

/** "src/a.ts:12", "node:fs:88", or "" when the frame has no source (native code, "(root)"). */
export function frameLocation(frame: DisplayFrame): string {
  if (!frame.file) return ''
  // Printed pages and tables; transforms (pprof, speedscope) keep the full path tools can open.
  const file = printablePath(frame.file)
  return frame.line > 0 ? `${file}:${frame.line}` : file
}

/** "parse (src/a.ts:12)"; just the name when there is no source. */
export function frameLabel(frame: DisplayFrame): string {
  const where = frameLocation(frame)
  return where ? `${frame.functionName} (${where})` : frame.functionName
}

/** Identity of a function across the tree: same name at the same position is the same function. */
export function frameKey(frame: DisplayFrame): string {
  return `${frame.functionName}\0${frame.file}\0${frame.line}\0${frame.column}`
}

/** User frames stand out; Node internals and dependencies are dimmed. */
export function paintFrame(text: string, frame: Pick<DisplayFrame, 'kind'>, c: Colors): string {
  return frame.kind === 'user' ? text : c.dim(text)
}

export function colorsFor(enabled: boolean): Colors {
  return createColors(enabled)
}

function frameKind({ url, scriptId, functionName }: CaptureCallFrame): FrameKind {
  if (url.startsWith('node:')) return 'node'
  // No URL: V8's pseudo-frames ("(root)", "(V8 API)", script id 0) are native; a real script
  // without one is user code Node compiled without a name (CommonJS entry files under --heap-prof).
  if (url === '') return scriptId === '0' || functionName.startsWith('(') ? 'node' : 'user'
  return /[\\/]node_modules[\\/]/.test(url) ? 'dependency' : 'user'
}

function displayFile(url: string, rootDir: string | undefined): string {
  const file = toFilePath(url)
  return file ? displayPath(file, rootDir) : url
}

