import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MappedPosition } from './frames.js'

/**
 * The last step every adapter's source-map lookup shares (vitest/, jest/ and node/source-map.ts):
 * a map's original position for a position in `file`'s generated code, as a path on this machine.
 * A source given as a file URL goes through fileURLToPath (not `new URL().pathname`, which keeps
 * "%20" and gives "/C:/…" on Windows); any other source is relative to the generated file.
 */
export function originalPosition(file: string, position: { source: string | null; line: number | null; column: number | null }): MappedPosition | undefined {
  if (position.source === null || position.line === null) return undefined
  return { file: sourcePath(file, position.source), line: position.line, column: position.column ?? 0 }
}

export function sourcePath(file: string, source: string): string {
  return source.startsWith('file:') ? fileURLToPath(source) : path.resolve(path.dirname(file), source)
}
