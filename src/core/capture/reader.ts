import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { HeapmarkError } from '../../errors.js'
import { CAPTURE_EXTENSION, CAPTURE_VERSION, type CaptureMetadata, type CaptureNode, type CaptureSample } from './format.js'

/**
 * Reads capture files for the reporters. A capture is a V8 `.heapprofile` plus heapmark's
 * metadata; plain `.heapprofile` files (`node --heap-prof`, DevTools) are read too, with
 * `metadata` undefined, so every reporter also works on profiles heapmark did not write.
 * Validation is structural and complete (every node is checked) so reporters can trust the shape
 * and a corrupt file fails here with its path, not later with a TypeError.
 */
export interface ReadCapture {
  /** The path as given (resolved by the caller if it cares). */
  path: string
  head: CaptureNode
  /** Scaled sizes; empty for profiles written without samples. */
  samples: CaptureSample[]
  /** heapmark's metadata; undefined for a plain `.heapprofile`. */
  metadata: CaptureMetadata | undefined
}

export async function readCapture(file: string): Promise<ReadCapture> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw notFoundOrUnreadable(file, error)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw invalid(file, `it is not JSON (${(error as Error).message})`, error)
  }
  return parseCapture(file, json)
}

/** Validates already-parsed JSON as a capture; `file` is only used in messages. */
export function parseCapture(file: string, json: unknown): ReadCapture {
  if (!isObject(json) || !('head' in json)) {
    throw invalid(file, 'it is JSON but not a heap profile (no "head" object)')
  }
  const problem = checkNode(json.head)
  if (problem) throw invalid(file, `its call tree is malformed: ${problem}`)
  const head = json.head as CaptureNode
  const samples = json.samples ?? []
  if (!Array.isArray(samples) || !samples.every(isSample)) {
    throw invalid(file, 'its "samples" is not a list of { size, nodeId, ordinal }')
  }
  return { path: file, head, samples: samples as CaptureSample[], metadata: readMetadata(file, json.heapmark) }
}

/**
 * A capture file → [it]; a directory → its `*.heapprofile` files (not recursive), sorted by name
 * so outputs come in a stable order.
 */
export async function listCaptures(fileOrDir: string): Promise<string[]> {
  let info
  try {
    info = await stat(fileOrDir)
  } catch (error) {
    throw notFoundOrUnreadable(fileOrDir, error)
  }
  if (!info.isDirectory()) return [fileOrDir]
  const names = (await readdir(fileOrDir, { withFileTypes: true }))
    .filter((entry) => !entry.isDirectory() && entry.name.endsWith(CAPTURE_EXTENSION))
    .map((entry) => entry.name)
    .sort()
  if (names.length === 0) {
    throw new HeapmarkError(
      'HEAPMARK_CAPTURE_NOT_FOUND',
      `No capture files in ${JSON.stringify(fileOrDir)}: expected a directory with at least one *${CAPTURE_EXTENSION} file`,
    )
  }
  return names.map((name) => path.join(fileOrDir, name))
}

function readMetadata(file: string, value: unknown): CaptureMetadata | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) throw invalid(file, 'its "heapmark" metadata is not an object')
  if (value.version !== CAPTURE_VERSION) {
    throw new HeapmarkError(
      'HEAPMARK_CAPTURE_VERSION',
      `Capture ${JSON.stringify(file)} has heapmark format version ${JSON.stringify(value.version)}: ` +
        `expected ${CAPTURE_VERSION} (written by another heapmark version; read it with the heapmark that wrote it)`,
    )
  }
  const missing = REQUIRED_METADATA.filter(([key, type]) => typeof value[key] !== type).map(([key]) => key)
  if (missing.length > 0) throw invalid(file, `its "heapmark" metadata lacks or mistypes ${missing.join(', ')}`)
  return value as unknown as CaptureMetadata
}

/** What the reporters rely on; the rest of the metadata is informational. */
const REQUIRED_METADATA: ReadonlyArray<[keyof CaptureMetadata, 'string' | 'number']> = [
  ['name', 'string'],
  ['peakBytes', 'number'],
  ['totalBytes', 'number'],
  ['allocationCount', 'number'],
  ['samplingInterval', 'number'],
]

/** Iterative so a deep (recursive-code) tree cannot overflow the reader's own stack. */
function checkNode(head: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[head, 'head']]
  const ids = new Set<number>()
  while (stack.length > 0) {
    const [node, where] = stack.pop()!
    if (!isObject(node)) return `${where} is not an object`
    const frame = node.callFrame
    if (!isObject(frame) || typeof frame.functionName !== 'string' || typeof frame.url !== 'string' ||
      typeof frame.lineNumber !== 'number' || typeof frame.columnNumber !== 'number') {
      return `${where} has no valid callFrame { functionName, url, lineNumber, columnNumber }`
    }
    if (typeof node.selfSize !== 'number' || !Number.isFinite(node.selfSize)) return `${where} has no numeric selfSize`
    if (typeof node.id !== 'number') return `${where} has no numeric id`
    if (ids.has(node.id)) return `node id ${node.id} appears twice`
    ids.add(node.id)
    if (!Array.isArray(node.children)) return `${where} has no children list`
    node.children.forEach((child, index) => stack.push([child, `node ${node.id} child ${index}`]))
  }
  return undefined
}

function isSample(value: unknown): boolean {
  return isObject(value) && typeof value.size === 'number' && typeof value.nodeId === 'number'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(file: string, why: string, cause?: unknown): HeapmarkError {
  return new HeapmarkError(
    'HEAPMARK_CAPTURE_INVALID',
    `Cannot read capture ${JSON.stringify(file)}: ${why}. Expected a heapmark capture or a V8 ${CAPTURE_EXTENSION} file ({ "head": …, "samples": […] })`,
    cause === undefined ? undefined : { cause },
  )
}

function notFoundOrUnreadable(file: string, error: unknown): HeapmarkError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') {
    return new HeapmarkError('HEAPMARK_CAPTURE_NOT_FOUND', `Capture ${JSON.stringify(file)} does not exist: expected a ${CAPTURE_EXTENSION} file or a directory of them`, { cause: error })
  }
  if (code === 'EISDIR') {
    return invalid(file, 'it is a directory', error)
  }
  return new HeapmarkError('HEAPMARK_CAPTURE_INVALID', `Cannot read capture ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error })
}
