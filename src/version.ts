import { createRequire } from 'node:module'

/** Read from package.json at runtime so the report names the installed version. */
export const HEAPMARK_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version
