import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Read from the installed package.json at runtime so reports name the version in use: the nearest
 * package.json named heapmark above this file, which works from any file of the package, bundled or
 * not. (Not `require('heapmark/package.json')`: the CommonJS loader's first package resolution
 * cost ~19 ms in every node:test process, a quarter of heapmark's cost there.)
 */
export function heapmarkVersion(): string {
  // Looked up on first use: test workers need it only for capture files, and the walk up to the
  // package.json was ~0.25 ms of every fresh worker's start.
  version ??= findVersion(path.dirname(fileURLToPath(import.meta.url)))
  return version
}

let version: string | undefined

function findVersion(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'heapmark' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (path.dirname(dir) === dir) return 'unknown'
  }
}
