/**
 * The options of a node:test process, from HEAPMARK_* variables (node:test has no config file).
 * Loaded by register.ts only when such a variable is set, so a process with heapmark off loads
 * nothing more than register.ts itself.
 */
import { prepareCaptureDir } from '../core/capture/writer.js'
import { resolveOptions, type ResolvedHeapmarkOptions } from '../core/config/options.js'
import { isHeapmarkError } from '../errors.js'

/** The resolved options, or undefined when heapmark is off; bad options end the process with the message. */
export function registerOptions(): ResolvedHeapmarkOptions | undefined {
  try {
    const options = resolveOptions({}, process.env)
    if (!options.enabled) return undefined
    if (options.binPath) options.binPath = prepareCaptureDir(options.binPath)
    return options
  } catch (error) {
    if (!isHeapmarkError(error)) throw error
    // Before the test file loads: no test runs, and the message is the whole story (no stack).
    process.stderr.write(`heapmark: ${error.message}\n`)
    process.exit(1)
  }
}
