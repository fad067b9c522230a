/**
 * `node --import heapmark/node/register --test`: heapmark for node:test. Loaded into every process
 * that runs test files (each file's own process with node:test's default process isolation, the
 * one process with --test-isolation=none). Does nothing unless heapmark is switched on (HEAPMARK=1,
 * or `heapmark run`); options come from HEAPMARK_* variables only, as node:test has no config file.
 * The end-of-run report comes from heapmark's reporter (`--test-reporter=heapmark/node/reporter`)
 * or from `heapmark run`, which read what the test processes send through the run's result channel.
 */
import { fileURLToPath } from 'node:url'
import { codeCacheDir, loadBundle } from '../core/load/cached-bundle.js'
import type * as RegisterWorker from './register-worker.js'

const REGISTERED = Symbol.for('heapmark.node.registered')

function register(): void {
  const holder = process as unknown as Record<symbol, boolean | undefined>
  // `heapmark run` adds this module; a project that also imports it must not measure twice.
  if (holder[REGISTERED]) return
  holder[REGISTERED] = true
  // No HEAPMARK* variable at all: off, with nothing to validate, so nothing more to load (a
  // project may keep this module in its test script for good; each test file's process pays it).
  if (!Object.keys(process.env).some((name) => name.startsWith('HEAPMARK'))) return
  const rootDir = process.cwd()
  const bundle = loadBundle<typeof RegisterWorker>(fileURLToPath(new URL('./register-worker.cjs', import.meta.url)), { cacheDir: codeCacheDir(rootDir) })
  const { registerOptions, NodeTestWorker } = bundle.exports
  const options = registerOptions()
  if (!options) return
  new NodeTestWorker(options, rootDir).install()
  // At the end, when the process has run all of heapmark's code it will (exit handlers are synchronous).
  process.once('exit', bundle.saveCodeCache)
}

register()
