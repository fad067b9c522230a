import v8 from 'node:v8'
import inspector from 'node:inspector'
import { setInterval, clearInterval } from 'node:timers'
import { isMainThread, resourceLimits, threadId, Worker } from 'node:worker_threads'
import { createFrameResolver, type PositionMapper } from '../attribution/frames.js'
import type { JournalWriter } from './journal.js'
import type { ProfileCallFrame } from '../attribution/heap-sampler.js'
import { NEAR_HEAP_LIMIT_SHARE } from './crashes.js'
import type { NearLimitSite } from '../report/model.js'
import { nowMs } from '../measure/clock.js'

/**
 * Near the heap limit, the sites that fill it. Once per worker, when its heap usage first crosses
 * the threshold below, the worker spends ONE read of its sampling profile (the one heapmark's
 * measurer keeps running) while it is still alive, sums it by allocation site, maps the top sites
 * to source and writes them to its journal, so the culprit section says what filled the heap. Two
 * triggers, whichever comes first:
 * - in the worker, a check at each test start and a 10 ms timer: for code that yields between
 *   allocations (most async code);
 * - a small watcher thread, started once the worker is half way to the threshold, for a worker
 *   that dies in the middle of synchronous code, where nothing of its own can run: it reads the
 *   worker's heap usage through the inspector every 10 ms (V8 answers through an interrupt, even
 *   in a busy loop) and has the worker make the read through an inspector evaluate, also run
 *   through an interrupt.
 *
 * What the read covers: allocations sampled since heapmark last read the profile (usually the
 * start of the current test file), freed ones included (the measurer's session counts garbage
 * too); what earlier files left alive is not in it (their retainers are named by test instead).
 */
export interface NearLimitWatchOptions {
  journal: JournalWriter
  rootDir: string
  mapPosition?: PositionMapper
  /** Loads what mapPosition needs: started at once, since the read comes when nothing async can run. */
  loadSourceMaps?: () => Promise<void>
  /** The key of the test running now, if one is. */
  runningTest: () => string | undefined
  /** Called when the watcher arms: the read will want samples (heapmark's sampler may be paused). */
  onArm?: () => void
}

/** `0` turns the watcher off (the journal still names tests): for measuring its cost, or a runtime that forbids threads. */
export const WATCH_OFF_ENV = 'HEAPMARK_NEAR_LIMIT_WATCH'
const STATE = Symbol.for('heapmark.near-limit')
/** What the watcher's evaluate calls. */
const READ = Symbol.for('heapmark.near-limit-read')
const POLL_MS = 10
/**
 * The watcher thread starts (and source maps load) only once a worker's heap usage reaches this
 * share of the threshold: most workers never do, and pay for one heap statistics read per test
 * and per 10 ms. A worker that goes from below it to out of memory in one synchronous burst gets
 * no sites.
 */
const ARM_SHARE = 0.5
const SITES_KEPT = 5
const MIN_SITE_BYTES = 1024 * 1024
/** Leaf nodes summed into sites, each with this many frames of its stack. */
const NODES_KEPT = 40
const FRAMES_KEPT = 12
/**
 * The threshold. V8's heap limit counts the young generation, which the old generation cannot
 * use: with --max-old-space-size=192 the limit is 240 MiB on Node 20 (48 MiB young) and 384 MiB on
 * Node 24 (192 MiB young), and the worker dies near 195 MiB used either way. So the threshold is
 * NEAR_HEAP_LIMIT_SHARE of what the old generation may hold (of the whole limit, it would often be
 * crossed too late: near the limit, V8's back-to-back full GCs leave few chances to read). A
 * worker thread knows its young generation (worker_threads.resourceLimits); a main thread knows
 * --max-old-space-size when it was given (flags or NODE_OPTIONS), else its heap is the default,
 * large one, where 48 MiB either way does not matter.
 */
function nearLimitThreshold(heapLimit: number): number {
  const MiB = 1024 * 1024
  let oldGeneration = heapLimit - (isMainThread ? 48 : resourceLimits.maxYoungGenerationSizeMb ?? 48) * MiB
  if (isMainThread) {
    for (const flag of [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv]) {
      const size = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(flag)
      if (size) oldGeneration = Number(size[1]) * MiB
    }
  }
  return NEAR_HEAP_LIMIT_SHARE * Math.min(Math.max(oldGeneration, heapLimit / 2), heapLimit)
}

