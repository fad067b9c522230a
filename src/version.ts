import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Read from the installed package.json at runtime so reports name the version in use: the nearest
 * package.json named heapmark above this file, which works from any file of the package, bundled or
 * not. (Not `require('heapmark/package.json')`: the CommonJS loader's first package resolution
 * cost ~19 ms in every node:test process, a quarter of heapmark's cost there.)
 */
export const HEAPMARK_VERSION: string = findVersion(path.dirname(fileURLToPath(import.meta.url)))

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
