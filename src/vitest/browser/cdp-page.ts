/**
 * The page's memory as the Chrome DevTools Protocol shows it, through Vitest's `cdp()` session (a
 * relay to the Playwright page, so every call is one round trip to the Vitest process). Runs in
 * the browser. Vitest runs test files in an iframe of its orchestrator page: both share one V8
 * isolate, so heap figures cover the whole page, while listeners are read on the test frame itself.
 */

import type { ProfileNode, ProfileSample } from '../../core/attribution/heap-sampler.js'

/** The slice of Vitest's CDP session we use (same shape in Vitest 4.1 and 5.1). */
export interface CdpSession {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>
  on(event: string, listener: (payload: unknown) => void): unknown
  off(event: string, listener: (payload: unknown) => void): unknown
}

export interface HeapUsage {
  /** V8's JS heap in use (garbage not yet collected included). */
  usedBytes: number
  /** ArrayBuffer backing stores (typed arrays, canvas data copies), outside the JS heap. */
  backingStoreBytes: number
}

/** A detached DOM tree: an element removed from the document, still alive after a full GC. */
export interface DetachedTree {
  /** Blink's id for the root node: stable for the node's life, so trees can be told apart over time. */
  rootId: number
  /** "section#dialog.modal.open". */
  root: string
  nodes: number
}

/** A listener on the test frame's window or document. */
export interface FrameListener {
  target: 'window' | 'document'
  type: string
  useCapture: boolean
  /** The handler's name (or "anonymous") and its first source line. */
  handler: string
  /** Where the handler's code is (script, 0-based line and column), to tell listeners apart. */
  location: string
}

interface CdpNode {
  backendNodeId: number
  nodeName: string
  localName?: string
  attributes?: string[]
  childNodeCount?: number
  children?: CdpNode[]
}

interface CdpListener {
  type: string
  useCapture: boolean
  scriptId: string
  lineNumber: number
  columnNumber: number
  handler?: { description?: string }
}

interface ExecutionContext {
  uniqueId: string
  auxData?: { isDefault?: boolean }
}

const FRAME_TOKEN = Symbol.for('heapmark.frame-token')
const OBJECT_GROUP = 'heapmark'

export class CdpPage {
  /** The test frame's default execution context, found once (per frame: a new file may get a new one). */
  private frameContext: string | undefined

  constructor(private readonly session: CdpSession) {}

  /** A full, precise GC of the page's isolate (HeapProfiler.collectGarbage). */
  async collectGarbage(): Promise<void> {
    await this.session.send('HeapProfiler.collectGarbage')
  }

  async heapUsage(): Promise<HeapUsage> {
    const usage = (await this.session.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number }
    return { usedBytes: usage.usedSize, backingStoreBytes: usage.backingStorageSize ?? 0 }
  }