export interface NearLimitWatch {
  /** Call as each test starts: checks the worker's heap usage (one heap statistics read). */
  testStarting(): void
  /** The worker is half way to the threshold: the read may come, and wants the sampler running. */
  armed(): boolean
}

/** One per worker thread (kept on its `process`, which is per thread). */
interface WorkerWatchState {
  /** The one read happened (or was attempted). */
  done: boolean
  /** Half way to the threshold: source maps loaded, watcher thread started. */
  armed: boolean
  /** Writes the read's sites: the latest session's (its source maps, its journal). */
  write: (live: number, nodes: ProfileNodeSummary[], profileMs: number) => void
  prepareMaps: () => void
  /** The latest session's options.onArm. */
  onArm: (() => void) | undefined
  check: () => void
}

/** Starts watching this worker (this process's main thread or a worker thread). Never throws. */
export function watchNearHeapLimit(options: NearLimitWatchOptions): NearLimitWatch {
  const resolve = createFrameResolver({ rootDir: options.rootDir, ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}) })
  const write = (live: number, nodes: ProfileNodeSummary[], profileMs: number) => {
    const sites = new Map<string, NearLimitSite>()
    for (const node of nodes) {
      const frames = node.frames.map(resolve)
      // The first frame of the user's code (leaf first): what their code allocated, through whatever library.
      const frame = frames.find((f) => f.kind === 'user') ?? frames[0]
      if (!frame) continue
      const key = `${frame.functionName}\0${frame.file}\0${frame.line}`
      const site = sites.get(key) ?? { functionName: frame.functionName, file: frame.file, line: frame.line, bytes: 0 }
      site.bytes += node.bytes
      sites.set(key, site)
    }
    // Sites too small to matter next to a full heap are noise (the runner's own bookkeeping).
    const top = [...sites.values()].filter((site) => site.bytes >= Math.max(MIN_SITE_BYTES, live / 100)).sort((a, b) => b.bytes - a.bytes).slice(0, SITES_KEPT)
    options.journal.write({ nearLimit: options.runningTest() ?? '', live, sites: top, profileMs: Math.round(profileMs * 10) / 10 })
  }
  // Kept on `process`, which Vitest's vm pools share with the test context, so the watcher's
  // evaluate (in the worker's main context) finds it. A later session in the same worker (a
  // runner that makes one per file, watch-mode reruns) only replaces `write` and `prepareMaps`.
  const store = process as unknown as Record<symbol, WorkerWatchState | undefined>
  const prepareMaps = () => void options.loadSourceMaps?.().catch(() => undefined)
  let state = store[STATE]
  if (state) {
    Object.assign(state, { write, prepareMaps, onArm: options.onArm })
    const existing = state
    return { testStarting: existing.check, armed: () => existing.armed }
  }
  if (process.env[WATCH_OFF_ENV] === '0') return { testStarting: () => undefined, armed: () => false }
  const threshold = nearLimitThreshold(v8.getHeapStatistics().heap_size_limit)
  const current: WorkerWatchState = (state = {
    done: false,
    armed: false,
    write,
    prepareMaps,
    onArm: options.onArm,
    // At each test start and every 10 ms when the worker's event loop turns: cheap (one heap
    // statistics read) until the worker is half way to the threshold, which arms the watcher.
    check: () => {
      if (current.done) return
      const used = v8.getHeapStatistics().used_heap_size
      if (used >= threshold) read(used)
      else if (used >= threshold * ARM_SHARE) arm()
    },
  })
  store[STATE] = current
  const read = (used: number) => {
    if (current.done) return
    current.done = true
    clearInterval(timer)
    readInThisThread(used, current.write)
  }
  Object.defineProperty(process, READ, { value: read, configurable: true })
  /** Source maps ready for the read, and the watcher thread for synchronous code: only in a worker that got heavy. */
  const arm = () => {
    if (current.armed) return
    current.armed = true
    current.prepareMaps()
    current.onArm?.()
    try {
      const watcher = new Worker(WATCHER_SOURCE, {
        eval: true,
        workerData: { threadId: isMainThread ? 0 : threadId, threshold, pollMs: POLL_MS },
        // Its own output must not mix with the tests'; it writes nothing anyway.
        stdout: true,
        stderr: true,
      })
      watcher.unref()
      watcher.on('error', () => undefined)
    } catch {
      // No watcher (e.g. workers forbidden): the timer alone, for code that yields.
    }
  }
  const timer = setInterval(current.check, POLL_MS)
  timer.unref()
  return { testStarting: current.check, armed: () => current.armed }
}

