import { pathToFileURL } from 'node:url'
import path from 'node:path'
import type { SourceFrame } from '../report/model.js'
import type { CaptureNode, CaptureSample } from './format.js'

/**
 * Builds one test's `.heapprofile` tree from its samples. A test's samples can come from several
 * sampling sessions (each with its own node ids), so nodes are keyed by their source-mapped frame
 * path rather than by V8's ids. Frames are stored mapped to the user's sources.
 */
export class CaptureBuilder {
  private nextId = 2
  private readonly head: CaptureNode = { callFrame: rootFrame(), selfSize: 0, id: 1, children: [] }
  private readonly childIndex = new Map<CaptureNode, Map<string, CaptureNode>>()
  private readonly samples: CaptureSample[] = []

  constructor(private readonly rootDir: string) {}

  /** `stack` is outermost first. */
  add(stack: readonly SourceFrame[], size: number, ordinal: number): void {
    let node = this.head
    for (const frame of stack) node = this.child(node, frame)
    node.selfSize += size
    this.samples.push({ size, nodeId: node.id, ordinal })
  }

  get sampleCount(): number {
    return this.samples.length
  }

  build(): { head: CaptureNode; samples: CaptureSample[] } {
    return { head: this.head, samples: this.samples }
  }

  private child(parent: CaptureNode, frame: SourceFrame): CaptureNode {
    let index = this.childIndex.get(parent)
    if (!index) this.childIndex.set(parent, (index = new Map()))
    const key = `${frame.functionName}\0${frame.file}\0${frame.line}\0${frame.column}`
    let node = index.get(key)
    if (!node) {
      node = { callFrame: this.callFrame(frame), selfSize: 0, id: this.nextId++, children: [] }
      parent.children.push(node)
      index.set(key, node)
    }
    return node
  }

  private callFrame(frame: SourceFrame) {
    // Project-relative display paths go back to absolute file URLs, which every viewer can open.
    const isPath = frame.file !== '' && !frame.file.includes(':')
    const url = isPath ? pathToFileURL(path.resolve(this.rootDir, frame.file)).href : frame.file
    return { functionName: frame.functionName, scriptId: '0', url, lineNumber: frame.line - 1, columnNumber: frame.column - 1 }
  }
}

function rootFrame() {
  return { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }
}
