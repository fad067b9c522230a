import path from 'node:path'

/**
 * What `heapmark run` prints when the test run never switched heapmark on (no adapter wrote the
 * run marker): how to add heapmark to the runner the command starts.
 */
export function missingAdapterHint(command: readonly string[]): string {
  if (looksLikeJest(command)) {
    return (
      `heapmark: the test run did not load heapmark's Jest reporter, so nothing was measured. Add it and the test environment to jest.config:\n` +
      `  testEnvironment: 'heapmark/jest/environment',   // or 'heapmark/jest/jsdom'\n` +
      `  reporters: ['default', 'heapmark/jest/reporter'],`
    )
  }
  return (
    `heapmark: the test run did not load heapmark's plugin, so nothing was measured. Add it to your config:\n` +
    `  import { heapmark } from 'heapmark/vitest'\n  export default defineConfig({ plugins: [heapmark()] })`
  )
}

/** `jest ...`, `npx jest`, `node node_modules/jest/bin/jest.js`, `yarn jest`... */
function looksLikeJest(command: readonly string[]): boolean {
  return command.some((arg) => !arg.startsWith('-') && /^jest(\.[cm]?js)?$/.test(path.basename(arg)))
}
