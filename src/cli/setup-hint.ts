import path from 'node:path'

/**
 * What `heapmark run` prints when the test run never switched heapmark on (no adapter wrote the
 * run marker): how to add heapmark to the runner the command starts. (A Jest command never gets
 * here: `heapmark run` switches Jest on itself, see cli/jest-run.ts.)
 */
export function missingAdapterHint(command: readonly string[]): string {
  if (looksLikeNodeTest(command)) {
    // heapmark run loads heapmark into `node --test` itself: no test process started with it.
    return `heapmark: node ran no test with heapmark loaded, so nothing was measured (did node --test find test files?).`
  }
  return (
    `heapmark: the test run did not load heapmark's plugin, so nothing was measured. Add it to your config:\n` +
    `  import { heapmark } from 'heapmark/vitest'\n  export default defineConfig({ plugins: [heapmark()] })\n` +
    `For Jest, run jest itself through heapmark (heapmark run -- jest ...: no config edit needed). ` +
    `For node:test, run node itself through heapmark (heapmark run -- node --test ...), or pass it --import heapmark/node/register.`
  )
}

/** `node ... --test ...`: the command heapmark run adds heapmark to (see cli/node-test.ts). */
function looksLikeNodeTest(command: readonly string[]): boolean {
  return command.length > 0 && /^node(\.exe)?$/i.test(path.basename(command[0]!)) && command.includes('--test')
}

/** Words that start the actual command: `npx jest`, `node node_modules/jest/bin/jest.js`, `pnpm exec jest`... */
const LAUNCHERS = new Set(['npx', 'node', 'yarn', 'pnpm', 'bunx', 'bun', 'npm', 'exec', 'dlx', 'run'])

/** Whether the program the command runs is Jest (its arguments do not count: `vitest -t jest` is Vitest). */
export function looksLikeJest(command: readonly string[]): boolean {
  const program = command.find((arg) => !arg.startsWith('-') && !LAUNCHERS.has(path.basename(arg)))
  return program !== undefined && /^jest(\.[cm]?js)?$/.test(path.basename(program))
}
