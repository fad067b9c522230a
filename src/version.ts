import { createRequire } from 'node:module'

/**
 * Read from the installed package.json at runtime so reports name the version in use. Resolved by
 * the package's own name (self-reference), which works from any file of the package, bundled or not.
 */
export const HEAPMARK_VERSION: string = (createRequire(import.meta.url)('heapmark/package.json') as { version: string }).version
