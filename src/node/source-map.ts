import { findSourceMap, type SourceMap } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { PositionMapper } from '../core/attribution/frames.js'
import { sourcePath } from '../core/attribution/source-position.js'

/**
 * node:test runs test files as they are. Plain JavaScript needs no mapping, and neither does
 * TypeScript run with Node's type stripping (types are replaced by whitespace, so positions stay
 * put). Code transformed by a loader (tsx, ts-node) or a build step maps back through the source
 * maps Node itself keeps when source maps are on (`--enable-source-maps`, or a loader that turns
 * them on): `module.findSourceMap`, synchronous and free when there are none.
 */
export function createSourceMapMapper(): PositionMapper {
  const maps = new Map<string, SourceMap | null>()
  return (file, line, column) => {
    let map = maps.get(file)
    if (map === undefined) {
      // CommonJS modules are keyed by path, ES modules by URL.
      map = findSourceMap(file) ?? findSourceMap(pathToFileURL(file).href) ?? null
      maps.set(file, map)
    }
    if (!map) return undefined
    const entry = map.findEntry(line - 1, column) as { originalSource?: string; originalLine?: number; originalColumn?: number }
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined
    return { file: sourcePath(file, entry.originalSource), line: entry.originalLine + 1, column: entry.originalColumn }
  }
}
