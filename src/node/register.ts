/**
 * `node --import heapmark/node/register --test`: heapmark for node:test. Loaded into every process
 * that runs test files (each file's own process with node:test's default process isolation, the
 * one process with --test-isolation=none). Does nothing unless heapmark is switched on (HEAPMARK=1,
 * or `heapmark run`); options come from HEAPMARK_* variables only, as node:test has no config file.
 * The end-of-run report comes from heapmark's reporter (`--test-reporter=heapmark/node/reporter`)
 * or from `heapmark run`, which read what the test processes send through the run's result channel.
 */
import { prepareCaptureDir } from '../core/capture/writer.js'
import { resolveOptions } from '../core/config/options.js'
import { isHeapmarkError } from '../errors.js'

const REGISTERED = Symbol.for('heapmark.node.registered')

async function register(): Promise<void> {
  const holder = process as unknown as Record<symbol, boolean | undefined>
  // `heapmark run` adds this module; a project that also imports it must not measure twice.
  if (holder[REGISTERED]) return
  holder[REGISTERED] = true
  let options
  try {
    options = resolveOptions({}, process.env)
    if (!options.enabled) return
    if (options.binPath) options.binPath = prepareCaptureDir(options.binPath)
  } catch (error) {
    if (!isHeapmarkError(error)) throw error
    // Before the test file loads: no test runs, and the message is the whole story (no stack).
    process.stderr.write(`heapmark: ${error.message}\n`)
    process.exit(1)
  }
  // Loaded only when switched on: a project may keep this module in its test script for good.
  const { NodeTestWorker } = await import('./worker.js')
  new NodeTestWorker(options, process.cwd()).install()
}

await register()
