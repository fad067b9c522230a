import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pc from 'picocolors'
import { resolveOptions } from '../core/options.js'
import { SPOOL_ENV, createSpoolDir } from '../core/record-spool.js'
import { reportSpool } from '../core/report/spool-report.js'
import { prepareRunOutputs } from '../core/run-outputs.js'

/** heapmark's node:test register module, the one of this install (not resolved from the project). */
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
 * reports the run from the spool they write into, after node exits. Only for a `node` command with
 * `--test`: heapmark's module is not forced into other programs' processes (npm, Vitest). Returns
 * undefined for other commands. Throws on bad HEAPMARK_* options, before any test runs.
 */
export function prepareNodeTestRun(command: string[], env: NodeJS.ProcessEnv, tempDir: string): NodeTestRun | undefined {
  const [file, ...args] = command
  if (!file || !isNodeBinary(file) || !hasTestFlag(args)) return undefined
  const rootDir = process.cwd()
  const options = prepareRunOutputs(resolveOptions({}, env), rootDir)
  if (!options.enabled) return undefined
  // Inside the wrapper's own temporary directory, which it removes however the run ends.
  const spoolDir = createSpoolDir(tempDir)
  env[SPOOL_ENV] = spoolDir
  return {
    args: [`--import=${REGISTER_URL}`, ...args],
    async finish() {
      const output = { log: (text: string) => console.log(text), warn: (text: string) => console.warn(text), color: pc.isColorSupported }
      await reportSpool(spoolDir, options, output, { runner: { name: 'node:test', version: process.version }, rootDir })
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
