/*
 * A leaf without Node imports: browser-mode page code (src/vitest/browser/) reaches it through the
 * verdict modules, and a page cannot load node:path or node:url.
 */

/**
 * A frame's file as printed: a dependency outside the project root (a hoisted monorepo install, a
 * linked package) from its last `node_modules/` on, as a dependency under the root reads; anything
 * else as stored. Display only: reports and captures keep the full path, which tools can open.
 */
export function printablePath(file: string): string {
  if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return file
  const normalized = file.split('\\').join('/')
  const at = normalized.lastIndexOf('/node_modules/')
  return at === -1 ? file : normalized.slice(at + 1)
}
