/**
 * Allocation sites (and capture files) for browser-mode tests, main-process side. The page sends a
 * test's sampling heap profile through a Vitest browser command; here its frames, which name URLs
 * of Vite's dev server, become project files and are mapped to the lines the user wrote through
 * the source maps of Vite's browser module graph, then attributed like a Node test's samples.
 */
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { AttributionAccumulator, type Attribution } from '../core/attribution/attribution.js'
import { createCapture } from '../core/capture/create.js'
import { captureFileName, writeCapture } from '../core/capture/writer.js'
import { createFrameResolver, isHeapmarkUrl, type MappedPosition } from '../core/attribution/frames.js'
import type { ProfileNode, SamplingProfile } from '../core/attribution/heap-sampler.js'
import { createSampleDecoder } from '../core/attribution/sample-size.js'
import type { TestRecord } from '../core/worker/test-result.js'
import { heapmarkVersion } from '../version.js'

export interface AttributeRequest {
  test: { id: string; name: string; file: string }
  record: TestRecord
  profile: SamplingProfile
  interval: number
}

/** The run's settings, as the plugin provides them to the project (ProvidedSettings). */
interface AttributionSettings {
  rootDir: string
  stacks: number
  /** Write one capture per test here (--bin-path). */
  binPath: string | undefined
  binPrefix: string
  vitestVersion: string
}

interface ViteModule {
  transformResult?: { map?: unknown } | null
}
interface BrowserVite {
  config: { root: string }
  moduleGraph: { getModulesByFile(file: string): Set<ViteModule> | undefined }
}

type TraceMapping = typeof import('@jridgewell/trace-mapping')

/**
 * The browser command: attributes one test's profile, writes its capture when asked, returns the
 * sites. Registered from the Vite config hook (Vitest reads browser commands before
 * configureVitest runs), so it reads the run's settings from the project when called.
 */
export function createAttributeCommand() {
  let traceMapping: TraceMapping | undefined
  return async (context: { project: TestProject }, request: AttributeRequest): Promise<Attribution> => {
    traceMapping ??= await import('@jridgewell/trace-mapping')
    const settings = (context.project.getProvidedContext() as { heapmark?: AttributionSettings }).heapmark
    if (!settings) throw new Error('heapmark: the attribution command ran in a project heapmark does not measure')
    const vite = (context.project as unknown as { browser?: { vite?: BrowserVite } }).browser?.vite
    const root = vite?.config.root ?? settings.rootDir
    const head = withFilePaths(request.profile.head, root)
    const accumulator = new AttributionAccumulator({
      interval: request.interval,
      depth: settings.stacks,
      resolveFrame: createFrameResolver({ rootDir: settings.rootDir, mapPosition: vite ? moduleGraphMapper(vite, traceMapping) : () => undefined }),
      decode: createSampleDecoder(request.interval),
      isOwnAllocation: ownAllocation,
      ...(settings.binPath ? { captureRootDir: settings.rootDir } : {}),
    })
    const nodes = new Map<number, ProfileNode>()
    const parents = new Map<number, ProfileNode>()
    const visit = (node: ProfileNode) => {
      nodes.set(node.id, node)
      for (const child of node.children) {
        parents.set(child.id, node)
        visit(child)
      }
    }
    visit(head)
    for (const sample of request.profile.samples ?? []) {
      const node = nodes.get(sample.nodeId)
      if (node) accumulator.add({ size: sample.size, ordinal: sample.ordinal, node, gap: 0 }, parents)
    }
    const attribution = accumulator.finish(10)
    if (settings.binPath && accumulator.capture) {
      const { test, record } = request
      const capture = createCapture({ testId: test.id, name: test.name, file: test.file }, record, attribution, accumulator.capture, {
        heapmarkVersion: heapmarkVersion(),
        runner: { name: 'vitest', version: settings.vitestVersion },
        samplingInterval: request.interval,
        rootDir: settings.rootDir,
      })
      try {
        writeCapture(settings.binPath, captureFileName(settings.binPrefix, test.name, test.id), capture)
      } catch (error) {
        // A capture that cannot be written must not fail a test that passed: say so and go on.
        console.error(`heapmark: ${(error as Error).message}`)
      }
    }
    return attribution
  }
}

/** The profile with each frame's dev-server URL replaced by the file it serves (or left as is). */
function withFilePaths(node: ProfileNode, root: string): ProfileNode {
  return {
    ...node,
    callFrame: { ...node.callFrame, url: servedFile(node.callFrame.url, root) ?? node.callFrame.url },
    children: node.children.map((child) => withFilePaths(child, root)),
  }
}

/** "http://localhost:63315/src/a.ts?v=1" is <root>/src/a.ts; "/@fs/abs/path" is /abs/path. */
export function servedFile(url: string, root: string): string | undefined {
  if (!url.startsWith('http://') && !url.startsWith('https://')) return undefined
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(url).pathname)
  } catch {
    return undefined
  }
  if (pathname.startsWith('/@fs/')) return pathname.slice('/@fs'.length)
  if (pathname.startsWith('/@') || pathname.startsWith('/__vitest')) return undefined
  return path.join(root, pathname)
}

/** Vite keeps each transformed module's source map in its module graph: map positions with it. */
function moduleGraphMapper(vite: BrowserVite, traceMapping: TraceMapping) {
  const maps = new Map<string, InstanceType<TraceMapping['TraceMap']> | null>()
  return (file: string, line: number, column: number): MappedPosition | undefined => {
    let map = maps.get(file)
    if (map === undefined) {
      map = null
      for (const module of vite.moduleGraph.getModulesByFile(file) ?? []) {
        const raw = module.transformResult?.map
        if (raw && typeof raw === 'object' && 'mappings' in raw) {
          map = new traceMapping.TraceMap(raw as ConstructorParameters<TraceMapping['TraceMap']>[0])
          break
        }
      }
      maps.set(file, map)
    }
    if (!map) return undefined
    const position = traceMapping.originalPositionFor(map, { line, column })
    if (position.line === null || position.source === null) return undefined
    const source = position.source.startsWith('file://') ? new URL(position.source).pathname : position.source
    return { file: path.resolve(path.dirname(file), source), line: position.line, column: position.column }
  }
}

/**
 * heapmark's own allocations in the page (the CDP messages it sends around the test body): the
 * nearest frame that is heapmark's or the user's decides, as in Node.
 */
function ownAllocation(node: ProfileNode, parents: Map<number, ProfileNode>): boolean {
  for (let current: ProfileNode | undefined = node; current; current = parents.get(current.id)) {
    const url = current.callFrame.url
    if (isHeapmarkUrl(url)) return true
    if (url !== '' && path.isAbsolute(url) && !url.includes('/node_modules/')) return false
  }
  return false
}
