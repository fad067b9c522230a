import dc from 'node:diagnostics_channel'
import inspector from 'node:inspector'
import { isMainThread, type Worker } from 'node:worker_threads'

/** What the worker_threads a test started used: the sum of their sampled heap peaks. */
export interface WorkerThreadsUsage {
  count: number
  peakBytes: number
  /** False when this runtime offers no way to read a worker's heap (Node 20 inside a worker thread). */
  measured: boolean
}

interface TrackedWorker {
  threadId: number
  worker: Worker
  /** Tests that were running when it started. */
  tests: Set<string>
  peak: number
  /** This runtime can read its heap at all. */
  readable: boolean
  startedAt: number
  exited: boolean
}

/** A worker thread still running after a test, and the heap it holds. */
export interface LiveWorker {
  threadId: number
  bytes: number
}

const READ_TIMEOUT_MS = 200

const POLL_INTERVAL_MS = 10

/**
 * Finds every worker_thread started while a test runs (the `worker_threads` diagnostics channel
 * fires inside `new Worker()`, however it was imported) and samples its heap every 10 ms: through
 * `worker.getHeapStatistics()` where Node has it (22.16+), else through the inspector's NodeWorker
 * domain (Node 20; only from a process's main thread). Peaks between samples can be missed.
 */
export class WorkerThreadsMeter {
  private readonly tracked = new Map<number, TrackedWorker>()
  private readonly running = new Map<string, TrackedWorker[]>()
  private timer: NodeJS.Timeout | undefined
  private inspectorRoute: InspectorRoute | undefined
  private readonly onWorker = (message: unknown) => this.track((message as { worker: Worker }).worker)

  constructor() {
    dc.subscribe('worker_threads', this.onWorker)
  }

  begin(key: string): void {
    this.running.set(key, [])
  }

  end(key: string): WorkerThreadsUsage | undefined {
    const workers = this.running.get(key)
    this.running.delete(key)
    if (!workers || workers.length === 0) return undefined
    for (const tracked of workers) {
      tracked.tests.delete(key)
      if (tracked.tests.size === 0) this.untrack(tracked)
    }
    const measured = workers.every((t) => t.readable)
    return { count: workers.length, peakBytes: workers.reduce((sum, t) => sum + t.peak, 0), measured }
  }

  dispose(): void {
    dc.unsubscribe('worker_threads', this.onWorker)
    if (this.timer) clearInterval(this.timer)
    this.inspectorRoute?.dispose()
  }

  private track(worker: Worker): void {
    if (this.running.size === 0) return
    const viaInspector = !hasGetHeapStatistics(worker)
    const tracked: TrackedWorker = {
      threadId: worker.threadId, worker, tests: new Set(this.running.keys()), peak: 0, readable: !viaInspector || isMainThread, startedAt: performance.now(), exited: false,
    }
    this.tracked.set(tracked.threadId, tracked)
    for (const key of tracked.tests) this.running.get(key)!.push(tracked)
    worker.once('exit', () => {
      tracked.exited = true
      this.untrack(tracked)
    })
    // NodeWorker exists only in a process's main thread (Vitest's forks pools), not in worker threads.
    if (viaInspector && isMainThread) this.inspectorRoute ??= new InspectorRoute()
    this.timer ??= setInterval(() => this.poll(), POLL_INTERVAL_MS).unref()
  }

  /**
   * Workers the test started since `since` (performance.now()) that are still running, with the
   * heap each holds now: what a leak check counts unless currentThreadOnly.
   */
  async liveWorkersSince(key: string, since: number): Promise<LiveWorker[]> {
    const live = (this.running.get(key) ?? []).filter((t) => !t.exited && t.startedAt >= since && t.readable)
    const readings = await Promise.all(live.map((t) => this.readNow(t)))
    return live.map((t, index) => ({ threadId: t.threadId, bytes: readings[index] ?? t.peak }))
  }

  private readNow(tracked: TrackedWorker): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS)
      const done = (bytes: number | undefined) => {
        clearTimeout(timer)
        resolve(bytes)
      }
      if (hasGetHeapStatistics(tracked.worker)) {
        tracked.worker.getHeapStatistics().then((s) => done(s.used_heap_size + (s.external_memory ?? 0)), () => done(undefined))
      } else if (this.inspectorRoute) {
        this.inspectorRoute.read(tracked.threadId, done)
      } else {
        done(undefined)
      }
    })
  }

  private untrack(tracked: TrackedWorker): void {
    this.tracked.delete(tracked.threadId)
    if (this.tracked.size === 0 && this.timer) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }

  private poll(): void {
    for (const tracked of this.tracked.values()) {
      const record = (bytes: number) => {
        tracked.peak = Math.max(tracked.peak, bytes)
      }
      if (hasGetHeapStatistics(tracked.worker)) {
        tracked.worker.getHeapStatistics().then((s) => record(s.used_heap_size + (s.external_memory ?? 0)), () => {})
      } else {
        this.inspectorRoute?.read(tracked.threadId, record)
      }
    }
  }
}

function hasGetHeapStatistics(worker: Worker): worker is Worker & { getHeapStatistics(): Promise<{ used_heap_size: number; external_memory?: number }> } {
  return typeof (worker as { getHeapStatistics?: unknown }).getHeapStatistics === 'function'
}

/** Node 20: reads a worker's heap over the inspector (Runtime.getHeapUsage), answered asynchronously. */
class InspectorRoute {
  private readonly session = new inspector.Session()
  private readonly sessions = new Map<number, string>()
  private readonly pending = new Map<number, (bytes: number) => void>()
  private nextId = 1

  constructor() {
    this.session.connect()
    this.session.on('NodeWorker.attachedToWorker', (message: { params: { sessionId: string; workerInfo: { workerId: string } } }) => {
      this.sessions.set(Number(message.params.workerInfo.workerId), message.params.sessionId)
    })
    this.session.on('NodeWorker.detachedFromWorker', (message: { params: { sessionId: string } }) => {
      for (const [threadId, sessionId] of this.sessions) if (sessionId === message.params.sessionId) this.sessions.delete(threadId)
    })
    this.session.on('NodeWorker.receivedMessageFromWorker', (message: { params: { message: string } }) => {
      const reply = JSON.parse(message.params.message) as { id?: number; result?: { usedSize?: number } }
      const callback = reply.id === undefined ? undefined : this.pending.get(reply.id)
      if (!callback || reply.id === undefined) return
      this.pending.delete(reply.id)
      if (typeof reply.result?.usedSize === 'number') callback(reply.result.usedSize)
    })
    // Never waitForDebuggerOnStart: a worker paused at start is released only by an explicit resume.
    this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false })
  }

  read(threadId: number, callback: (bytes: number) => void): void {
    const sessionId = this.sessions.get(threadId)
    if (!sessionId) return
    const id = this.nextId++
    this.pending.set(id, callback)
    this.session.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }, () => {})
  }

  dispose(): void {
    this.session.disconnect()
  }
}
