import v8 from 'node:v8'
import inspector from 'node:inspector'
import { setInterval, clearInterval } from 'node:timers'
import { isMainThread, resourceLimits, threadId, Worker } from 'node:worker_threads'
import { createFrameResolver, type PositionMapper } from './frames.js'
import type { JournalWriter } from './journal.js'
import type { ProfileCallFrame } from './heap-sampler.js'
import { NEAR_HEAP_LIMIT_SHARE } from './report/crashes.js'
import type { NearLimitSite } from './report/model.js'

/**
 * Near the heap limit, the sites that fill it. Once per worker, when its heap usage first crosses
 * the threshold below, heapmark spends ONE read of the worker's sampling profile (the one its
 * measurer keeps running) while the worker is still alive, sums it by allocation site, and the
 * worker maps the top sites to source and writes them to its journal, so the culprit section says
 * what filled the heap. Two readers share that one read (whichever claims it first):
 * - in the worker, a 10 ms timer: for code that yields between allocations (most async code);
 * - a small watcher thread, for a worker that dies in the middle of synchronous code, where
 *   nothing of its own can run: it reads the worker's heap usage through the inspector every
 *   10 ms (V8 answers through an interrupt, even in a busy loop), then reads the profile and hands
 *   the sites back through an inspector evaluate, also run through an interrupt.
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
}

/** `0` turns the watcher off (the journal still names tests): for measuring its cost, or a runtime that forbids threads. */
export const WATCH_OFF_ENV = 'HEAPMARK_NEAR_LIMIT_WATCH'
const HOOK = Symbol.for('heapmark.near-limit')
const WATCHING = Symbol.for('heapmark.near-limit-watching')
const POLL_MS = 10
const SITES_KEPT = 5
const MIN_SITE_BYTES = 1024 * 1024
/** Leaf nodes sent back to the worker, each with this many frames of its stack. */
const NODES_SENT = 40
const FRAMES_SENT = 12
/*
 * The watcher's threshold. V8's heap limit counts the young generation, which the old generation
 * cannot use: with --max-old-space-size=192 the limit is 240 MiB on Node 20 (48 MiB young) and
 * 384 MiB on Node 24 (192 MiB young), and the worker dies near 195 MiB used either way. So the
 * threshold is NEAR_HEAP_LIMIT_SHARE of what the old generation may hold (of the whole limit, it
 * would often be crossed too late: near the limit, V8's back-to-back full GCs leave the watcher a
 * reading only every few MiB). A worker thread knows its young generation's size
 * (worker_threads.resourceLimits); a main thread does not, and the watcher, a worker thread with
 * the same flags, reads its own.
 */

export interface NearLimitWatch {
  /**
   * Call as each test starts: keeps the source maps ready (for runners that know a file's maps only
   * once it runs, as Jest does), since the read itself comes when nothing async can run.
   */
  testStarting(): void
}

/** Starts the watcher for this worker (this process's main thread or a worker thread). Never throws. */
export function watchNearHeapLimit(options: NearLimitWatchOptions): NearLimitWatch {
  const prepareMaps = () => void options.loadSourceMaps?.().catch(() => undefined)
  const watch = { testStarting: prepareMaps }
  const store = process as unknown as Record<symbol, unknown>
  const resolve = createFrameResolver({ rootDir: options.rootDir, ...(options.mapPosition ? { mapPosition: options.mapPosition } : {}) })
  // Kept on `process`, which Vitest's vm pools share with the test context, so the watcher's
  // evaluate (in the worker's main context) finds it.
  const hook = (live: number, nodes: ProfileNodeSummary[], profileMs: number) => {
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
  store[HOOK] = hook
  prepareMaps()
  // One watcher per isolate: a later session in the same worker (a runner that makes one per
  // file, watch-mode reruns) only replaces the hook above, so the read maps with its source maps.
  const watching = (store[WATCHING] ??= new Set<number>()) as Set<number>
  if (watching.has(threadId) || process.env[WATCH_OFF_ENV] === '0') return watch
  watching.add(threadId)
  // The threshold (the watcher computes it: see above) and the claim on the one read, shared.
  const shared = new SharedArrayBuffer(16)
  const threshold = new Float64Array(shared, 0, 1)
  const claim = new Int32Array(shared, 8, 1)
  try {
    const watcher = new Worker(WATCHER_SOURCE, {
      eval: true,
      workerData: {
        threadId: isMainThread ? 0 : threadId,
        heapLimit: v8.getHeapStatistics().heap_size_limit,
        youngMb: isMainThread ? undefined : resourceLimits.maxYoungGenerationSizeMb,
        share: NEAR_HEAP_LIMIT_SHARE,
        pollMs: POLL_MS,
        nodes: NODES_SENT,
        frames: FRAMES_SENT,
        shared,
      },
      // Its own output must not mix with the tests'; it writes nothing anyway.
      stdout: true,
      stderr: true,
    })
    watcher.unref()
    watcher.on('error', () => undefined)
  } catch {
    // No watcher (e.g. workers forbidden): the journal still names tests, just not sites.
    return watch
  }
  const timer = setInterval(() => {
    const limit = threshold[0]!
    if (!(limit > 0)) return
    const used = v8.getHeapStatistics().used_heap_size
    if (used < limit) return
    clearInterval(timer)
    if (Atomics.compareExchange(claim, 0, 0, 1) === 0) readInThisThread(used, hook)
  }, POLL_MS)
  timer.unref()
  return watch
}

/** The read, from the worker itself (an in-process session answers synchronously). */
function readInThisThread(used: number, hook: (live: number, nodes: ProfileNodeSummary[], profileMs: number) => void): void {
  const session = new inspector.Session()
  try {
    session.connect()
    const started = performance.now()
    let profile: ProfileTree | undefined
    session.post('HeapProfiler.getSamplingProfile', (error, result) => {
      if (!error) profile = (result as unknown as { profile: ProfileTree }).profile
    })
    if (profile) hook(used, topNodes(profile, NODES_SENT, FRAMES_SENT), performance.now() - started)
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

/**
 * The profile's heaviest nodes by self size, each with its stack (leaf first). Self-contained: the
 * watcher thread runs its source too.
 */
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
 * thread by its thread id (threads pools). Any failure ends it quietly.
 */
const WATCHER_SOURCE = `
const { workerData, resourceLimits } = require('node:worker_threads')
const inspector = require('node:inspector')
const { threadId, heapLimit, share, pollMs, nodes: nodesSent, frames: framesSent } = workerData
// See "The watcher's threshold": this thread's young generation stands for a main thread's.
const young = (workerData.youngMb ?? resourceLimits.maxYoungGenerationSizeMb ?? 48) * 1024 * 1024
const threshold = share * Math.max(heapLimit - young, heapLimit / 2)
new Float64Array(workerData.shared, 0, 1)[0] = threshold
const claim = new Int32Array(workerData.shared, 8, 1)
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
const topNodes = ${topNodes.toString()}
async function poll() {
  const { usedSize } = await send('Runtime.getHeapUsage')
  if (usedSize < threshold) return false
  // The worker's own timer may have made the read already.
  if (Atomics.compareExchange(claim, 0, 0, 1) !== 0) return true
  const started = performance.now()
  const { profile } = await send('HeapProfiler.getSamplingProfile')
  const profileMs = performance.now() - started
  const expression = 'process[Symbol.for("heapmark.near-limit")](' + usedSize + ', ' + JSON.stringify(topNodes(profile, nodesSent, framesSent)) + ', ' + profileMs + ')'
  await send('Runtime.evaluate', { expression })
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