  /** Starts V8's sampling heap profiler, counting garbage too: its samples sum to what was allocated. */
  async startSampling(interval: number): Promise<void> {
    await this.session.send('HeapProfiler.startSampling', {
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
  }

  async stopSampling(): Promise<SamplingProfile> {
    const { profile } = (await this.session.send('HeapProfiler.stopSampling')) as { profile: SamplingProfile }
    return profile
  }

  /** Detached trees alive right now: call after collectGarbage, or garbage counts too. */
  async detachedTrees(): Promise<DetachedTree[]> {
    // The DOM agent keeps every node it reports alive (bound to an id) until it is disabled, and it
    // can only be disabled when enabled: without the pair, reading would itself keep alive what the
    // test drops after this read (seen: a released tree still detached in the next test).
    await this.session.send('DOM.enable')
    let detachedNodes: Array<{ treeNode: CdpNode }>
    try {
      ;({ detachedNodes } = (await this.session.send('DOM.getDetachedDomNodes')) as { detachedNodes: Array<{ treeNode: CdpNode }> })
    } finally {
      await this.session.send('DOM.disable')
    }
    return detachedNodes.map(({ treeNode }) => ({ rootId: treeNode.backendNodeId, root: describeElement(treeNode), nodes: countNodes(treeNode) }))
  }

  /** Listeners on the test frame's window and document. */
  async frameListeners(): Promise<FrameListener[]> {
    const context = await this.testFrameContext()
    const listeners: FrameListener[] = []
    try {
      for (const target of ['window', 'document'] as const) {
        const { result } = (await this.session.send('Runtime.evaluate', { expression: target, uniqueContextId: context, objectGroup: OBJECT_GROUP })) as {
          result: { objectId?: string }
        }
        if (!result.objectId) continue
        const found = (await this.session.send('DOMDebugger.getEventListeners', { objectId: result.objectId, objectGroup: OBJECT_GROUP })) as {
          listeners: CdpListener[]
        }
        for (const listener of found.listeners) {
          listeners.push({
            target,
            type: listener.type,
            useCapture: listener.useCapture,
            handler: describeHandler(listener.handler?.description),
            location: `${listener.scriptId}:${listener.lineNumber}:${listener.columnNumber}`,
          })
        }
      }
    } finally {
      await this.session.send('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP })
    }
    return listeners
  }

  /**
   * CDP evaluates in the orchestrator's frame by default, where `window` is not the test's. Find
   * the frame whose global carries our token: Runtime.enable lists every context once.
   */
  private async testFrameContext(): Promise<string> {
    const token = ((globalThis as Record<symbol, string | undefined>)[FRAME_TOKEN] ??= `${Date.now()}-${Math.random()}`)
    if (this.frameContext) return this.frameContext
    const contexts: ExecutionContext[] = []
    const listener = (payload: unknown) => contexts.push((payload as { context: ExecutionContext }).context)
    this.session.on('Runtime.executionContextCreated', listener)
    try {
      await this.session.send('Runtime.enable')
      await this.session.send('Runtime.disable')
    } finally {
      this.session.off('Runtime.executionContextCreated', listener)
    }
    const expression = `globalThis[Symbol.for('heapmark.frame-token')] === ${JSON.stringify(token)}`
    for (const context of contexts.filter((c) => c.auxData?.isDefault)) {
      const { result } = (await this.session.send('Runtime.evaluate', { expression, uniqueContextId: context.uniqueId, returnByValue: true })) as {
        result: { value?: unknown }
      }
      if (result.value === true) return (this.frameContext = context.uniqueId)
    }
    throw new Error('heapmark: could not find the test frame among the page execution contexts')
  }
}

/** V8's sampling heap profile as CDP sends it: the Node inspector's shape, plus each node's scaled selfSize. */
export interface SamplingProfile {
  head: SamplingNode
  samples: ProfileSample[]
}

export interface SamplingNode extends ProfileNode {
  selfSize: number
  children: SamplingNode[]
}

/** Bytes the profile's samples stand for: V8 scales each node's selfSize to an estimate of all allocations. */
export function sampledBytes(node: SamplingNode): number {
  let total = node.selfSize
  for (const child of node.children) total += sampledBytes(child)
  return total
}

/** "section#dialog.modal.open", as a selector would name it. */
export function describeElement(node: Pick<CdpNode, 'nodeName' | 'localName' | 'attributes'>): string {
  const attributes = node.attributes ?? []
  const value = (name: string) => {
    for (let i = 0; i + 1 < attributes.length; i += 2) if (attributes[i] === name) return attributes[i + 1]
    return undefined
  }
  const id = value('id')
  const classes = (value('class') ?? '').split(/\s+/).filter(Boolean)
  const tag = node.localName || node.nodeName.toLowerCase()
  return `${tag}${id ? `#${id}` : ''}${classes.map((c) => `.${c}`).join('')}`
}

function countNodes(node: CdpNode): number {
  if (!node.children) return 1 + (node.childNodeCount ?? 0)
  let count = 1
  for (const child of node.children) count += countNodes(child)
  return count
}

function describeHandler(description: string | undefined): string {
  if (!description) return 'a handler'
  const firstLine = description.split('\n', 1)[0]!.trim()
  const named = /^(?:async\s+)?function\*?\s*([\w$]+)\s*\(/.exec(firstLine)
  if (named) return named[1]!
  return firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine
}
