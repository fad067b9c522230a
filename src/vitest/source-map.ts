import { createRequire } from 'node:module'
import path from 'node:path'
import type { TraceMap } from '@jridgewell/trace-mapping'
import type { PositionMapper } from '../core/attribution/frames.js'
import { originalPosition } from '../core/attribution/source-position.js'

/** The slice of Vite's module runner graph we read: each evaluated module keeps its transformed code. */
export interface EvaluatedModulesLike {
  getModuleById(id: string): { meta?: unknown } | undefined
}

const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,'

type TraceMapping = typeof import('@jridgewell/trace-mapping')
let traceMapping: TraceMapping | undefined

/**
 * Loads the source-map decoder. Lazily: most workers never read a profile (small files skip it),
 * and every module a worker loads costs start-up time. Call before mapping positions. Loaded
 * synchronously (its CommonJS build), so it is ready as soon as this is called: the near-limit
 * read (core/oom/near-limit-sites.ts) maps positions in the middle of synchronous test code, and in
 * the vm pools a dynamic import would wait for Vitest's module loader until then.
 */
export async function loadSourceMapSupport(): Promise<void> {
  traceMapping ??= createRequire(import.meta.url)('@jridgewell/trace-mapping') as TraceMapping
}

/**
 * Vitest runs test files as transformed code with a source map; V8 reports positions in that code. Read the map from the module graph (not from disk) so what we show is what ran.
 */
export function createModuleGraphMapper(getModules: () => EvaluatedModulesLike | undefined): PositionMapper {
  const maps = new Map<string, TraceMap | null>()
  return (file, line, column) => {
    let map = maps.get(file)
    if (map === undefined) {
      if (!traceMapping) return undefined // not loaded yet: do not cache "no map"
      map = readModuleMap(getModules()?.getModuleById(file)?.meta)
      maps.set(file, map)
    }
    if (!map || !traceMapping) return undefined
    return originalPosition(file, traceMapping.originalPositionFor(map, { line, column }))
  }
}

/** Vitest 5 keeps the map beside the code (`meta.sourceMap`); Vitest 4 inlines it at the end of `meta.code`. */
function readModuleMap(meta: unknown): TraceMap | null {
  const { code, sourceMap } = (meta ?? {}) as { code?: unknown; sourceMap?: unknown }
  if (!traceMapping) return null
  const { TraceMap } = traceMapping
  try {
    if (sourceMap && (typeof sourceMap === 'string' || typeof sourceMap === 'object')) {
      return new TraceMap(sourceMap as ConstructorParameters<typeof TraceMap>[0])
    }
    if (typeof code !== 'string') return null
    const start = code.lastIndexOf(INLINE_MAP)
    if (start === -1) return null
    const end = code.indexOf('\n', start)
    const data = code.slice(start + INLINE_MAP.length, end === -1 ? undefined : end).trim()
    return new TraceMap(Buffer.from(data, 'base64').toString('utf8'))
  } catch {
    return null
  }
}
