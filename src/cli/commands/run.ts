import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { HeapmarkError } from '../../errors.js'
import { OPTION_SPECS, cliFlagsForParseArgs, optionsFromParsedFlags, optionsToEnv, resolveOptions } from '../../core/config/options.js'
import { withSmallYoungGeneration } from '../../core/measure/live-peak.js'
import type { Command } from '../command.js'

import { RUN_MARKER_ENV } from '../../core/run/run-marker.js'
import { looksLikeJest, missingAdapterHint } from '../setup-hint.js'
import { prepareNodeTestRun } from '../node-test.js'
import { prepareJestRun } from '../jest-run.js'
import { prepareRunnerJournals } from '../runner-journals.js'

function help(): string {
  const flags = OPTION_SPECS.filter((spec) => spec.flag).map((spec) => {
    const value = spec.type === 'boolean' ? '' : spec.type === 'string' ? ' <path>' : spec.type === 'size' || spec.type === 'limit' ? ' <size>' : spec.type === 'tolerance' ? ' <tolerance>' : spec.type === 'measure' ? ' used|live' : ' <n>'
    return `  --${spec.flag}${value}`.padEnd(34) + `${spec.description} (env ${spec.env})`
  })
  return `Usage: heapmark run [options] -- <test command> [its arguments]

Runs the test command with heapmark switched on. Everything after "--" goes to the runner
untouched. Flags here override HEAPMARK_* environment variables, which override the config.
If the runner's main process dies before its report (a worker out of memory in Vitest's threads
pools, Jest in band), the report comes from the workers' journals, with the runner's exit code.

Example: heapmark run --most-allocations 10 --stacks 3 -- vitest run

Options:
${flags.join('\n')}
  -h, --help                      Show this help.`
}

/** Splits at "--"; without it, the command starts at the first argument that is not ours. */
function splitArgv(argv: string[]): { ours: string[]; command: string[] } {
  const dashes = argv.indexOf('--')
  if (dashes >= 0) return { ours: argv.slice(0, dashes), command: argv.slice(dashes + 1) }
  const flags = cliFlagsForParseArgs()
  let index = 0
  while (index < argv.length && argv[index]!.startsWith('-')) {
    const name = argv[index]!.replace(/^--?/, '').split('=')[0]!
    const takesValue = flags[name]?.type === 'string' && !argv[index]!.includes('=')
    index += takesValue ? 2 : 1
  }
  return { ours: argv.slice(0, index), command: argv.slice(index) }
}

export const runCommand: Command = {
  summary: 'Run a test command (e.g. vitest run) with memory measuring on',
  usage: help(),
  async run(argv) {
    const { ours, command } = splitArgv(argv)
    let values: Record<string, unknown>
    try {
      values = parseArgs({ args: ours, options: { ...cliFlagsForParseArgs(), help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values
    } catch (error) {
      throw new HeapmarkError('HEAPMARK_CLI_USAGE', `${(error as Error).message}\n\n${help()}`)
    }
    if (values.help) {
      console.log(help())
      return 0
    }
    delete values.help
    if (command.length === 0) throw new HeapmarkError('HEAPMARK_INVALID_OPTION', `no test command given.\n\n${help()}`)
    const env = { ...process.env, ...optionsToEnv({ ...optionsFromParsedFlags(values), enabled: true }) }
    const markerDir = mkdtempSync(path.join(os.tmpdir(), 'heapmark-run-'))
    const marker = path.join(markerDir, 'plugin-loaded')
    env[RUN_MARKER_ENV] = marker
    // Find the project's own runner binary first, as npm scripts do.
    env.PATH = [path.resolve('node_modules', '.bin'), env.PATH].filter(Boolean).join(path.delimiter)
    // Precise live peaks need a small young generation in every test process and worker thread
    // (V8 flags are process-wide, so worker threads of a process started with it get it too).
    if (resolveOptions(undefined, env).livePeak) env.NODE_OPTIONS = withSmallYoungGeneration(env.NODE_OPTIONS)
    try {
      const journals = prepareRunnerJournals(env)
      // node:test has no config to add heapmark to: the wrapper loads it and reports the run.
      const nodeTest = prepareNodeTestRun(command, env)
      // Jest takes a test runner on its command line: no config edit needed either.
      const jest = looksLikeJest(command) ? prepareJestRun(command, env) : undefined
      const { code, interrupted } = await spawnInherited(command[0]!, nodeTest?.args ?? jest?.args ?? command.slice(1), env)
      await nodeTest?.finish()
      if (jest) {
        await jest.finish(existsSync(marker))
        // heapmark's reporter in jest.config (it wrote the marker) reports the run itself, unless
        // Jest's process died first (--runInBand out of memory): then the journals do.
        await journals.finish(interrupted)
        return code
      }
      if (!existsSync(marker)) {
        console.error(missingAdapterHint(command))
        return code === 0 ? 1 : code
      }
      // The runner died before its report (e.g. Vitest's threads pool on an out-of-memory worker).
      await journals.finish(interrupted)
      return code
    } finally {
      rmSync(markerDir, { recursive: true, force: true })
    }
  },
}

/** `interrupted`: this process passed on a SIGINT/SIGTERM (the user stopped the run). */
function spawnInherited(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; interrupted: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env })
    let interrupted = false
    const forward = (signal: NodeJS.Signals) => {
      interrupted = true
      child.kill(signal)
    }
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new HeapmarkError('HEAPMARK_INVALID_OPTION', `cannot run ${JSON.stringify(file)}: command not found (looked in node_modules/.bin and PATH)`)
          : error,
      )
    })
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), interrupted })
    })
  })
}
