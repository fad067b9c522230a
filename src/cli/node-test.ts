import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pc from 'picocolors'
import { resolveOptions } from '../core/config/options.js'
import { openStreamedRun, reportStreamedRun } from '../core/run/streamed-results.js'
import { prepareRunOutputs } from '../core/run/run-outputs.js'

/**
 * heapmark's node:test register module (src/node/register.ts), the one of this install (not
 * resolved from the project). Located by path, not imported: it is handed to the test processes as
 * `--import=<file URL>` and never loads in the CLI's own process. This is the CLI's one reference
 * to an adapter; scripts/check-imports.mjs sees it (a `new URL(…, import.meta.url)`) and allows it
 * by name (ALLOWED_EDGES). The file is built next to this one's folder: dist/node/register.js.
 */
const REGISTER_URL = pathToFileURL(fileURLToPath(new URL('../node/register.js', import.meta.url))).href

export interface NodeTestRun {
  /** The command's arguments with heapmark's register module loaded into the test processes. */
  args: string[]
  /** After the command exits: prints the report unless node:test's heapmark reporter already did. */
  finish(): Promise<void>
}

/**
 * `heapmark run -- node --test ...`: node:test has no plugin list, so the wrapper loads heapmark
 * into the test processes itself (`--import`, which node:test passes on to every test process) and
 * reports the run from the result channel they send to, after node exits. Only for a `node`
 * command with `--test`: heapmark's module is not forced into other programs' processes (npm,
 * Vitest, Jest). Returns undefined for other commands. Throws on bad HEAPMARK_* options, before any
 * test runs.
 */
export function prepareNodeTestRun(command: string[], env: NodeJS.ProcessEnv): NodeTestRun | undefined {
  const [file, ...args] = command
  if (!file || !isNodeBinary(file) || !hasTestFlag(args)) return undefined
  const rootDir = process.cwd()
  const options = prepareRunOutputs(resolveOptions({}, env), rootDir)
  if (!options.enabled) return undefined
  const run = openStreamedRun(options, { name: 'node:test', version: process.version }, rootDir, env)
  // However the run ends (the command may not even start).
  process.once('exit', () => rmSync(run.dir, { recursive: true, force: true }))
  return {
    args: [`--import=${REGISTER_URL}`, ...args],
    async finish() {
      await reportStreamedRun(run, { log: (text) => console.log(text), warn: (text) => console.warn(text), color: pc.isColorSupported })
    },
  }
}

function isNodeBinary(file: string): boolean {
  return /^node(\.exe)?$/i.test(path.basename(file)) || path.resolve(file) === process.execPath
}

/** `--test` among node's own flags (before the script or first file). */
function hasTestFlag(args: string[]): boolean {
  for (const arg of args) {
    if (arg === '--test') return true
    if (arg === '--') return false
  }
  return false
}