/**
 * The read, in the worker itself (an in-process session answers synchronously; it also works
 * inside the watcher's evaluate, in the middle of the worker's synchronous code).
 */
function readInThisThread(used: number, write: WorkerWatchState['write']): void {
  const session = new inspector.Session()
  try {
    session.connect()
    const started = nowMs()
    let profile: ProfileTree | undefined
    session.post('HeapProfiler.getSamplingProfile', (error, result) => {
      if (!error) profile = (result as unknown as { profile: ProfileTree }).profile
    })
    const profileMs = nowMs() - started
    if (profile) write(used, topNodes(profile, NODES_KEPT, FRAMES_KEPT), profileMs)
  } catch {
    // No profile to read (sampling off): the journal still names the tests.
  } finally {
    session.disconnect()
  }
}

/** The part of V8's SamplingHeapProfile read here. */
interface ProfileTreeNode {
  callFrame: ProfileCallFrame
  selfSize: number
  children: ProfileTreeNode[]
}
interface ProfileTree {
  head: ProfileTreeNode
}

interface ProfileNodeSummary {
  bytes: number
  frames: ProfileCallFrame[]
}

/** The profile's heaviest nodes by self size, each with its stack (leaf first). */
function topNodes(profile: ProfileTree, count: number, depth: number): ProfileNodeSummary[] {
  const found: ProfileNodeSummary[] = []
  const walk = (node: ProfileTreeNode, stack: ProfileCallFrame[]): void => {
    const frames = [node.callFrame, ...stack].slice(0, depth)
    if (node.selfSize > 0 && !/^heapmarkBoundary/.test(node.callFrame.functionName)) found.push({ bytes: node.selfSize, frames })
    for (const child of node.children) walk(child, frames)
  }
  walk(profile.head, [])
  return found.sort((a, b) => b.bytes - a.bytes).slice(0, count)
}

/**
 * The watcher thread (CommonJS, evaluated: no file to resolve next to a bundle). It talks to the
 * worker through a session on the process's main thread: directly when the worker is the main
 * thread (forks, Jest, node:test), else through the NodeWorker domain, attached to the worker
 * thread by its thread id (threads pools). Once the worker's usage crosses the threshold, it has
 * the worker make the read (an evaluate, run through an interrupt) and stops. Any failure ends it
 * quietly.
 */
const WATCHER_SOURCE = `
const { workerData } = require('node:worker_threads')
const inspector = require('node:inspector')
const { threadId, threshold, pollMs } = workerData
const session = new inspector.Session()
session.connectToMainThread()
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
let send = post
async function attach() {
  if (threadId === 0) return
  const pending = new Map()
  let nextId = 1
  let sessionId
  const attached = new Promise((resolve) => {
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      // workerId is the inspector's own counter; the title starts with "[worker <threadId>]".
      if (params.workerInfo.title.startsWith('[worker ' + threadId + ']')) { sessionId = params.sessionId; resolve() }
    })
  })
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    if (params.sessionId !== sessionId) return
    const message = JSON.parse(params.message)
    const callback = pending.get(message.id)
    if (!callback) return
    pending.delete(message.id)
    message.error ? callback.reject(new Error(message.error.message)) : callback.resolve(message.result)
  })
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false })
  await attached
  send = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++
    pending.set(id, { resolve, reject })
    post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject)
  })
}
async function poll() {
  const { usedSize } = await send('Runtime.getHeapUsage')
  if (usedSize < threshold) return false
  await send('Runtime.evaluate', { expression: 'process[Symbol.for("heapmark.near-limit-read")](' + usedSize + ')' })
  return true
}
attach().then(() => {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    poll().then((done) => { busy = false; if (done) { clearInterval(timer); session.disconnect() } }, () => { clearInterval(timer); session.disconnect() })
  }, pollMs)
}, () => session.disconnect())
`
