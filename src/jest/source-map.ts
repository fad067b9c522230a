import { AsyncResource } from 'node:async_hooks'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { TraceMap } from '@jridgewell/trace-mapping'
import type { Config } from '@jest/types'
import type { PositionMapper } from '../core/attribution/frames.js'
import { originalPosition } from '../core/attribution/source-position.js'
import { loadedJestModule } from './jest-modules.js'

/** The slice of Jest's ScriptTransformer (@jest/transform) heapmark uses. */
interface ScriptTransformerLike {
  shouldTransform(file: string): boolean
  transform(file: string, options: Record<string, unknown>): { sourceMapPath: string | null }
}

interface JestProject {
  config: Config.ProjectConfig
  globalConfig: Config.GlobalConfig
}

const requireHere = createRequire(import.meta.url)
type TraceMapping = typeof import('@jridgewell/trace-mapping')
let traceMapping: TraceMapping | undefined

/** Jest's runtime transforms CommonJS modules with these options (jest-runtime's defaults)... */
const CJS_OPTIONS = { isInternalModule: false, supportsExportNamespaceFrom: false, supportsStaticESM: false, supportsTopLevelAwait: false }
/** ...and native ESM ones (--experimental-vm-modules) with these. */
const ESM_OPTIONS = { isInternalModule: false, supportsDynamicImport: true, supportsExportNamespaceFrom: true, supportsStaticESM: true, supportsTopLevelAwait: true }

/**
 * Maps positions in the code Jest ran (transformed by babel-jest, ts-jest and the like) back to
 * the user's sources. Jest keeps each file's map path inside its runtime, which environments
 * cannot reach; so heapmark asks the ScriptTransformer module Jest's runtime already loaded in this
 * worker for the same file, with the project's config and the runtime's transform options. That is
 * a hit in Jest's transform cache returning the map Jest wrote for the code that ran (with
 * --no-cache, the same deterministic transform again). Files Jest does not transform need no map.
 * Anything unexpected leaves the executed position in place.
 */
export class JestSourceMapper {
  private project: JestProject | undefined
  private transformer: ScriptTransformerLike | undefined
  private readonly transformers = new Map<string, ScriptTransformerLike | undefined>()
  /**
   * Where the transformer is created: outside any test's async context. jest-circus runs each test
   * in an AsyncLocalStorage holding the test; a promise or handle made during a test and kept for
   * the worker's lifetime would keep that test, and its environment, alive (--detectLeaks).
   */
  private readonly scope = new AsyncResource('heapmark.jest.source-maps')
  private readonly maps = new Map<string, TraceMap | null>()

  /** The project of the test file now running: its transform config decides the maps. */
  useProject(project: JestProject): void {
    if (this.project?.config.id !== project.config.id) this.transformer = undefined
    this.project = project
  }

  /** Loads what mapPosition needs; call before a profile is read. */
  async load(): Promise<void> {
    traceMapping ??= requireHere('@jridgewell/trace-mapping') as TraceMapping
    const project = this.project
    if (!project || this.transformer) return
    if (!this.transformers.has(project.config.id)) {
      this.transformers.set(project.config.id, await this.scope.runInAsyncScope(() => createTransformer(project.config)))
    }
    this.transformer = this.transformers.get(project.config.id)
  }

  readonly mapPosition: PositionMapper = (file, line, column) => {
    let map = this.maps.get(file)
    if (map === undefined) {
      if (!traceMapping || !this.transformer || !this.project) return undefined // not loaded: do not cache "no map"
      map = readMap(this.transformer, this.project, file)
      this.maps.set(file, map)
    }
    if (!map || !traceMapping) return undefined
    return originalPosition(file, traceMapping.originalPositionFor(map, { line, column }))
  }
}

function readMap(transformer: ScriptTransformerLike, project: JestProject, file: string): TraceMap | null {
  const { globalConfig } = project
  try {
    if (!transformer.shouldTransform(file) && !globalConfig.collectCoverage) return null
    const options = {
      ...(shouldLoadAsEsm(file, project.config) ? ESM_OPTIONS : { ...CJS_OPTIONS, supportsDynamicImport: vmModulesSupported() }),
      collectCoverage: globalConfig.collectCoverage,
      collectCoverageFrom: globalConfig.collectCoverageFrom,
      coverageProvider: globalConfig.coverageProvider,
      globalRootDir: globalConfig.rootDir,
    }
    const { sourceMapPath } = transformer.transform(file, options)
    if (!sourceMapPath) return null
    return new traceMapping!.TraceMap(readFileSync(sourceMapPath, 'utf8'))
  } catch {
    return null
  }
}

/** The ScriptTransformer of the Jest running this worker: the copy its runtime loaded, not one we resolve. */
async function createTransformer(config: Config.ProjectConfig): Promise<ScriptTransformerLike | undefined> {
  const transform = loadedJestModule<{ createScriptTransformer?: (config: Config.ProjectConfig) => Promise<ScriptTransformerLike> }>('@jest/transform')
  try {
    return await transform?.createScriptTransformer?.(config)
  } catch {
    return undefined
  }
}

function shouldLoadAsEsm(file: string, config: Config.ProjectConfig): boolean {
  if (!vmModulesSupported()) return false
  const resolver = loadedJestModule<{ default?: { unstable_shouldLoadAsEsm?: (file: string, extensions: string[]) => boolean } }>('jest-resolve')
  try {
    return resolver?.default?.unstable_shouldLoadAsEsm?.(file, config.extensionsToTreatAsEsm) ?? false
  } catch {
    return false
  }
}

/** Jest runs test files as native ESM only when Node's vm modules are on (--experimental-vm-modules). */
function vmModulesSupported(): boolean {
  return typeof (requireHere('node:vm') as { SyntheticModule?: unknown }).SyntheticModule === 'function'
}
