import { createRequire } from 'node:module'
import path from 'node:path'

const requireHere = createRequire(import.meta.url)

/**
 * A Jest package as the running Jest loaded it in this process (found in Node's module cache), so
 * heapmark talks to the same copy and version as the run, never to one it resolved itself.
 */
export function loadedJestModule<T>(name: string): T | undefined {
  const suffix = `${path.sep}${name.split('/').join(path.sep)}${path.sep}build${path.sep}index.js`
  for (const [id, module] of Object.entries(requireHere.cache)) {
    if (id.endsWith(suffix) && module?.loaded) return module.exports as T
  }
  return undefined
}
